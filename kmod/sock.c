// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP socket under a connection.
 *
 * A daemon connects or accepts, runs the TLS handshake, installs kTLS in both
 * directions and passes the fd in conn-new. We keep its file reference, mark
 * the socket as ours in sk_user_data (which also keeps sockmap and other
 * sk_user_data users away), and observe it through a wait queue entry on the
 * socket's wait queue, exactly as epoll does. That sees every readiness event
 * whichever layer raised it: kTLS's parser reports a complete record through
 * the sk_data_ready it saved when it was installed, sometimes from its own
 * work item, so a wrapper around the current sk_data_ready could miss it.
 * The socket's own callbacks are never touched, and removing the entry is all
 * it takes to give the socket back untouched (conn-detach).
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/tcp.h>
#include <linux/tls.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/mptcp.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tls.h>

#include "conn.h"
#include "sock.h"

static int tern_sock_wake(struct wait_queue_entry *wait, unsigned int mode,
			  int sync, void *key)
{
	struct tern_conn *conn = container_of(wait, struct tern_conn, wait);
	__poll_t mask = key_to_poll(key);
	unsigned long events = 0;

	if (!mask || (mask & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		events |= BIT(TERN_EV_RX);
	if (!mask || (mask & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
		events |= BIT(TERN_EV_TX);
	if (events)
		tern_conn_kick(conn, events);
	return 0;
}

/* Is our wake function already on this socket's wait queue? */
static bool tern_sock_watched(struct sock *sk)
{
	struct wait_queue_head *wq = sk_sleep(sk);
	struct wait_queue_entry *entry;
	bool found = false;

	spin_lock_irq(&wq->lock);
	list_for_each_entry(entry, &wq->head, entry) {
		if (entry->func == tern_sock_wake) {
			found = true;
			break;
		}
	}
	spin_unlock_irq(&wq->lock);
	return found;
}

/*
 * Check the socket's kind and state; tells whether it runs kTLS. Called
 * with the socket locked.
 */
static int tern_sock_check_locked(struct sock *sk, bool plain, bool *tls,
				  struct netlink_ext_ack *extack)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tls_context *ctx;

	if (sk_is_mptcp(sk)) {
		NL_SET_ERR_MSG_MOD(extack, "MPTCP subflows are not supported");
		return -EPROTONOSUPPORT;
	}

	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:	/* the peer sent FIN: read what is left */
		break;
	case TCP_LISTEN:
		NL_SET_ERR_MSG_MOD(extack, "socket is listening, not connected");
		return -EINVAL;
	default:
		NL_SET_ERR_MSG_MOD(extack, "socket is not connected");
		return -ENOTCONN;
	}

	*tls = false;
	if (icsk->icsk_ulp_ops) {
		if (strcmp(icsk->icsk_ulp_ops->name, "tls")) {
			NL_SET_ERR_MSG_MOD(extack,
					   "socket is used by another upper-layer protocol");
			return -EBUSY;
		}
		ctx = tls_get_ctx(sk);
		if (ctx->tx_conf == TLS_BASE || ctx->rx_conf == TLS_BASE) {
			NL_SET_ERR_MSG_MOD(extack,
					   "kTLS must be installed in both directions (TLS_TX and TLS_RX)");
			return -EINVAL;
		}
		*tls = true;
	} else if (!plain) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket has no kTLS (set TLS_TX and TLS_RX, or pass the plain flag in tests)");
		return -EINVAL;
	}
	return 0;
}

static int tern_sock_check(struct socket *sock, struct net *net, bool plain,
			   bool *tls, struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	int err;

	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6) {
		NL_SET_ERR_MSG_MOD(extack, "socket is not IPv4 or IPv6");
		return -EAFNOSUPPORT;
	}
	if (sk->sk_protocol == IPPROTO_MPTCP) {
		NL_SET_ERR_MSG_MOD(extack, "MPTCP sockets are not supported");
		return -EPROTONOSUPPORT;
	}
	if (sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP) {
		NL_SET_ERR_MSG_MOD(extack, "socket is not a TCP socket");
		return -EPROTOTYPE;
	}
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket belongs to another network namespace");
		return -EXDEV;
	}

	lock_sock(sk);
	err = tern_sock_check_locked(sk, plain, tls, extack);
	release_sock(sk);
	return err;
}

/*
 * Mark the socket as ours and start watching it, in one step under
 * sk_callback_lock, so that a racing conn-new either wins or sees both
 * marks. Fails if anyone, us included, got there first.
 */
static int tern_sock_claim(struct tern_conn *conn, struct sock *sk,
			   struct netlink_ext_ack *extack)
{
	void *data;

