// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl push, recv, status and revoke: the device daemon's control
 * socket (daemon/proto/ctl.proto, Documentation/ternd.rst). One
 * SOCK_SEQPACKET packet per CtlRequest and per CtlReply; a request is
 * answered by replies up to the one marked done.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.pb-c.h"
#include "devctl.h"
#include "hex.h"
#include "json.h"
#include "ternctl.h"
#include "wire.h"

/* Read at most this much from -f FILE: one frame's payload. */
#define PUSH_MAX		TERN_FRAME_MAX_PAYLOAD

const char *dev_socket_path(const char *opt)
{
	const char *env = getenv("TERND_SOCKET");

	if (opt)
		return opt;
	return env && env[0] ? env : TERND_SOCKET_DEFAULT;
}

int dev_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		ternctl_error("socket path '%s' is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ternctl_error("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		ternctl_error("cannot connect to ternd at %s: %s%s", path,
			      strerror(e),
			      e == ENOENT || e == ECONNREFUSED ?
			      " (is ternd running? -S or $TERND_SOCKET name its socket)" :
			      e == EACCES ? " (the socket is its owner's only)" :
			      "");
		close(fd);
		return -1;
	}
	return fd;
}

int dev_send(int fd, const Tern__CtlRequest *req)
{
	size_t len = tern__ctl_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	ssize_t n;

	if (!buf)
		return ternctl_error("out of memory");
	tern__ctl_request__pack(req, buf);
	n = send(fd, buf, len, MSG_NOSIGNAL);
	free(buf);
	if (n < 0)
		return ternctl_error("sending to ternd: %s", strerror(errno));
	return 0;
}

Tern__CtlReply *dev_recv(int fd, bool eof_ok, int *status)
{
	Tern__CtlReply *r;
	uint8_t *buf;
	ssize_t n, len;

	*status = EXIT_RUNTIME;
	do {
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	} while (len < 0 && errno == EINTR);
	if (len < 0) {
		ternctl_error("reading from ternd: %s", strerror(errno));
		return NULL;
	}
	buf = malloc(len ? len : 1);
	if (!buf) {
		ternctl_error("out of memory");
		return NULL;
	}
	n = recv(fd, buf, len ? len : 1, 0);
	if (n == 0 && len == 0) {
		free(buf);
		if (eof_ok)
			*status = 0;
		else
			ternctl_error("ternd closed the connection");
		return NULL;
	}
	if (n != len) {
		ternctl_error("reading from ternd: %s",
			      n < 0 ? strerror(errno) : "short packet");
		free(buf);
		return NULL;
	}
	r = tern__ctl_reply__unpack(NULL, n, buf);
	free(buf);
	if (!r)
		ternctl_error("ternd sent a reply that does not decode");
	return r;
}

int dev_reply_error(const char *what, const Tern__CtlReply *r)
{
	if (r->detail && r->detail[0])
		return ternctl_error("%s: %s", what, r->detail);
	return ternctl_error("%s: %s", what, strerror(-r->error));
}

/* Parse -S/-j/-h and the command's own options. */
struct dev_opts {
	const char *socket;
	bool json;
	/* push */
	bool no_store, urgent;
	uint32_t ttl_s;
	const char *id_hex;
	const char *file;
	/* recv */
	uint32_t max, timeout_ms;
	bool peek, wait, follow;
};

enum {
	OPT_NO_STORE = 256,
	OPT_URGENT,
	OPT_TTL,
	OPT_ID,
	OPT_PEEK,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_FOLLOW,
};

