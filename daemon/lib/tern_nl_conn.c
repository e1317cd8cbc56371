// SPDX-License-Identifier: GPL-2.0
/*
 * tern_nl connection operations: conn-new, -set, -del, -get, -adopt,
 * -detach.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "tern_nl_priv.h"

const struct nla_policy tern_conn_policy[TERN_A_MAX + 1] = {
	[TERN_A_CONN_ID]	= { .type = NLA_U32 },
	[TERN_A_FD]		= { .type = NLA_S32 },
	[TERN_A_ROLE]		= { .type = NLA_U32 },
	[TERN_A_HB_INTERVAL]	= { .type = NLA_U32 },
	[TERN_A_TIMEOUT]	= { .type = NLA_U32 },
	[TERN_A_PARTIAL_TIMEOUT] = { .type = NLA_U32 },
	[TERN_A_MAX_FRAME]	= { .type = NLA_U32 },
	[TERN_A_PRIORITY]	= { .type = NLA_U32 },
	[TERN_A_MARK]		= { .type = NLA_U32 },
	[TERN_A_OWNER_TAG]	= { .type = NLA_STRING,
				    .maxlen = TERN_OWNER_TAG_MAX },
	[TERN_A_COOKIE]		= { .type = NLA_U64 },
	[TERN_A_PLAIN]		= { .type = NLA_FLAG },
	[TERN_A_GRACE]		= { .type = NLA_U32 },
	[TERN_A_RCV_WINDOW]	= { .type = NLA_U32 },
	[TERN_A_MAX_HELD]	= { .type = NLA_U32 },
	[TERN_A_STATE]		= { .type = NLA_U32 },
	[TERN_A_ORPHAN]		= { .type = NLA_FLAG },
	[TERN_A_REASON]		= { .type = NLA_U32 },
	[TERN_A_FAMILY]		= { .type = NLA_U16 },
	[TERN_A_PEER_ADDR]	= { .minlen = 4, .maxlen = 16 },
	[TERN_A_PEER_PORT]	= { .type = NLA_U16 },
	[TERN_A_LOCAL_ADDR]	= { .minlen = 4, .maxlen = 16 },
	[TERN_A_LOCAL_PORT]	= { .type = NLA_U16 },
	[TERN_A_STATS]		= { .type = NLA_NESTED },
	[TERN_A_FRAME]		= { .type = NLA_NESTED },
	[TERN_A_ACK]		= { .type = NLA_NESTED },
	[TERN_A_RESULT]		= { .type = NLA_NESTED },
	[TERN_A_COUNT]		= { .type = NLA_U32 },
	[TERN_A_SEQ]		= { .type = NLA_U64 },
	[TERN_A_WIRE]		= { .minlen = TERN_FRAME_HDR_LEN },
};

static const struct nla_policy tern_stats_policy[TERN_STATS_A_MAX + 1] = {
	[TERN_STATS_A_RX_FRAMES]	= { .type = NLA_U64 },
	[TERN_STATS_A_RX_BYTES]		= { .type = NLA_U64 },
	[TERN_STATS_A_TX_FRAMES]	= { .type = NLA_U64 },
	[TERN_STATS_A_TX_BYTES]		= { .type = NLA_U64 },
	[TERN_STATS_A_HB_SENT]		= { .type = NLA_U64 },
	[TERN_STATS_A_HB_ANSWERED]	= { .type = NLA_U64 },
	[TERN_STATS_A_PINGS_ANSWERED]	= { .type = NLA_U64 },
	[TERN_STATS_A_LAST_RX]		= { .type = NLA_U64 },
	[TERN_STATS_A_RTT]		= { .type = NLA_U32 },
	[TERN_STATS_A_HELD_FRAMES]	= { .type = NLA_U32 },
	[TERN_STATS_A_HELD_BYTES]	= { .type = NLA_U32 },
	[TERN_STATS_A_TXQ_FRAMES]	= { .type = NLA_U32 },
	[TERN_STATS_A_TXQ_BYTES]	= { .type = NLA_U32 },
};

/* The optional u32 parameters, shared by conn-new, conn-set and conn-get. */
static const struct {
	int attr;
	uint32_t bit;
	size_t param;	/* offset in struct tern_conn_params */
	size_t info;	/* offset in struct tern_conn_info */
} u32_params[] = {
#define P(a, b, f) { a, b, offsetof(struct tern_conn_params, f), \
		     offsetof(struct tern_conn_info, f) }
	P(TERN_A_HB_INTERVAL, TERN_P_HB_INTERVAL, hb_interval_ms),
	P(TERN_A_TIMEOUT, TERN_P_TIMEOUT, timeout_ms),
	P(TERN_A_PARTIAL_TIMEOUT, TERN_P_PARTIAL_TIMEOUT, partial_timeout_ms),
	P(TERN_A_MAX_FRAME, TERN_P_MAX_FRAME, max_frame),
	P(TERN_A_PRIORITY, TERN_P_PRIORITY, priority),
	P(TERN_A_MARK, TERN_P_MARK, mark),
	P(TERN_A_GRACE, TERN_P_GRACE, grace_ms),
	P(TERN_A_RCV_WINDOW, TERN_P_RCV_WINDOW, rcv_window),
	P(TERN_A_MAX_HELD, TERN_P_MAX_HELD, max_held),