	write_lock_bh(&sk->sk_callback_lock);
	data = rcu_dereference_protected(__sk_user_data(sk),
					 lockdep_is_held(&sk->sk_callback_lock));
	if (data) {
		write_unlock_bh(&sk->sk_callback_lock);
		if (tern_sock_watched(sk))
			NL_SET_ERR_MSG_MOD(extack,
					   "socket is already held by a tern connection");
		else if ((uintptr_t)data & SK_USER_DATA_PSOCK)
			NL_SET_ERR_MSG_MOD(extack, "socket is in a BPF sockmap");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "socket is already used by another kernel subsystem (sk_user_data is set)");
		return -EBUSY;
	}
	__rcu_assign_sk_user_data_with_flags(sk, conn, SK_USER_DATA_NOCOPY);
	init_waitqueue_func_entry(&conn->wait, tern_sock_wake);
	add_wait_queue(sk_sleep(sk), &conn->wait);
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

static void tern_sock_addresses(struct tern_conn *conn, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	conn->family = sk->sk_family;
	conn->peer_port = inet->inet_dport;
	conn->local_port = inet->inet_sport;
	if (sk->sk_family == AF_INET6) {
		memcpy(conn->peer_addr, &sk->sk_v6_daddr, 16);
		memcpy(conn->local_addr, &sk->sk_v6_rcv_saddr, 16);
	} else {
		memcpy(conn->peer_addr, &inet->inet_daddr, 4);
		memcpy(conn->local_addr, &inet->inet_saddr, 4);
	}
}

/* Apply the connection's priority and mark, those asked for, to its socket. */
void tern_sock_apply_marks(struct tern_conn *conn, bool priority, bool mark)
{
	if (!conn->sock)
		return;
	if (priority)
		sock_set_priority(conn->sock->sk, conn->p.priority);
	if (mark)
		sock_set_mark(conn->sock->sk, conn->p.mark);
}

int tern_sock_attach(struct tern_conn *conn, int fd, bool plain,
		     struct net *net, struct netlink_ext_ack *extack)
{
	struct socket *sock;
	struct sock *sk;
	bool tls;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		if (err == -ENOTSOCK)
			NL_SET_ERR_MSG_MOD(extack, "fd is not a socket");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "fd is not an open file descriptor");
		return err;
	}
	sk = sock->sk;

	err = tern_sock_check(sock, net, plain, &tls, extack);
	if (err)
		goto out_put;
	err = tern_sock_claim(conn, sk, extack);
	if (err)
		goto out_put;

	conn->sock = sock;
	conn->plain = !tls;
	tern_sock_addresses(conn, sk);
	tcp_sock_set_nodelay(sk);
	tern_sock_apply_marks(conn, !!conn->p.priority, !!conn->p.mark);
	return 0;

out_put:
	sockfd_put(sock);
	return err;
}

/*
 * Stop watching the socket and forget it; returns its file with our
 * reference, for the caller to release or install.
 */
struct file *tern_sock_unwatch(struct tern_conn *conn)
{
	struct socket *sock = conn->sock;
	struct sock *sk;

	if (!sock)
		return NULL;
	sk = sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
	remove_wait_queue(sk_sleep(sk), &conn->wait);

	conn->sock = NULL;
	return sock->file;
}

void tern_sock_release(struct tern_conn *conn, bool shutdown)
{
	struct socket *sock = conn->sock;
	struct file *file;

	file = tern_sock_unwatch(conn);
	if (!file)
		return;
	if (shutdown)
		kernel_sock_shutdown(sock, SHUT_RDWR);
	fput(file);
}

/*
 * Read what is there without waiting. For kTLS sockets the record type comes
 * back in a control message: anything but application data (an alert, or a
 * handshake message such as KeyUpdate, which kTLS cannot follow) is returned
 * alone and reported through @rectype.
 */
int tern_sock_recv(struct tern_conn *conn, void *buf, size_t len, u8 *rectype)
{
	union {
		struct cmsghdr cmsg;
		u8 buf[CMSG_SPACE(sizeof(u8))];
	} ctl;
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};
	int n;

	*rectype = TERN_TLS_DATA;
	if (!conn->plain) {
		msg.msg_control = &ctl;
		msg.msg_controllen = sizeof(ctl);
	}

	n = kernel_recvmsg(conn->sock, &msg, &iov, 1, len, MSG_DONTWAIT);
	if (n >= 0 && !conn->plain && msg.msg_controllen < sizeof(ctl) &&
	    ctl.cmsg.cmsg_level == SOL_TLS &&
	    ctl.cmsg.cmsg_type == TLS_GET_RECORD_TYPE)
		*rectype = *(u8 *)CMSG_DATA(&ctl.cmsg);
	return n;
}

int tern_sock_send(struct tern_conn *conn, const void *buf, size_t len,
		   bool more)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};

	return kernel_sendmsg(conn->sock, &msg, &iov, 1, len);
}