static int dev_opts(int argc, char **argv, const struct ternctl_cmd *cmd,
		    const struct option *extra, struct dev_opts *o,
		    int *status)
{
	struct option opts[16] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t n = 3;
	char shorts[16] = "S:jh";
	int c;

	for (; extra && extra->name; extra++) {
		opts[n++] = *extra;
		if (extra->val == 'n')
			strcat(shorts, "n:");
		else if (extra->val == 'f')
			strcat(shorts, "f:");
	}
	*status = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], cmd);
			return -1;
		case OPT_NO_STORE:
			o->no_store = true;
			break;
		case OPT_URGENT:
			o->urgent = true;
			break;
		case OPT_TTL:
			*status = ternctl_parse_u32_opt(argv[0], "--ttl",
							optarg, &o->ttl_s);
			if (*status)
				return -1;
			break;
		case OPT_ID:
			o->id_hex = optarg;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'n':
			*status = ternctl_parse_u32_opt(argv[0], "-n", optarg,
							&o->max);
			if (*status)
				return -1;
			break;
		case OPT_PEEK:
			o->peek = true;
			break;
		case OPT_WAIT:
			o->wait = true;
			break;
		case OPT_TIMEOUT:
			*status = ternctl_parse_u32_opt(argv[0], "--timeout",
							optarg,
							&o->timeout_ms);
			if (*status)
				return -1;
			break;
		case OPT_FOLLOW:
			o->follow = true;
			break;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			*status = EXIT_USAGE;
			return -1;
		}
	}
	return optind;
}

/* --- push ------------------------------------------------------------ */

static int read_file(const char *prog, const char *path, uint8_t **out,
		     size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t have = 0;
	uint8_t *buf;

	if (fd < 0)
		return ternctl_error("%s: %s", path, strerror(errno));
	buf = malloc(PUSH_MAX + 1);
	if (!buf) {
		if (fd)
			close(fd);
		return ternctl_error("out of memory");
	}
	while (have <= PUSH_MAX) {
		ssize_t n = read(fd, buf + have, PUSH_MAX + 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			if (fd)
				close(fd);
			return ternctl_error("%s: %s", path, strerror(e));
		}
		if (!n)
			break;
		have += n;
	}
	if (fd)
		close(fd);
	if (have > PUSH_MAX) {
		free(buf);
		return ternctl_usage(prog, "%s is larger than %d bytes", path,
				     PUSH_MAX);
	}
	*out = buf;
	*len = have;
	return 0;
}

static int push_run(int argc, char **argv);

static const struct option push_opts[] = {
	{ "no-store", no_argument, NULL, OPT_NO_STORE },
	{ "urgent", no_argument, NULL, OPT_URGENT },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "id", required_argument, NULL, OPT_ID },
	{ "file", required_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 },
};

const struct ternctl_group ternctl_push_group = {
	.name = "push",
	.summary = "send a push message through ternd",
	.self = {
		.name = "push",
		.synopsis = "TOKEN_HEX [OPTIONS] (DATA | -f FILE)",
		.brief = "send a push message through ternd",
		.summary = "Queue a message for the device whose push token is TOKEN_HEX (32 hex\ndigits) in ternd's outbox. ternd pushes it to the gateway and retries\nuntil the gateway acks it. Prints the message id.",
		.help =
		"Options:\n"
		"  -f, --file FILE  the payload is FILE's content (- for standard input)\n"
		"  --no-store       deliver only to an online device, never store\n"
		"  --urgent         deliver ahead of ordinary traffic\n"
		"  --ttl S          keep it at most S seconds (0: the gateway's default)\n"
		"  --id HEX         the message id, 32 hex digits (default: random)\n"
		SOCKET_HELP
		"  -j, --json       print a JSON object\n"
		"  -h, --help       show this help\n",
		.run = push_run,
	},
};