#undef P
};

static const struct {
	int attr;
	bool wide;
	size_t off;	/* in struct tern_conn_stats */
} stats_fields[] = {
#define S64(a, f) { a, true, offsetof(struct tern_conn_stats, f) }
#define S32(a, f) { a, false, offsetof(struct tern_conn_stats, f) }
	S64(TERN_STATS_A_RX_FRAMES, rx_frames),
	S64(TERN_STATS_A_RX_BYTES, rx_bytes),
	S64(TERN_STATS_A_TX_FRAMES, tx_frames),
	S64(TERN_STATS_A_TX_BYTES, tx_bytes),
	S64(TERN_STATS_A_HB_SENT, hb_sent),
	S64(TERN_STATS_A_HB_ANSWERED, hb_answered),
	S64(TERN_STATS_A_PINGS_ANSWERED, pings_answered),
	S64(TERN_STATS_A_LAST_RX, last_rx_ms),
	S32(TERN_STATS_A_RTT, rtt_us),
	S32(TERN_STATS_A_HELD_FRAMES, held_frames),
	S32(TERN_STATS_A_HELD_BYTES, held_bytes),
	S32(TERN_STATS_A_TXQ_FRAMES, txq_frames),
	S32(TERN_STATS_A_TXQ_BYTES, txq_bytes),
#undef S64
#undef S32
};

/* Put the parameters that were given; -EMSGSIZE cannot happen with the
 * sizes used here but is checked all the same.
 */
static int tern_put_params(struct nl_msg *msg,
			   const struct tern_conn_params *p)
{
	const char *base = (const char *)p;
	uint32_t v;
	size_t i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(u32_params); i++) {
		memcpy(&v, base + u32_params[i].param, sizeof(v));
		if (v || (p->given & u32_params[i].bit))
			bad |= nla_put_u32(msg, u32_params[i].attr, v) < 0;
	}
	if (p->cookie || (p->given & TERN_P_COOKIE))
		bad |= nla_put_u64(msg, TERN_A_COOKIE, p->cookie) < 0;
	return bad ? -EMSGSIZE : 0;
}

static int tern_check_tag(struct tern_nl *nl, const char *tag)
{
	if (!tag || !tag[0])
		return tern_nl_seterr(nl, -EINVAL, "an owner tag is required");
	if (strlen(tag) >= TERN_OWNER_TAG_MAX)
		return tern_nl_seterr(nl, -EINVAL,
				      "owner tag \"%s\" is longer than %d bytes",
				      tag, TERN_OWNER_TAG_MAX - 1);
	return 0;
}

static int tern_nomem(struct tern_nl *nl, struct nl_msg *msg)
{
	if (msg)
		nlmsg_free(msg);
	return tern_nl_seterr(nl, -ENOMEM,
			      "out of memory building a request");
}

