// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl unit tests: the JSON writer, strict number parsing and the text,
 * table and JSON rendering of a connection. Needs no kernel module.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../tools/lib/json.h"
#include "../../tools/ternctl/ternctl.h"
#include "kselftest_harness.h"

/* Checks that go on after a failure, as (seen, expected). */
#define CHECK(cond)		EXPECT_TRUE(!!(cond))
#define CHECK_EQ(seen, want)	EXPECT_EQ((long long)(want), (long long)(seen))
#define CHECK_STR(seen, want)	EXPECT_STREQ(want, seen)

/* Run @fn with a FILE whose contents are returned (to be freed). */
static char *capture(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void json_sample(FILE *f, const void *arg)
{
	struct json j;

	json_init(&j, f, *(const bool *)arg);
	json_arr_begin(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "s", "a\"b\\c\n\t\x01\x7f é \xff\xc3 \xed\xa0\x80 \xf0\x9f\x90\xa6");
	json_kv_u64(&j, "n", UINT64_MAX);
	json_kv_bool(&j, "t", true);
	json_kv_null(&j, "z");
	json_key(&j, "e");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_key(&j, "a");
	json_arr_begin(&j);
	json_u64(&j, 1);
	json_u64(&j, 2);
	json_arr_end(&j);
	json_obj_end(&j);
	json_arr_begin(&j);
	json_arr_end(&j);
	json_arr_end(&j);
}

TEST(json)
{
	static const char *esc =
		"\"a\\\"b\\\\c\\n\\t\\u0001\\u007f é \\ufffd\\ufffd "
		"\\ufffd\\ufffd\\ufffd \xf0\x9f\x90\xa6\"";
	bool pretty = false;
	char want[512], *out;

	out = capture(json_sample, &pretty);
	snprintf(want, sizeof(want),
		 "[{\"s\":%s,\"n\":18446744073709551615,\"t\":true,"
		 "\"z\":null,\"e\":{},\"a\":[1,2]},[]]\n", esc);
	CHECK_STR(out, want);
	free(out);

	pretty = true;
	out = capture(json_sample, &pretty);
	snprintf(want, sizeof(want),
		 "[\n  {\n    \"s\": %s,\n    \"n\": 18446744073709551615,\n"
		 "    \"t\": true,\n    \"z\": null,\n    \"e\": {},\n"
		 "    \"a\": [\n      1,\n      2\n    ]\n  },\n  []\n]\n",
		 esc);
	CHECK_STR(out, want);
	free(out);
}

TEST(parse)
{
	static const struct {
		const char *in;
		uint64_t max;
		const char *why;
		uint64_t v;
	} cases[] = {
		{ "0", UINT32_MAX, NULL, 0 },
		{ "4294967295", UINT32_MAX, NULL, 4294967295u },
		{ "4294967296", UINT32_MAX, "is too large", 0 },
		{ "0xffffffff", UINT32_MAX, NULL, 0xffffffffu },
		{ "0XAb", UINT32_MAX, NULL, 0xab },
		{ "0x100000000", UINT32_MAX, "is too large", 0 },
		{ "18446744073709551615", UINT64_MAX, NULL, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, "is too large", 0 },
		{ "99999999999999999999999", UINT64_MAX, "is too large", 0 },
		{ "010", UINT32_MAX, NULL, 10 },
		{ "", UINT32_MAX, "is empty", 0 },
		{ "-1", UINT32_MAX, "is negative", 0 },
		{ "-0", UINT32_MAX, "is negative", 0 },
		{ "+1", UINT32_MAX, "is not a number", 0 },
		{ " 1", UINT32_MAX, "is not a number", 0 },
		{ "1 ", UINT32_MAX, "is not a number", 0 },
		{ "12ms", UINT32_MAX, "is not a number", 0 },
		{ "0x", UINT32_MAX, "is not a number", 0 },
		{ "0x1g", UINT32_MAX, "is not a number", 0 },
		{ "1e3", UINT32_MAX, "is not a number", 0 },
		{ "abc", UINT32_MAX, "is not a number", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		const char *why = ternctl_parse_u64(cases[i].in, cases[i].max,
						    &v);

		if (cases[i].why) {
			CHECK(why && !strcmp(why, cases[i].why));
			CHECK_EQ(v, 12345);
		} else {
			CHECK(!why);
			CHECK(v == cases[i].v);
		}
		if ((cases[i].why == NULL) != (why == NULL))
			fprintf(stderr, "  input '%s'\n", cases[i].in);
	}
}

TEST(format)
{
	char buf[TERNCTL_TAG_BUF];
	uint8_t a4[16] = { 192, 0, 2, 1 }, a6[16];

	inet_pton(AF_INET6, "2001:db8::1", a6);
	conninfo_endpoint(buf, sizeof(buf), AF_INET, a4, 443);
	CHECK_STR(buf, "192.0.2.1:443");
	conninfo_endpoint(buf, sizeof(buf), AF_INET6, a6, 8443);
	CHECK_STR(buf, "[2001:db8::1]:8443");
	conninfo_endpoint(buf, sizeof(buf), 0, a6, 1);
	CHECK_STR(buf, "-");
	conninfo_rtt(buf, sizeof(buf), 0);
	CHECK_STR(buf, "-");
	conninfo_rtt(buf, sizeof(buf), 850);
	CHECK_STR(buf, "850us");
	conninfo_rtt(buf, sizeof(buf), 12345);
	CHECK_STR(buf, "12.3ms");
	conninfo_rtt(buf, sizeof(buf), 1250000);
	CHECK_STR(buf, "1.25s");
	CHECK_STR(ternctl_fmt_tag(buf, sizeof(buf), "mail-1"), "mail-1");
	CHECK_STR(ternctl_fmt_tag(buf, sizeof(buf), ""), "-");
	CHECK_STR(ternctl_fmt_tag(buf, sizeof(buf), "a b\\c\n\xff"),
		  "a\\x20b\\x5cc\\x0a\\xff");
	CHECK_STR(ternctl_fmt_tag(buf, sizeof(buf),
				  "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
				  "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
				  "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"),
		  "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01"
		  "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01"
		  "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01");
}

static struct tern_conn_info sample(uint32_t id, bool v6)
{
	struct tern_conn_info c = {
		.id = id, .state = TERN_STATE_ESTABLISHED,
		.role = TERN_ROLE_INITIATOR, .owner_tag = "mail",
		.cookie = 42, .family = AF_INET, .peer_port = 443,
		.local_port = 50000, .hb_interval_ms = 60000,
		.timeout_ms = 20000, .partial_timeout_ms = 30000,
		.max_frame = 65536, .priority = 0, .mark = 256,
		.grace_ms = 30000, .rcv_window = 262144, .max_held = 1048576,
		.stats = {
			.rx_frames = 10, .rx_bytes = 1000, .tx_frames = 20,
			.tx_bytes = 2000, .hb_sent = 3, .hb_answered = 3,
			.pings_answered = 0, .last_rx_ms = 1500,
			.rtt_us = 1500, .held_frames = 2, .held_bytes = 200,
			.txq_frames = 1, .txq_bytes = 100,
		},
	};

	if (v6) {
		c.family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::1", c.peer_addr);
		inet_pton(AF_INET6, "2001:db8::2", c.local_addr);
		c.state = TERN_STATE_DOWN;
		c.reason = TERN_REASON_TLS_ALERT;
		c.orphan = true;
		c.stats.rtt_us = 0;
		strcpy(c.owner_tag, "push gw");
	} else {
		inet_pton(AF_INET, "192.0.2.1", c.peer_addr);
		inet_pton(AF_INET, "10.0.0.2", c.local_addr);
	}
	return c;
}

static void show_json(FILE *f, const void *arg)
{
	struct json j;

	json_init(&j, f, false);
	conninfo_json(&j, arg);
}

static void show_text(FILE *f, const void *arg)
{
	conninfo_text(f, arg);
}

static void show_table(FILE *f, const void *arg)
{
	conninfo_table(f, arg, 2);
}

TEST(conninfo)
{
	struct tern_conn_info c[2] = { sample(7, false), sample(1234, true) };
	char *out;

	out = capture(show_json, &c[1]);
	CHECK_STR(out,
		  "{\"conn-id\":1234,\"state\":\"down\",\"role\":\"initiator\","
		  "\"orphan\":true,\"plain\":false,\"owner-tag\":\"push gw\","
		  "\"cookie\":42,\"family\":\"inet6\","
		  "\"peer-addr\":\"2001:db8::1\",\"peer-port\":443,"
		  "\"local-addr\":\"2001:db8::2\",\"local-port\":50000,"
		  "\"hb-interval\":60000,\"timeout\":20000,"
		  "\"partial-timeout\":30000,\"max-frame\":65536,"
		  "\"priority\":0,\"mark\":256,\"grace\":30000,"
		  "\"rcv-window\":262144,\"max-held\":1048576,"
		  "\"reason\":\"tls-alert\",\"stats\":{\"rx-frames\":10,"
		  "\"rx-bytes\":1000,\"tx-frames\":20,\"tx-bytes\":2000,"
		  "\"hb-sent\":3,\"hb-answered\":3,\"pings-answered\":0,"
		  "\"last-rx\":1500,\"rtt\":0,\"held-frames\":2,"
		  "\"held-bytes\":200,\"txq-frames\":1,\"txq-bytes\":100}}\n");
	free(out);

	out = capture(show_json, &c[0]);
	CHECK(strstr(out, "\"reason\":null"));
	CHECK(strstr(out, "\"peer-addr\":\"192.0.2.1\""));
	free(out);

	out = capture(show_text, &c[0]);
	CHECK_STR(out,
		  "conn-id          7\n"
		  "state            established\n"
		  "role             initiator\n"
		  "orphan           no\n"
		  "plain            no\n"
		  "owner-tag        mail\n"
		  "cookie           0x2a\n"
		  "family           inet\n"
		  "peer             192.0.2.1:443\n"
		  "local            10.0.0.2:50000\n"
		  "hb-interval      60000 ms\n"
		  "timeout          20000 ms\n"
		  "partial-timeout  30000 ms\n"
		  "max-frame        65536 bytes\n"
		  "priority         0\n"
		  "mark             256\n"
		  "grace            30000 ms\n"
		  "rcv-window       262144 bytes\n"
		  "max-held         1048576 bytes\n"
		  "reason           -\n"
		  "rx-frames        10\n"
		  "rx-bytes         1000\n"
		  "tx-frames        20\n"
		  "tx-bytes         2000\n"
		  "hb-sent          3\n"
		  "hb-answered      3\n"
		  "pings-answered   0\n"
		  "last-rx          1500 ms ago\n"
		  "rtt              1500 us\n"
		  "held-frames      2\n"
		  "held-bytes       200\n"
		  "txq-frames       1\n"
		  "txq-bytes        100\n");
	free(out);

	out = capture(show_table, c);
	CHECK_STR(out,
		  "  ID  STATE        ROLE       OWNER       PEER                 RTT  RX  TX  HELD\n"
		  "   7  established  initiator  mail        192.0.2.1:443      1.5ms  10  20     2\n"
		  "1234  down,orphan  initiator  push\\x20gw  [2001:db8::1]:443      -  10  20     2\n");
	free(out);
}

TEST_HARNESS_MAIN