static int push_run(int argc, char **argv)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlSend snd = TERN__CTL_SEND__INIT;
	uint8_t token[WIRE_TOKEN_LEN], id[WIRE_MSG_ID_LEN];
	char hex[HEX_LEN(WIRE_MSG_ID_LEN)];
	struct dev_opts o = { 0 };
	uint8_t *data = NULL;
	Tern__CtlReply *r;
	size_t len = 0;
	int first, status, fd;

	first = dev_opts(argc, argv, &ternctl_push_group.self, push_opts, &o,
			 &status);
	if (first < 0)
		return status;
	if (first >= argc)
		return ternctl_usage(argv[0], "missing push token");
	if (hex_decode(argv[first], token, sizeof(token)))
		return ternctl_usage(argv[0],
				     "invalid push token '%s': expected %d hex digits",
				     argv[first], 2 * WIRE_TOKEN_LEN);
	if (o.id_hex && hex_decode(o.id_hex, id, sizeof(id)))
		return ternctl_usage(argv[0],
				     "invalid message id '%s': expected %d hex digits",
				     o.id_hex, 2 * WIRE_MSG_ID_LEN);
	if (o.file && first + 1 < argc)
		return ternctl_usage(argv[0],
				     "give the payload as DATA or with -f, not both");
	if (!o.file && first + 1 >= argc)
		return ternctl_usage(argv[0], "missing DATA (or -f FILE)");
	if (first + 2 < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first + 2]);
	if (o.file) {
		status = read_file(argv[0], o.file, &data, &len);
		if (status)
			return status;
		snd.payload = wire_bytes(data, len);
	} else {
		len = strlen(argv[first + 1]);
		if (len > PUSH_MAX)
			return ternctl_usage(argv[0],
					     "DATA is larger than %d bytes",
					     PUSH_MAX);
		snd.payload = wire_bytes(argv[first + 1], len);
	}
	snd.token = wire_bytes(token, sizeof(token));
	if (o.id_hex)
		snd.msg_id = wire_bytes(id, sizeof(id));
	snd.ttl_s = o.ttl_s;
	snd.flags = (o.no_store ? TERN__PUSH_FLAG__PUSH_F_NO_STORE : 0) |
		    (o.urgent ? TERN__PUSH_FLAG__PUSH_F_URGENT : 0);
	req.req_case = TERN__CTL_REQUEST__REQ_SEND;
	req.send = &snd;

	status = EXIT_RUNTIME;
	fd = dev_connect(dev_socket_path(o.socket));
	if (fd < 0)
		goto out;
	if (dev_send(fd, &req))
		goto out_close;
	r = dev_recv(fd, false, &status);
	if (!r)
		goto out_close;
	if (r->error) {
		status = dev_reply_error("push", r);
	} else if (r->msg_id.len != WIRE_MSG_ID_LEN) {
		status = ternctl_error("push: ternd's reply has no message id");
	} else {
		hex_encode(r->msg_id.data, r->msg_id.len, hex);
		if (o.json) {
			struct json j;

			json_init(&j, stdout, false);
			json_obj_begin(&j);
			json_kv_str(&j, "msg-id", hex);
			json_kv_str(&j, "result", r->result);
			json_obj_end(&j);
		} else {
			printf("%s\n", hex);
		}
		status = 0;
	}
	tern__ctl_reply__free_unpacked(r, NULL);
out_close:
	close(fd);
out:
	free(data);
	return status;
}

/* --- recv ------------------------------------------------------------ */

static bool printable(const uint8_t *p, size_t n)
{
	size_t i;

	if (n >= 4 && !memcmp(p, "hex:", 4))
		return false;
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

static int print_message(const Tern__CtlMessage *m, bool json)
{
	char id[HEX_LEN(WIRE_MSG_ID_LEN)];
	char *hex = malloc(HEX_LEN(m->payload.len));
	bool text = printable(m->payload.data, m->payload.len);

	if (!hex)
		return ternctl_error("out of memory");
	if (m->msg_id.len == WIRE_MSG_ID_LEN)
		hex_encode(m->msg_id.data, m->msg_id.len, id);
	else
		strcpy(id, "-");
	hex_encode(m->payload.data, m->payload.len, hex);
	if (json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "msg-id", id);
		json_kv_u64(&j, "expiry", m->expiry_s);
		json_kv_u64(&j, "flags", m->flags);
		json_kv_u64(&j, "received-ms", m->received_ms);
		if (text) {
			/* The payload is printable ASCII: no NUL inside. */
			char *s = strndup((const char *)m->payload.data,
					  m->payload.len);

			if (!s) {
				free(hex);
				return ternctl_error("out of memory");
			}
			json_kv_str(&j, "payload", s);
			free(s);
		} else {
			json_kv_null(&j, "payload");
		}
		json_kv_str(&j, "payload-hex", hex);
		json_obj_end(&j);
	} else if (text) {
		printf("%s %.*s\n", id, (int)m->payload.len,
		       (const char *)m->payload.data);
	} else {
		printf("%s hex:%s\n", id, hex);
	}
	free(hex);
	fflush(stdout);
	return 0;
}

