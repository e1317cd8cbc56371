// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl: rendering one connection as text or JSON. Field names are the
 * attribute names of Documentation/netlink/specs/tern.yaml.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "ternctl.h"

static const char *family_name(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	}
	return NULL;
}

static bool addr_str(char *buf, size_t size, uint16_t family,
		     const uint8_t *addr)
{
	return (family == AF_INET || family == AF_INET6) &&
	       inet_ntop(family, addr, buf, size);
}

/* "192.0.2.1:443", "[2001:db8::1]:443", or "-". */
void conninfo_endpoint(char *buf, size_t size, uint16_t family,
		       const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	if (!addr_str(a, sizeof(a), family, addr))
		snprintf(buf, size, "-");
	else if (family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, port);
	else
		snprintf(buf, size, "%s:%u", a, port);
}

/* "-" before the first measurement, then "850us", "12.3ms", "1.25s". */
void conninfo_rtt(char *buf, size_t size, uint32_t rtt_us)
{
	if (!rtt_us)
		snprintf(buf, size, "-");
	else if (rtt_us < 1000)
		snprintf(buf, size, "%" PRIu32 "us", rtt_us);
	else if (rtt_us < 1000000)
		snprintf(buf, size, "%.1fms", rtt_us / 1000.0);
	else
		snprintf(buf, size, "%.2fs", rtt_us / 1000000.0);
}

struct stat_field {
	const char *name;
	size_t off;
	bool wide;
};

static const struct stat_field stat_fields[] = {
#define W(n, f) { n, offsetof(struct tern_conn_stats, f), true }
#define N(n, f) { n, offsetof(struct tern_conn_stats, f), false }
	W("rx-frames", rx_frames),
	W("rx-bytes", rx_bytes),
	W("tx-frames", tx_frames),
	W("tx-bytes", tx_bytes),
	W("hb-sent", hb_sent),
	W("hb-answered", hb_answered),
	W("pings-answered", pings_answered),
	W("last-rx", last_rx_ms),
	N("rtt", rtt_us),
	N("held-frames", held_frames),
	N("held-bytes", held_bytes),
	N("txq-frames", txq_frames),
	N("txq-bytes", txq_bytes),
#undef W
#undef N
};

static uint64_t stat_get(const struct tern_conn_stats *st,
			 const struct stat_field *f)
{
	const char *p = (const char *)st + f->off;

	return f->wide ? *(const uint64_t *)p : *(const uint32_t *)p;
}

struct param_field {
	const char *name;
	size_t off;
	const char *unit;
};

static const struct param_field param_fields[] = {
#define P(n, f, u) { n, offsetof(struct tern_conn_info, f), u }
	P("hb-interval", hb_interval_ms, "ms"),
	P("timeout", timeout_ms, "ms"),
	P("partial-timeout", partial_timeout_ms, "ms"),
	P("max-frame", max_frame, "bytes"),
	P("priority", priority, NULL),
	P("mark", mark, NULL),
	P("grace", grace_ms, "ms"),
	P("rcv-window", rcv_window, "bytes"),
	P("max-held", max_held, "bytes"),
#undef P
};

static uint32_t param_get(const struct tern_conn_info *c,
			  const struct param_field *f)
{
	return *(const uint32_t *)((const char *)c + f->off);
}

static void json_addr(struct json *j, const char *key, uint16_t family,
		      const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN];

	if (addr_str(a, sizeof(a), family, addr))
		json_kv_str(j, key, a);
	else
		json_kv_null(j, key);
}

void conninfo_json(struct json *j, const struct tern_conn_info *c)
{
	size_t i;

	json_obj_begin(j);
	json_kv_u64(j, "conn-id", c->id);
	json_kv_str(j, "state", tern_state_name(c->state));
	json_kv_str(j, "role", tern_role_name(c->role));
	json_kv_bool(j, "orphan", c->orphan);
	json_kv_bool(j, "plain", c->plain);
	json_kv_str(j, "owner-tag", c->owner_tag);
	json_kv_u64(j, "cookie", c->cookie);
	if (family_name(c->family))
		json_kv_str(j, "family", family_name(c->family));
	else
		json_kv_null(j, "family");
	json_addr(j, "peer-addr", c->family, c->peer_addr);
	json_kv_u64(j, "peer-port", c->peer_port);
	json_addr(j, "local-addr", c->family, c->local_addr);
	json_kv_u64(j, "local-port", c->local_port);
	for (i = 0; i < ARRAY_SIZE(param_fields); i++)
		json_kv_u64(j, param_fields[i].name,
			    param_get(c, &param_fields[i]));
	if (c->state == TERN_STATE_DOWN)
		json_kv_str(j, "reason", tern_reason_name(c->reason));
	else
		json_kv_null(j, "reason");
	json_key(j, "stats");
	json_obj_begin(j);
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
		json_kv_u64(j, stat_fields[i].name,
			    stat_get(&c->stats, &stat_fields[i]));
	json_obj_end(j);
	json_obj_end(j);
}

#define KEY	"%-16s "

