// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTPS server: libevent's evhttp over bufferevent_openssl, one TLS
 * session per connection, routing of the API's paths
 * (Documentation/directory.rst, "The HTTP API") and JSON replies.
 *
 * Nothing here logs a request: not its path, not its source.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/keyvalq_struct.h>

#include "dird.h"
#include "netaddr.h"
#include "tls.h"

/* libevent's own limit, above ours so that ours answers in JSON. */
#define HTTP_BODY_LIMIT		(1024 * 1024)
#define HTTP_HEADERS_LIMIT	(16 * 1024)

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	default: return "Internal Server Error";
	}
}

void dird_reply(struct evhttp_request *req, int status, json_t *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char *text = NULL;

	if (body)
		text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!buf || !text) {
		evbuffer_free(buf);
		free(text);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	free(text);
	evhttp_send_reply(req, status, reason(status), buf);
	evbuffer_free(buf);
}

void dird_error(struct evhttp_request *req, int status, const char *code,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dird_reply(req, status, json_pack("{s:s, s:s}", "error", code,
					  "message", msg));
}

const char *dird_source(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	const char *addr = NULL;
	ev_uint16_t port;

	if (c)
		evhttp_connection_get_peer(c, (char **)&addr, &port);
	if (!addr)
		return "?";
	/* An IPv4 peer of a dual-stack socket is the IPv4 address. */
	if (!strncmp(addr, "::ffff:", 7) && strchr(addr + 7, '.'))
		return addr + 7;
	return addr;
}

/* Every connection is TLS: the server never speaks plain HTTP. */
static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
	struct dird *d = arg;
	SSL *ssl = SSL_new(d->tls);

	if (!ssl)
		return NULL;	/* refused by is_tls() below */
	return bufferevent_openssl_socket_new(base, -1, ssl,
					      BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

/*
 * When tls_bev() could not make a TLS session (no memory), libevent falls
 * back to a plain socket: such a connection gets no answer but a bare
 * error, never data.
 */
static bool is_tls(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c) :
				  NULL;

	return bev && bufferevent_openssl_get_ssl(bev);
}

/* The body, contiguous; NULL and an answer when it is too large. */
static const char *body_of(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *p;

	*len = evbuffer_get_length(in);
	if (*len > DIRD_MAX_BODY) {
		dird_error(req, 413, "too-large",
			   "the body is %zu bytes, more than %d", *len,
			   DIRD_MAX_BODY);
		return NULL;
	}
	p = (const char *)evbuffer_pullup(in, -1);
	return p ? p : "";
}

/*
 * Splits @path ("/v1/accounts/x/devices") into at most @max decoded
 * segments. Returns how many, or -1 when the path is malformed (an empty
 * or undecodable segment, or too many).
 */
static int split_path(const char *path, char **seg, int max)
{
	const char *p = path, *slash;
	int n = 0;
	char *raw;

	if (*p != '/')
		return -1;
	while (*p == '/') {
		p++;
		slash = strchr(p, '/');
		if (!slash)
			slash = p + strlen(p);
		if (slash == p || n == max)
			goto bad;
		raw = strndup(p, slash - p);
		if (!raw)
			goto bad;
		seg[n] = evhttp_uridecode(raw, 0, NULL);
		free(raw);
		if (!seg[n] || strlen(seg[n]) == 0 ||
		    memchr(seg[n], '/', strlen(seg[n]))) {
			free(seg[n]);
			goto bad;
		}
		n++;
		p = slash;
	}
	if (*p)
		goto bad;
	return n;
bad:
	while (n--)
		free(seg[n]);
	return -1;
}

static void method_not_allowed(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
			  allow);
	dird_error(req, 405, "bad-method", "this path takes %s", allow);
}

static void route(struct dird *d, struct evhttp_request *req,
		  enum evhttp_cmd_type cmd, char **s, int n)
{
	const char *body;
	size_t len;

