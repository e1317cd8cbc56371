// SPDX-License-Identifier: GPL-2.0
/*
 * What a person sends (daemon/ternd/content.c): round trips of each kind,
 * a newer kind kept as unknown, and every malformed field refused by
 * name, on encoding and on decoding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "content.pb-c.h"
#include "kselftest_harness.h"

static int round_trip(const struct content *in, struct content *out,
		      void **keep)
{
	const char *why = NULL;
	uint8_t *buf;
	size_t len;
	int ret;

	ret = content_pack(in, &buf, &len);
	if (ret)
		return ret;
	ret = content_parse(buf, len, out, keep, &why);
	free(buf);
	return ret;
}

TEST(text)
{
	static const char t[] = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93";
	struct content c = { .kind = CONTENT_TEXT, .sent_ms = 1234 }, d;
	void *keep;

	memset(c.msg_id, 7, sizeof(c.msg_id));
	c.text = t;
	c.text_len = strlen(t);
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_TEXT, d.kind);
	EXPECT_EQ(1234, d.sent_ms);
	EXPECT_EQ(0, memcmp(c.msg_id, d.msg_id, CONTENT_ID_LEN));
	ASSERT_EQ(strlen(t), d.text_len);
	EXPECT_EQ(0, memcmp(t, d.text, d.text_len));
	EXPECT_STREQ("", d.sync_to);
	EXPECT_STREQ("text", content_kind_name(d.kind));
	content_free(keep);

	/* An empty text is a text; a copy for own devices names its peer. */
	c.text_len = 0;
	snprintf(c.sync_to, sizeof(c.sync_to), "bob@example.org");
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(0, d.text_len);
	EXPECT_STREQ("bob@example.org", d.sync_to);
	content_free(keep);
}

TEST(reset)
{
	struct content c = { .kind = CONTENT_RESET }, d;
	uint8_t ids[3][CONTENT_ID_LEN];
	void *keep;
	int i;

	for (i = 0; i < 3; i++) {
		memset(ids[i], i + 1, CONTENT_ID_LEN);
		c.ids[i] = ids[i];
	}
	c.n_ids = 3;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_RESET, d.kind);
	ASSERT_EQ(3, d.n_ids);
	EXPECT_EQ(0, memcmp(ids[2], d.ids[2], CONTENT_ID_LEN));
	content_free(keep);
}

TEST(receipt)
{
	struct content c = { .kind = CONTENT_RECEIPT, .read = true }, d;
	uint8_t id[CONTENT_ID_LEN], *buf;
	size_t len;
	void *keep;

	memset(id, 9, sizeof(id));
	c.ids[0] = id;
	c.n_ids = 1;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_RECEIPT, d.kind);
	EXPECT_TRUE(d.read);
	ASSERT_EQ(1, d.n_ids);
	EXPECT_EQ(0, memcmp(id, d.ids[0], CONTENT_ID_LEN));
	EXPECT_STREQ("receipt", content_kind_name(d.kind));
	content_free(keep);
	c.read = false;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_FALSE(d.read);
	content_free(keep);
	c.n_ids = CONTENT_IDS_MAX + 1;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
}

TEST(typing)
{
	struct content c = { .kind = CONTENT_TYPING, .typing = true }, d;
	void *keep;

	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_TYPING, d.kind);
	EXPECT_TRUE(d.typing);
	EXPECT_STREQ("typing", content_kind_name(d.kind));
	content_free(keep);
	c.typing = false;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_FALSE(d.typing);
	content_free(keep);
}