static int recv_run(int argc, char **argv);

static const struct option recv_opts[] = {
	{ "max", required_argument, NULL, 'n' },
	{ "peek", no_argument, NULL, OPT_PEEK },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ NULL, 0, NULL, 0 },
};

const struct ternctl_group ternctl_recv_group = {
	.name = "recv",
	.summary = "take received messages from ternd's inbox",
	.self = {
		.name = "recv",
		.synopsis = "[-n N] [--peek] [--wait] [--timeout MS] [--follow]",
		.brief = "take received messages from ternd's inbox",
		.summary = "Print the messages in ternd's inbox, oldest first, one line each:\nthe message id in hex, a space, and the payload: as text when it is\nprintable ASCII, else as \"hex:\" and its hex digits. They are taken\nfrom the inbox unless --peek is given.",
		.help =
		"Options:\n"
		"  -n, --max N      at most N messages (default: all)\n"
		"  --peek           leave them in the inbox\n"
		"  --wait           wait until there is at least one\n"
		"  --timeout MS     with --wait, give up after MS milliseconds (exit\n"
		"                   status 1 when nothing came)\n"
		"  --follow         keep printing messages as they arrive, until\n"
		"                   interrupted\n"
		SOCKET_HELP
		"  -j, --json       print one JSON object per message and line\n"
		"  -h, --help       show this help\n",
		.run = recv_run,
	},
};

static int recv_run(int argc, char **argv)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlRecv rcv = TERN__CTL_RECV__INIT;
	struct dev_opts o = { 0 };
	int first, status, fd;
	size_t i, got = 0;

	first = dev_opts(argc, argv, &ternctl_recv_group.self, recv_opts, &o,
			 &status);
	if (first < 0)
		return status;
	if (first < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first]);
	if (o.timeout_ms && !o.wait && !o.follow)
		return ternctl_usage(argv[0], "--timeout needs --wait");
	rcv.max = o.max;
	rcv.consume = !o.peek;
	rcv.wait = o.wait || o.follow;
	rcv.timeout_ms = o.follow ? 0 : o.timeout_ms;
	rcv.follow = o.follow;
	req.req_case = TERN__CTL_REQUEST__REQ_RECV;
	req.recv = &rcv;

	/* Following ends with SIGINT or SIGTERM: the default action. */
	signal(SIGPIPE, SIG_IGN);
	fd = dev_connect(dev_socket_path(o.socket));
	if (fd < 0)
		return EXIT_RUNTIME;
	if (dev_send(fd, &req)) {
		close(fd);
		return EXIT_RUNTIME;
	}
	for (;;) {
		Tern__CtlReply *r = dev_recv(fd, false, &status);
		bool done;

		if (!r)
			break;
		status = 0;
		if (r->error) {
			status = dev_reply_error("recv", r);
			tern__ctl_reply__free_unpacked(r, NULL);
			break;
		}
		for (i = 0; i < r->n_messages && !status; i++)
			status = print_message(r->messages[i], o.json);
		got += r->n_messages;
		done = r->done;
		tern__ctl_reply__free_unpacked(r, NULL);
		if (status || done)
			break;
	}
	if (!status && !got && o.wait && !o.follow)
		status = ternctl_error("recv: no message within %" PRIu32 " ms",
				       o.timeout_ms);
	close(fd);
	return status;
}

/* --- status ---------------------------------------------------------- */

static void hexstr(const ProtobufCBinaryData *b, char *out, size_t size)
{
	if (!b->len || HEX_LEN(b->len) > size) {
		snprintf(out, size, "-");
		return;
	}
	hex_encode(b->data, b->len, out);
}