/* A reply carrying one u32 or s32 attribute. */
struct tern_one {
	int attr;
	const char *what;
	bool got;
	uint32_t val;
};

static int tern_one_reply(struct tern_nl *nl, const struct nlmsghdr *nlh,
			  void *arg)
{
	struct nlattr *tb[TERN_A_MAX + 1];
	struct tern_one *one = arg;
	int err;

	err = tern_nl_parse(nl, nlh, tb, TERN_A_MAX, tern_conn_policy,
			    one->what);
	if (err)
		return err;
	if (!tb[one->attr])
		return tern_nl_seterr(nl, -EBADMSG,
				      "%s reply from tern.ko lacks %s",
				      one->what,
				      tern_attr_name(TERN_SET_CONN, one->attr));
	one->val = nla_get_u32(tb[one->attr]);
	one->got = true;
	return 0;
}

static int tern_one_transact(struct tern_nl *nl, struct nl_msg *msg,
			     struct tern_one *one)
{
	int err;

	err = tern_nl_transact(nl, msg, false, tern_one_reply, one);
	if (!err && !one->got)
		err = tern_nl_seterr(nl, -EBADMSG,
				     "tern.ko acked %s without a reply",
				     one->what);
	return err;
}

int tern_nl_conn_new(struct tern_nl *nl, const struct tern_conn_params *p,
		     uint32_t *conn_id)
{
	struct tern_one one = { .attr = TERN_A_CONN_ID, .what = "conn-new" };
	struct nl_msg *msg;
	int err, bad = 0;

	err = tern_check_tag(nl, p->owner_tag);
	if (err)
		return err;
	if (p->fd < 0)
		return tern_nl_seterr(nl, -EBADF, "invalid socket fd %d", p->fd);
	if (p->role != TERN_ROLE_INITIATOR && p->role != TERN_ROLE_RESPONDER)
		return tern_nl_seterr(nl, -EINVAL, "invalid role %d", p->role);

	msg = tern_nl_msg_new(nl, TERN_CMD_CONN_NEW, 256);
	if (!msg)
		return tern_nomem(nl, NULL);
	bad |= nla_put_s32(msg, TERN_A_FD, p->fd) < 0;
	bad |= nla_put_u32(msg, TERN_A_ROLE, p->role) < 0;
	bad |= nla_put_string(msg, TERN_A_OWNER_TAG, p->owner_tag) < 0;
	if (p->plain)
		bad |= nla_put_flag(msg, TERN_A_PLAIN) < 0;
	bad |= tern_put_params(msg, p) < 0;
	if (bad)
		return tern_nomem(nl, msg);
	err = tern_one_transact(nl, msg, &one);
	if (!err)
		*conn_id = one.val;
	return err;
}

int tern_nl_conn_set(struct tern_nl *nl, uint32_t conn_id,
		     const struct tern_conn_params *p)
{
	struct nl_msg *msg;
	int bad = 0;

	msg = tern_nl_msg_new(nl, TERN_CMD_CONN_SET, 256);
	if (!msg)
		return tern_nomem(nl, NULL);
	bad |= nla_put_u32(msg, TERN_A_CONN_ID, conn_id) < 0;
	bad |= tern_put_params(msg, p) < 0;
	if (bad)
		return tern_nomem(nl, msg);
	return tern_nl_transact(nl, msg, false, NULL, NULL);
}