/* A reply that mentions, a reaction, an edit and an unsend. */
TEST(references)
{
	struct content c = { .kind = CONTENT_TEXT }, d;
	uint8_t target[CONTENT_ID_LEN];
	void *keep;

	memset(target, 3, sizeof(target));
	c.text = "re";
	c.text_len = 2;
	c.reply_to = target;
	c.n_mentions = 2;
	snprintf(c.mentions[0], 256, "bob@example.org");
	snprintf(c.mentions[1], 256, "carol@example.org");
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	ASSERT_NE(NULL, d.reply_to);
	EXPECT_EQ(0, memcmp(target, d.reply_to, CONTENT_ID_LEN));
	ASSERT_EQ(2, d.n_mentions);
	EXPECT_STREQ("carol@example.org", d.mentions[1]);
	content_free(keep);

	memset(&c, 0, sizeof(c));
	c.kind = CONTENT_REACTION;
	c.target = target;
	c.emoji = "\xf0\x9f\x91\x8d";
	c.emoji_len = 4;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_REACTION, d.kind);
	EXPECT_EQ(0, memcmp(target, d.target, CONTENT_ID_LEN));
	ASSERT_EQ(4, d.emoji_len);
	EXPECT_FALSE(d.remove);
	content_free(keep);
	c.remove = true;
	c.emoji_len = 0;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_TRUE(d.remove);
	content_free(keep);

	c.kind = CONTENT_EDIT;
	c.text = "new";
	c.text_len = 3;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_EDIT, d.kind);
	EXPECT_EQ(3, d.text_len);
	content_free(keep);
	c.kind = CONTENT_UNSEND;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_UNSEND, d.kind);
	EXPECT_STREQ("unsend", content_kind_name(d.kind));
	content_free(keep);
}

/* What content_pack() refuses. */
TEST(pack_refuses)
{
	struct content c = { .kind = CONTENT_TEXT };
	char *big = calloc(1, CONTENT_TEXT_MAX + 2);
	uint8_t *buf;
	size_t len;

	ASSERT_NE(NULL, big);
	memset(big, 'a', CONTENT_TEXT_MAX + 1);
	c.text = big;
	c.text_len = CONTENT_TEXT_MAX + 1;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	c.text_len = CONTENT_TEXT_MAX;
	ASSERT_EQ(0, content_pack(&c, &buf, &len));
	free(buf);
	c.text = "a\0b";
	c.text_len = 3;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	c.text = "\xff\xfe";
	c.text_len = 2;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	c.kind = CONTENT_UNKNOWN;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	/* A mention that is no handle; a reaction of nothing, or too long. */
	c.kind = CONTENT_TEXT;
	c.text = "x";
	c.text_len = 1;
	c.n_mentions = 1;
	snprintf(c.mentions[0], 256, "no at sign");
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	c.n_mentions = 0;
	c.kind = CONTENT_REACTION;
	c.target = (const uint8_t *)"0123456789abcdef";
	c.emoji_len = 0;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	c.emoji = big;
	c.emoji_len = CONTENT_EMOJI_MAX + 1;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));
	free(big);
}

/* Decode @m and expect a refusal naming @field. */
static int refused(const Tern__Content *m, const char *field)
{
	size_t len = tern__content__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	struct content c;
	const char *why = NULL;
	void *keep = NULL;
	int ret;

	if (!buf)
		return -ENOMEM;
	tern__content__pack(m, buf);
	ret = content_parse(buf, len, &c, &keep, &why);
	free(buf);
	content_free(keep);
	if (ret != -EBADMSG || !why || !strstr(why, field)) {
		fprintf(stderr, "# want %s, got %d: %s\n", field, ret,
			why ? why : "(none)");
		return -1;
	}
	return 0;
}