	if (n == 2 && !strcmp(s[0], "v1") && !strcmp(s[1], "register")) {
		if (cmd != EVHTTP_REQ_POST)
			return method_not_allowed(req, "POST");
		body = body_of(req, &len);
		if (body)
			dird_api_register(d, req, body, len);
		return;
	}
	if (n == 3 && !strcmp(s[0], "v1") && !strcmp(s[1], "register") &&
	    !strcmp(s[2], "code")) {
		if (cmd != EVHTTP_REQ_POST)
			return method_not_allowed(req, "POST");
		body = body_of(req, &len);
		if (body)
			dird_api_register_code(d, req, body, len);
		return;
	}
	if (n == 2 && !strcmp(s[0], "v1") && !strcmp(s[1], "claim")) {
		if (cmd != EVHTTP_REQ_POST)
			return method_not_allowed(req, "POST");
		body = body_of(req, &len);
		if (body)
			dird_api_claim(d, req, body, len);
		return;
	}
	if (n == 4 && !strcmp(s[0], "v1") && !strcmp(s[1], "accounts") &&
	    !strcmp(s[3], "rotate")) {
		if (cmd != EVHTTP_REQ_POST)
			return method_not_allowed(req, "POST");
		body = body_of(req, &len);
		if (body)
			dird_api_rotate(d, req, s[2], body, len);
		return;
	}
	if (n == 4 && !strcmp(s[0], "v1") && !strcmp(s[1], "accounts") &&
	    !strcmp(s[3], "devices")) {
		if (cmd != EVHTTP_REQ_POST)
			return method_not_allowed(req, "POST");
		body = body_of(req, &len);
		if (body)
			dird_api_add_device(d, req, s[2], body, len);
		return;
	}
	if (n == 5 && !strcmp(s[0], "v1") && !strcmp(s[1], "accounts") &&
	    !strcmp(s[3], "devices")) {
		if (cmd != EVHTTP_REQ_DELETE)
			return method_not_allowed(req, "DELETE");
		body = body_of(req, &len);
		if (body)
			dird_api_remove_device(d, req, s[2], s[4], body, len);
		return;
	}
	if (n == 6 && !strcmp(s[0], "v1") && !strcmp(s[1], "accounts") &&
	    !strcmp(s[3], "devices") && !strcmp(s[5], "prekeys")) {
		if (cmd != EVHTTP_REQ_POST)
			return method_not_allowed(req, "POST");
		body = body_of(req, &len);
		if (body)
			dird_api_add_prekeys(d, req, s[2], s[4], body, len);
		return;
	}
	if (n == 3 && !strcmp(s[0], "v1") && !strcmp(s[1], "lookup")) {
		if (cmd != EVHTTP_REQ_GET)
			return method_not_allowed(req, "GET");
		return dird_api_lookup(d, req, s[2]);
	}
	if (n == 3 && !strcmp(s[0], "v1") && !strcmp(s[1], "kt")) {
		if (cmd != EVHTTP_REQ_GET)
			return method_not_allowed(req, "GET");
		if (!strcmp(s[2], "head"))
			return dird_api_head(d, req);
		if (!strcmp(s[2], "consistency"))
			return dird_api_consistency(d, req);
		if (!strcmp(s[2], "keys"))
			return dird_api_keys(d, req);
	}
	dird_error(req, 404, "not-found", "no such call");
}

static void dispatch(struct evhttp_request *req, void *arg)
{
	struct dird *d = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	char *seg[7];
	int n, i;

	if (!is_tls(req)) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	n = path ? split_path(path, seg, 7) : -1;
	if (n < 0) {
		dird_error(req, 404, "not-found",
			   "malformed path: empty or undecodable segment");
		return;
	}
	route(d, req, evhttp_request_get_command(req), seg, n);
	for (i = 0; i < n; i++)
		free(seg[i]);
}

int dird_http_init(struct dird *d, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned int i;
	socklen_t len;
	int one = 1;

	d->http = evhttp_new(d->base);
	if (!d->http) {
		snprintf(err, errlen, "cannot create the HTTP server");
		return -ENOMEM;
	}
	evhttp_set_bevcb(d->http, tls_bev, d);
	evhttp_set_gencb(d->http, dispatch, d);
	/* Every method reaches route(), which answers 405 in JSON. */
	evhttp_set_allowed_methods(d->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(d->http, HTTP_BODY_LIMIT);
	evhttp_set_max_headers_size(d->http, HTTP_HEADERS_LIMIT);
	evhttp_set_timeout(d->http, (d->conf.request_timeout_ms + 999) / 1000);
	for (i = 0; i < d->conf.n_listen; i++) {
		evutil_socket_t fd;

		if (netaddr_parse(d->conf.listen[i], &ss, &len, err, errlen))
			return -EINVAL;
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
		/*
		 * TCP_NODELAY is inherited by the accepted sockets: evhttp
		 * writes an answer's headers and body apart, and with Nagle
		 * the body would wait for the client's delayed ACK, 40 ms
		 * an answer on a kept-alive connection.
		 */
		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			       sizeof(one)) ||
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&ss, len) ||
		    listen(fd, 128)) {
			snprintf(err, errlen, "cannot listen on %s: %s",
				 d->conf.listen[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			return -errno;
		}
		if (!evhttp_accept_socket_with_handle(d->http, fd)) {
			snprintf(err, errlen, "cannot serve on %s",
				 d->conf.listen[i]);
			close(fd);
			return -ENOMEM;
		}
		dird_log(DIRD_INFO, "listening on %s", d->conf.listen[i]);
	}
	return 0;
}