static struct nl_msg *tern_conn_id_msg(struct tern_nl *nl, uint8_t cmd,
				       uint32_t conn_id)
{
	struct nl_msg *msg = tern_nl_msg_new(nl, cmd, 16);

	if (msg && nla_put_u32(msg, TERN_A_CONN_ID, conn_id) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int tern_nl_conn_del(struct tern_nl *nl, uint32_t conn_id)
{
	struct nl_msg *msg = tern_conn_id_msg(nl, TERN_CMD_CONN_DEL, conn_id);

	if (!msg)
		return tern_nomem(nl, NULL);
	return tern_nl_transact(nl, msg, false, NULL, NULL);
}

static int tern_get_addr(struct tern_nl *nl, const struct nlattr *a,
			 uint16_t family, uint8_t *addr, const char *name)
{
	int want = family == AF_INET6 ? 16 : 4;

	if (!a)
		return 0;
	if ((family != AF_INET && family != AF_INET6) || nla_len(a) != want)
		return tern_nl_seterr(nl, -EBADMSG,
				      "conn-get reply from tern.ko has a %d-byte %s for address family %u",
				      nla_len(a), name, family);
	memcpy(addr, nla_data(a), want);
	return 0;
}

static int tern_stats_parse(struct tern_nl *nl, struct nlattr *nest,
			    struct tern_conn_stats *st)
{
	struct nlattr *tb[TERN_STATS_A_MAX + 1];
	char *base = (char *)st;
	uint32_t v32;
	uint64_t v64;
	size_t i;
	int err;

	err = nla_parse_nested(tb, TERN_STATS_A_MAX, nest,
			       (struct nla_policy *)tern_stats_policy);
	if (err < 0)
		return tern_nl_seterr(nl, -EBADMSG,
				      "malformed stats from tern.ko: %s",
				      nl_geterror(err));
	for (i = 0; i < ARRAY_SIZE(stats_fields); i++) {
		struct nlattr *a = tb[stats_fields[i].attr];

		if (!a)
			continue;
		if (stats_fields[i].wide) {
			v64 = nla_get_u64(a);
			memcpy(base + stats_fields[i].off, &v64, sizeof(v64));
		} else {
			v32 = nla_get_u32(a);
			memcpy(base + stats_fields[i].off, &v32, sizeof(v32));
		}
	}
	return 0;
}

int tern_conn_info_parse(struct tern_nl *nl, const struct nlmsghdr *nlh,
			 struct tern_conn_info *info)
{
	struct nlattr *tb[TERN_A_MAX + 1];
	char *base = (char *)info;
	uint32_t v;
	size_t i;
	int err;

	memset(info, 0, sizeof(*info));
	err = tern_nl_parse(nl, nlh, tb, TERN_A_MAX, tern_conn_policy,
			    "conn-get");
	if (err)
		return err;
	if (!tb[TERN_A_CONN_ID])
		return tern_nl_seterr(nl, -EBADMSG,
				      "conn-get reply from tern.ko lacks conn-id");
	info->id = nla_get_u32(tb[TERN_A_CONN_ID]);
	if (tb[TERN_A_STATE])
		info->state = nla_get_u32(tb[TERN_A_STATE]);
	if (tb[TERN_A_ROLE])
		info->role = nla_get_u32(tb[TERN_A_ROLE]);
	if (tb[TERN_A_REASON])
		info->reason = nla_get_u32(tb[TERN_A_REASON]);
	info->orphan = !!tb[TERN_A_ORPHAN];
	info->plain = !!tb[TERN_A_PLAIN];
	if (tb[TERN_A_OWNER_TAG])
		nla_strlcpy(info->owner_tag, tb[TERN_A_OWNER_TAG],
			    sizeof(info->owner_tag));
	if (tb[TERN_A_COOKIE])
		info->cookie = nla_get_u64(tb[TERN_A_COOKIE]);
	if (tb[TERN_A_FAMILY])
		info->family = nla_get_u16(tb[TERN_A_FAMILY]);
	if (tb[TERN_A_PEER_PORT])
		info->peer_port = nla_get_u16(tb[TERN_A_PEER_PORT]);
	if (tb[TERN_A_LOCAL_PORT])
		info->local_port = nla_get_u16(tb[TERN_A_LOCAL_PORT]);
	for (i = 0; i < ARRAY_SIZE(u32_params); i++) {
		if (!tb[u32_params[i].attr])
			continue;
		v = nla_get_u32(tb[u32_params[i].attr]);
		memcpy(base + u32_params[i].info, &v, sizeof(v));
	}
	err = tern_get_addr(nl, tb[TERN_A_PEER_ADDR], info->family,
			    info->peer_addr, "peer-addr");
	if (!err)
		err = tern_get_addr(nl, tb[TERN_A_LOCAL_ADDR], info->family,
				    info->local_addr, "local-addr");
	if (!err && tb[TERN_A_STATS])
		err = tern_stats_parse(nl, tb[TERN_A_STATS], &info->stats);
	return err;
}

struct tern_get {
	struct tern_conn_info *info;
	bool got;
};

static int tern_get_reply(struct tern_nl *nl, const struct nlmsghdr *nlh,
			  void *arg)
{
	struct tern_get *get = arg;
	int err;

	err = tern_conn_info_parse(nl, nlh, get->info);
	if (!err)
		get->got = true;
	return err;
}

int tern_nl_conn_get(struct tern_nl *nl, uint32_t conn_id,
		     struct tern_conn_info *info)
{
	struct tern_get get = { .info = info };
	struct nl_msg *msg;
	int err;

	msg = tern_conn_id_msg(nl, TERN_CMD_CONN_GET, conn_id);
	if (!msg)
		return tern_nomem(nl, NULL);
	err = tern_nl_transact(nl, msg, false, tern_get_reply, &get);
	if (!err && !get.got)
		err = tern_nl_seterr(nl, -EBADMSG,
				     "tern.ko acked conn-get without a reply");
	return err;
}

struct tern_dump {
	int (*cb)(const struct tern_conn_info *info, void *arg);
	void *arg;
	int ret;
};

static int tern_dump_reply(struct tern_nl *nl, const struct nlmsghdr *nlh,
			   void *arg)
{
	struct tern_dump *d = arg;
	struct tern_conn_info info;
	int err;

	err = tern_conn_info_parse(nl, nlh, &info);
	if (err)
		return err;
	d->ret = d->cb(&info, d->arg);
	return d->ret ? 1 : 0;
}

int tern_nl_conn_dump(struct tern_nl *nl, const char *owner_tag,
		      int (*cb)(const struct tern_conn_info *info, void *arg),
		      void *arg)
{
	struct tern_dump d = { .cb = cb, .arg = arg };
	struct nl_msg *msg;
	int err;

	if (owner_tag) {
		err = tern_check_tag(nl, owner_tag);
		if (err)
			return err;
	}
	msg = tern_nl_msg_new(nl, TERN_CMD_CONN_GET, 64);
	if (!msg)
		return tern_nomem(nl, NULL);
	if (owner_tag && nla_put_string(msg, TERN_A_OWNER_TAG, owner_tag) < 0)
		return tern_nomem(nl, msg);
	err = tern_nl_transact(nl, msg, true, tern_dump_reply, &d);
	if (!err && d.ret < 0)
		err = d.ret;
	return err;
}

int tern_nl_conn_adopt(struct tern_nl *nl, const char *owner_tag,
		       uint32_t conn_id, uint32_t grace_ms, uint32_t *count)
{
	struct tern_one one = { .attr = TERN_A_COUNT, .what = "conn-adopt" };
	struct nl_msg *msg;
	int err, bad = 0;

	err = tern_check_tag(nl, owner_tag);
	if (err)
		return err;
	msg = tern_nl_msg_new(nl, TERN_CMD_CONN_ADOPT, 64);
	if (!msg)
		return tern_nomem(nl, NULL);
	bad |= nla_put_string(msg, TERN_A_OWNER_TAG, owner_tag) < 0;
	if (conn_id)
		bad |= nla_put_u32(msg, TERN_A_CONN_ID, conn_id) < 0;
	if (grace_ms)
		bad |= nla_put_u32(msg, TERN_A_GRACE, grace_ms) < 0;
	if (bad)
		return tern_nomem(nl, msg);
	err = tern_one_transact(nl, msg, &one);
	if (!err && count)
		*count = one.val;
	return err;
}

int tern_nl_conn_detach(struct tern_nl *nl, uint32_t conn_id, int *fd)
{
	struct tern_one one = { .attr = TERN_A_FD, .what = "conn-detach" };
	struct nl_msg *msg;
	int err;

	msg = tern_conn_id_msg(nl, TERN_CMD_CONN_DETACH, conn_id);
	if (!msg)
		return tern_nomem(nl, NULL);
	err = tern_one_transact(nl, msg, &one);
	if (!err)
		*fd = (int32_t)one.val;
	return err;
}