TEST(parse_refuses)
{
	static uint8_t id[16], shortid[15], big[CONTENT_TEXT_MAX + 1];
	ProtobufCBinaryData ids[CONTENT_IDS_MAX + 1];
	Tern__Content m = TERN__CONTENT__INIT;
	Tern__Text t = TERN__TEXT__INIT;
	Tern__ResetNotice r = TERN__RESET_NOTICE__INIT;
	Tern__Receipt rc = TERN__RECEIPT__INIT;
	Tern__Reaction re = TERN__REACTION__INIT;
	Tern__Edit ed = TERN__EDIT__INIT;
	Tern__Unsend un = TERN__UNSEND__INIT;
	ProtobufCBinaryData men, mp[1];
	struct content c;
	const char *why;
	void *keep;
	int i;

	m.version = 1;
	m.msg_id.data = id;
	m.msg_id.len = sizeof(id);
	m.body_case = TERN__CONTENT__BODY_TEXT;
	m.text = &t;
	t.body.data = (uint8_t *)"ok";
	t.body.len = 2;

	m.version = 2;
	EXPECT_EQ(0, refused(&m, "version"));
	m.version = 1;
	m.msg_id.data = shortid;
	m.msg_id.len = sizeof(shortid);
	EXPECT_EQ(0, refused(&m, "msg_id"));
	m.msg_id.data = id;
	m.msg_id.len = sizeof(id);
	m.sync_to.data = (uint8_t *)"no-at-sign";
	m.sync_to.len = 10;
	EXPECT_EQ(0, refused(&m, "sync_to"));
	m.sync_to.data = (uint8_t *)"bob@example.org\0x";
	m.sync_to.len = 17;
	EXPECT_EQ(0, refused(&m, "sync_to"));
	m.sync_to.len = 0;
	t.body.data = (uint8_t *)"a\0b";
	t.body.len = 3;
	EXPECT_EQ(0, refused(&m, "text.body"));
	t.body.data = (uint8_t *)"\xc3";
	t.body.len = 1;
	EXPECT_EQ(0, refused(&m, "text.body"));
	memset(big, 'x', sizeof(big));
	t.body.data = big;
	t.body.len = sizeof(big);
	EXPECT_EQ(0, refused(&m, "text.body"));

	m.body_case = TERN__CONTENT__BODY_RESET;
	m.reset = &r;
	for (i = 0; i <= CONTENT_IDS_MAX; i++) {
		ids[i].data = id;
		ids[i].len = sizeof(id);
	}
	r.msg_ids = ids;
	r.n_msg_ids = CONTENT_IDS_MAX + 1;
	EXPECT_EQ(0, refused(&m, "reset.msg_ids"));
	r.n_msg_ids = 2;
	ids[1].len = 15;
	EXPECT_EQ(0, refused(&m, "reset.msg_ids"));
	m.body_case = TERN__CONTENT__BODY_RECEIPT;
	m.receipt = &rc;
	rc.msg_ids = ids;
	rc.n_msg_ids = 2;
	EXPECT_EQ(0, refused(&m, "receipt.msg_ids"));
	ids[1].len = 16;
	rc.n_msg_ids = CONTENT_IDS_MAX + 1;
	EXPECT_EQ(0, refused(&m, "receipt.msg_ids"));

	/* The references' fields (the body is a union: set it again). */
	m.body_case = TERN__CONTENT__BODY_TEXT;
	m.text = &t;
	t.body.data = (uint8_t *)"ok";
	t.body.len = 2;
	t.reply_to.data = shortid;
	t.reply_to.len = sizeof(shortid);
	EXPECT_EQ(0, refused(&m, "text.reply_to"));
	t.reply_to.len = 0;
	men.data = (uint8_t *)"nobody";
	men.len = 6;
	mp[0] = men;
	t.mentions = mp;
	t.n_mentions = 1;
	EXPECT_EQ(0, refused(&m, "text.mentions"));
	t.n_mentions = 0;
	m.body_case = TERN__CONTENT__BODY_REACTION;
	m.reaction = &re;
	re.target.data = shortid;
	re.target.len = sizeof(shortid);
	re.emoji.data = (uint8_t *)"x";
	re.emoji.len = 1;
	EXPECT_EQ(0, refused(&m, "reaction.target"));
	re.target.data = id;
	re.target.len = sizeof(id);
	re.emoji.len = 0;
	EXPECT_EQ(0, refused(&m, "reaction.emoji"));
	m.body_case = TERN__CONTENT__BODY_EDIT;
	m.edit = &ed;
	ed.target.data = id;
	ed.target.len = sizeof(id);
	ed.body.data = (uint8_t *)"\xff";
	ed.body.len = 1;
	EXPECT_EQ(0, refused(&m, "edit.body"));
	m.body_case = TERN__CONTENT__BODY_UNSEND;
	m.unsend = &un;
	EXPECT_EQ(0, refused(&m, "unsend.target"));

	/* Not protobuf at all. */
	EXPECT_EQ(-EBADMSG, content_parse((const uint8_t *)"\xff\xff\xff", 3,
					  &c, &keep, &why));
	EXPECT_NE(NULL, strstr(why, "protobuf"));
	EXPECT_EQ(NULL, keep);
}