static void status_json(const Tern__CtlStatusReply *s)
{
	char tok[HEX_LEN(32)], dev[HEX_LEN(32)];
	struct json j;

	hexstr(&s->push_token, tok, sizeof(tok));
	hexstr(&s->device_id, dev, sizeof(dev));
	json_init(&j, stdout, true);
	json_obj_begin(&j);
	json_kv_str(&j, "state", s->state);
	json_kv_str(&j, "transport", s->transport);
	if (s->push_token.len)
		json_kv_str(&j, "push-token", tok);
	else
		json_kv_null(&j, "push-token");
	json_kv_str(&j, "device-id", dev);
	json_kv_str(&j, "gateway", s->gateway);
	json_kv_u64(&j, "heartbeat-ms", s->heartbeat_ms);
	json_kv_u64(&j, "conn-id", s->conn_id);
	json_kv_u64(&j, "connected-ms", s->connected_ms);
	json_kv_u64(&j, "reconnects", s->reconnects);
	json_kv_u64(&j, "outbox-pending", s->outbox_pending);
	json_kv_u64(&j, "inbox-unread", s->inbox_unread);
	json_kv_str(&j, "last-close", s->last_close);
	json_kv_bool(&j, "adopted", s->adopted);
	json_kv_str(&j, "directory", s->dir_state[0] ? s->dir_state : "off");
	json_kv_str(&j, "handle", s->dir_handle);
	json_kv_u64(&j, "directory-head", s->dir_head);
	json_kv_dbl(&j, "prekeys", s->dir_prekeys);
	if (s->dir_alarm[0])
		json_kv_str(&j, "alarm", s->dir_alarm);
	else
		json_kv_null(&j, "alarm");
	if (s->dir_error[0])
		json_kv_str(&j, "directory-error", s->dir_error);
	else
		json_kv_null(&j, "directory-error");
	if (s->link_code[0])
		json_kv_str(&j, "link-code", s->link_code);
	else
		json_kv_null(&j, "link-code");
	json_obj_end(&j);
}

static void status_text(const Tern__CtlStatusReply *s)
{
	char tok[HEX_LEN(32)], dev[HEX_LEN(32)];

	hexstr(&s->push_token, tok, sizeof(tok));
	hexstr(&s->device_id, dev, sizeof(dev));
	printf("state:          %s%s\n", s->state,
	       s->adopted ? " (adopted)" : "");
	printf("transport:      %s\n", s->transport);
	printf("gateway:        %s\n", s->gateway);
	printf("push token:     %s\n", tok);
	printf("device id:      %s\n", dev);
	printf("heartbeat:      %" PRIu32 " ms\n", s->heartbeat_ms);
	if (s->conn_id)
		printf("connection:     %" PRIu32 "\n", s->conn_id);
	if (s->connected_ms)
		printf("connected:      %" PRIu64 " (Unix ms)\n",
		       s->connected_ms);
	printf("reconnects:     %" PRIu32 "\n", s->reconnects);
	printf("outbox pending: %" PRIu32 "\n", s->outbox_pending);
	printf("inbox unread:   %" PRIu32 "\n", s->inbox_unread);
	if (s->last_close[0])
		printf("last close:     %s\n", s->last_close);
	printf("directory:      %s\n", s->dir_state[0] ? s->dir_state : "off");
	if (s->dir_handle[0])
		printf("handle:         %s\n", s->dir_handle);
	if (s->dir_head)
		printf("directory head: %" PRIu64 "\n", s->dir_head);
	if (s->dir_prekeys >= 0)
		printf("prekeys:        %" PRId32 "\n", s->dir_prekeys);
	if (s->dir_error[0])
		printf("directory error: %s\n", s->dir_error);
	if (s->link_code[0])
		printf("link code:      %s\n", s->link_code);
	if (s->dir_alarm[0])
		printf("ALARM:          %s\n", s->dir_alarm);
}

static int status_run(int argc, char **argv);