void conninfo_text(FILE *f, const struct tern_conn_info *c)
{
	char ep[INET6_ADDRSTRLEN + 16], tag[TERNCTL_TAG_BUF];
	size_t i;

	fprintf(f, KEY "%" PRIu32 "\n", "conn-id", c->id);
	fprintf(f, KEY "%s\n", "state", tern_state_name(c->state));
	fprintf(f, KEY "%s\n", "role", tern_role_name(c->role));
	fprintf(f, KEY "%s\n", "orphan", c->orphan ? "yes" : "no");
	fprintf(f, KEY "%s\n", "plain", c->plain ? "yes" : "no");
	fprintf(f, KEY "%s\n", "owner-tag",
		ternctl_fmt_tag(tag, sizeof(tag), c->owner_tag));
	fprintf(f, KEY "0x%" PRIx64 "\n", "cookie", c->cookie);
	fprintf(f, KEY "%s\n", "family",
		family_name(c->family) ? family_name(c->family) : "-");
	conninfo_endpoint(ep, sizeof(ep), c->family, c->peer_addr,
			  c->peer_port);
	fprintf(f, KEY "%s\n", "peer", ep);
	conninfo_endpoint(ep, sizeof(ep), c->family, c->local_addr,
			  c->local_port);
	fprintf(f, KEY "%s\n", "local", ep);
	for (i = 0; i < ARRAY_SIZE(param_fields); i++) {
		const struct param_field *p = &param_fields[i];

		fprintf(f, KEY "%" PRIu32 "%s%s\n", p->name, param_get(c, p),
			p->unit ? " " : "", p->unit ? p->unit : "");
	}
	fprintf(f, KEY "%s\n", "reason", c->state == TERN_STATE_DOWN ?
		tern_reason_name(c->reason) : "-");
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		const struct stat_field *s = &stat_fields[i];
		const char *unit = NULL;

		if (s->off == offsetof(struct tern_conn_stats, last_rx_ms))
			unit = "ms ago";
		else if (s->off == offsetof(struct tern_conn_stats, rtt_us))
			unit = "us";
		fprintf(f, KEY "%" PRIu64 "%s%s\n", s->name,
			stat_get(&c->stats, s), unit ? " " : "",
			unit ? unit : "");
	}
}

enum {
	COL_ID, COL_STATE, COL_ROLE, COL_OWNER, COL_PEER, COL_RTT, COL_RX,
	COL_TX, COL_HELD, NCOLS
};

#define CELL	TERNCTL_TAG_BUF

static void conn_row(const struct tern_conn_info *c, char cells[][CELL])
{
	snprintf(cells[COL_ID], CELL, "%" PRIu32, c->id);
	snprintf(cells[COL_STATE], CELL, "%s%s", tern_state_name(c->state),
		 c->orphan ? ",orphan" : "");
	snprintf(cells[COL_ROLE], CELL, "%s", tern_role_name(c->role));
	ternctl_fmt_tag(cells[COL_OWNER], CELL, c->owner_tag);
	conninfo_endpoint(cells[COL_PEER], CELL, c->family, c->peer_addr,
			  c->peer_port);
	conninfo_rtt(cells[COL_RTT], CELL, c->stats.rtt_us);
	snprintf(cells[COL_RX], CELL, "%" PRIu64, c->stats.rx_frames);
	snprintf(cells[COL_TX], CELL, "%" PRIu64, c->stats.tx_frames);
	snprintf(cells[COL_HELD], CELL, "%" PRIu32, c->stats.held_frames);
}

/* The terse table of conn list, one row per connection. */
void conninfo_table(FILE *f, const struct tern_conn_info *v, size_t n)
{
	static const char *const head[NCOLS] = {
		"ID", "STATE", "ROLE", "OWNER", "PEER", "RTT", "RX", "TX",
		"HELD",
	};
	/* Numbers are right-aligned. */
	static const bool right[NCOLS] = {
		[COL_ID] = true, [COL_RTT] = true, [COL_RX] = true,
		[COL_TX] = true, [COL_HELD] = true,
	};
	char cells[NCOLS][CELL];
	size_t width[NCOLS], i, k;

	for (k = 0; k < NCOLS; k++)
		width[k] = strlen(head[k]);
	for (i = 0; i < n; i++) {
		conn_row(&v[i], cells);
		for (k = 0; k < NCOLS; k++)
			if (strlen(cells[k]) > width[k])
				width[k] = strlen(cells[k]);
	}
	for (i = 0; i <= n; i++) {
		if (i == 0)
			for (k = 0; k < NCOLS; k++)
				snprintf(cells[k], CELL, "%s", head[k]);
		else
			conn_row(&v[i - 1], cells);
		for (k = 0; k < NCOLS; k++) {
			int w = (int)width[k];

			if (right[k])
				fprintf(f, "%*s", w, cells[k]);
			else if (k == NCOLS - 1)
				fputs(cells[k], f);
			else
				fprintf(f, "%-*s", w, cells[k]);
			fputs(k == NCOLS - 1 ? "\n" : "  ", f);
		}
	}
}