/* A body of a kind newer than this ternd decodes as unknown. */
/* The devices a device approved or removed, for the account's others. */
TEST(devices)
{
	struct content c = { .kind = CONTENT_DEVICES }, d;
	static uint8_t a[16], r[16], big[17][16];
	ProtobufCBinaryData ids[17];
	Tern__Content m = TERN__CONTENT__INIT;
	Tern__Devices dv = TERN__DEVICES__INIT;
	uint8_t *buf;
	size_t len;
	void *keep;
	int i;

	memset(a, 0xaa, sizeof(a));
	memset(r, 0x55, sizeof(r));
	c.ids[0] = a;
	c.n_ids = 1;
	c.removed[0] = r;
	c.n_removed = 1;
	ASSERT_EQ(0, round_trip(&c, &d, &keep));
	EXPECT_EQ(CONTENT_DEVICES, d.kind);
	EXPECT_STREQ("devices", content_kind_name(d.kind));
	ASSERT_EQ(1, d.n_ids);
	ASSERT_EQ(1, d.n_removed);
	EXPECT_EQ(0, memcmp(a, d.ids[0], 16));
	EXPECT_EQ(0, memcmp(r, d.removed[0], 16));
	content_free(keep);
	c.n_removed = CONTENT_DEVICES_MAX + 1;
	EXPECT_EQ(-EINVAL, content_pack(&c, &buf, &len));

	for (i = 0; i < 17; i++) {
		ids[i].data = big[i];
		ids[i].len = 16;
	}
	m.version = 1;
	m.msg_id.data = a;
	m.msg_id.len = 16;
	m.body_case = TERN__CONTENT__BODY_DEVICES;
	m.devices = &dv;
	dv.approved = ids;
	dv.n_approved = 17;
	EXPECT_EQ(0, refused(&m, "devices.approved: more than 16"));
	dv.n_approved = 2;
	ids[1].len = 15;
	EXPECT_EQ(0, refused(&m, "devices.approved: an id not 16"));
	ids[1].len = 16;
	dv.removed = ids;
	dv.n_removed = 17;
	EXPECT_EQ(0, refused(&m, "devices.removed: more than 16"));
	dv.n_removed = 2;
	ids[0].len = 0;
	EXPECT_EQ(0, refused(&m, "devices.approved: an id not 16"));
	dv.n_approved = 0;
	EXPECT_EQ(0, refused(&m, "devices.removed: an id not 16"));
}

TEST(unknown_kind)
{
	static const uint8_t id[16];
	Tern__Content m = TERN__CONTENT__INIT;
	uint8_t buf[64], *p = buf;
	struct content c;
	const char *why;
	void *keep;
	size_t len;

	m.version = 1;
	m.msg_id.data = (uint8_t *)id;
	m.msg_id.len = sizeof(id);
	len = tern__content__pack(&m, buf);
	/* Field 99, length-delimited, 2 bytes. */
	p += len;
	*p++ = ((99 << 3 | 2) & 0x7f) | 0x80;
	*p++ = (99 << 3 | 2) >> 7;
	*p++ = 2;
	*p++ = 'h';
	*p++ = 'i';
	ASSERT_EQ(0, content_parse(buf, p - buf, &c, &keep, &why));
	EXPECT_EQ(CONTENT_UNKNOWN, c.kind);
	EXPECT_STREQ("unknown", content_kind_name(c.kind));
	content_free(keep);
}

TEST_HARNESS_MAIN