const struct ternctl_group ternctl_status_group = {
	.name = "status",
	.summary = "show ternd's connection and queues",
	.self = {
		.name = "status",
		.synopsis = "[-j]",
		.brief = "show ternd's connection and queues",
		.summary = "Show ternd's state: the gateway connection, its transport, the push\ntoken, the heartbeat interval, and the outbox and inbox counts.",
		.help =
		"Options:\n"
		SOCKET_HELP
		"  -j, --json       print a JSON object\n"
		"  -h, --help       show this help\n",
		.run = status_run,
	},
};

static int status_run(int argc, char **argv)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlStatus st = TERN__CTL_STATUS__INIT;
	struct dev_opts o = { 0 };
	Tern__CtlReply *r;
	int first, status, fd;

	first = dev_opts(argc, argv, &ternctl_status_group.self, NULL, &o,
			 &status);
	if (first < 0)
		return status;
	if (first < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first]);
	req.req_case = TERN__CTL_REQUEST__REQ_STATUS;
	req.status = &st;
	fd = dev_connect(dev_socket_path(o.socket));
	if (fd < 0)
		return EXIT_RUNTIME;
	if (dev_send(fd, &req)) {
		close(fd);
		return EXIT_RUNTIME;
	}
	r = dev_recv(fd, false, &status);
	close(fd);
	if (!r)
		return status;
	status = 0;
	if (r->error)
		status = dev_reply_error("status", r);
	else if (!r->status)
		status = ternctl_error("status: ternd's reply has no status");
	else if (o.json)
		status_json(r->status);
	else
		status_text(r->status);
	tern__ctl_reply__free_unpacked(r, NULL);
	return status;
}

/* --- revoke ---------------------------------------------------------- */

static int revoke_run(int argc, char **argv);

const struct ternctl_group ternctl_revoke_group = {
	.name = "revoke",
	.summary = "revoke a push token of this device's account",
	.self = {
		.name = "revoke",
		.synopsis = "[TOKEN_HEX]",
		.brief = "revoke a push token of this device's account",
		.summary = "Ask the gateway to revoke TOKEN_HEX, a push token of this device's\naccount (default: this device's own token). Pushes to it are refused\nfrom then on and its stored messages deleted. Revocation is final.",
		.help =
		"Options:\n"
		SOCKET_HELP
		"  -j, --json       print a JSON object\n"
		"  -h, --help       show this help\n",
		.run = revoke_run,
	},
};

static int revoke_run(int argc, char **argv)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlRevoke rv = TERN__CTL_REVOKE__INIT;
	uint8_t token[WIRE_TOKEN_LEN];
	char hex[HEX_LEN(WIRE_TOKEN_LEN)];
	struct dev_opts o = { 0 };
	Tern__CtlReply *r;
	int first, status, fd;

	first = dev_opts(argc, argv, &ternctl_revoke_group.self, NULL, &o,
			 &status);
	if (first < 0)
		return status;
	if (first + 1 < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first + 1]);
	if (first < argc) {
		if (hex_decode(argv[first], token, sizeof(token)))
			return ternctl_usage(argv[0],
					     "invalid push token '%s': expected %d hex digits",
					     argv[first], 2 * WIRE_TOKEN_LEN);
		rv.token = wire_bytes(token, sizeof(token));
	}
	req.req_case = TERN__CTL_REQUEST__REQ_REVOKE;
	req.revoke = &rv;
	fd = dev_connect(dev_socket_path(o.socket));
	if (fd < 0)
		return EXIT_RUNTIME;
	if (dev_send(fd, &req)) {
		close(fd);
		return EXIT_RUNTIME;
	}
	r = dev_recv(fd, false, &status);
	close(fd);
	if (!r)
		return status;
	if (r->error) {
		status = dev_reply_error("revoke", r);
		goto out;
	}
	if (rv.token.len)
		hex_encode(token, sizeof(token), hex);
	else
		strcpy(hex, "own");
	if (o.json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "token", hex);
		json_kv_str(&j, "result", r->result);
		json_obj_end(&j);
	} else {
		printf("%s %s\n", hex, r->result);
	}
	status = 0;
out:
	tern__ctl_reply__free_unpacked(r, NULL);
	return status;
}
