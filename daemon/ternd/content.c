// SPDX-License-Identifier: GPL-2.0
/*
 * What a person sends (content.h), over protobuf-c. Text must be UTF-8
 * without NUL: jansson, which the client API writes it with, is the
 * check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "content.h"
#include "content.pb-c.h"
#include "handle.h"

static bool utf8_ok(const char *s, size_t len)
{
	json_t *j;

	if (!len)
		return true;	/* protobuf-c gives NULL for an empty field */
	if (memchr(s, '\0', len))
		return false;
	j = json_stringn(s, len);
	if (!j)
		return false;
	json_decref(j);
	return true;
}

int content_pack(const struct content *c, uint8_t **out, size_t *len)
{
	Tern__Content m = TERN__CONTENT__INIT;
	Tern__Text t = TERN__TEXT__INIT;
	Tern__ResetNotice r = TERN__RESET_NOTICE__INIT;
	Tern__Receipt rc = TERN__RECEIPT__INIT;
	Tern__Typing ty = TERN__TYPING__INIT;
	Tern__Reaction re = TERN__REACTION__INIT;
	Tern__Edit ed = TERN__EDIT__INIT;
	Tern__Unsend un = TERN__UNSEND__INIT;
	Tern__Devices dv = TERN__DEVICES__INIT;
	ProtobufCBinaryData men[CONTENT_MENTIONS_MAX];
	ProtobufCBinaryData gone[CONTENT_DEVICES_MAX];
	ProtobufCBinaryData ids[CONTENT_IDS_MAX];
	unsigned int i;
	int ret = 0;

	m.version = CONTENT_VERSION;
	m.msg_id.data = (uint8_t *)c->msg_id;
	m.msg_id.len = CONTENT_ID_LEN;
	m.sent_ms = c->sent_ms;
	m.sync_to.data = (uint8_t *)c->sync_to;
	m.sync_to.len = strlen(c->sync_to);
	switch (c->kind) {
	case CONTENT_TEXT:
		if (c->text_len > CONTENT_TEXT_MAX ||
		    !utf8_ok(c->text, c->text_len))
			return -EINVAL;
		t.body.data = (uint8_t *)c->text;
		t.body.len = c->text_len;
		if (c->reply_to) {
			t.reply_to.data = (uint8_t *)c->reply_to;
			t.reply_to.len = CONTENT_ID_LEN;
		}
		if (c->n_mentions > CONTENT_MENTIONS_MAX)
			return -EINVAL;
		for (i = 0; i < c->n_mentions; i++) {
			if (handle_why(c->mentions[i]))
				return -EINVAL;
			men[i].data = (uint8_t *)c->mentions[i];
			men[i].len = strlen(c->mentions[i]);
		}
		t.n_mentions = c->n_mentions;
		t.mentions = men;
		m.body_case = TERN__CONTENT__BODY_TEXT;
		m.text = &t;
		break;
	case CONTENT_RESET:
	case CONTENT_RECEIPT:
		if (c->n_ids > CONTENT_IDS_MAX)
			return -EINVAL;
		for (i = 0; i < c->n_ids; i++) {
			ids[i].data = (uint8_t *)c->ids[i];
			ids[i].len = CONTENT_ID_LEN;
		}
		if (c->kind == CONTENT_RESET) {
			r.n_msg_ids = c->n_ids;
			r.msg_ids = ids;
			m.body_case = TERN__CONTENT__BODY_RESET;
			m.reset = &r;
		} else {
			rc.read = c->read;
			rc.n_msg_ids = c->n_ids;
			rc.msg_ids = ids;
			m.body_case = TERN__CONTENT__BODY_RECEIPT;
			m.receipt = &rc;
		}
		break;
	case CONTENT_TYPING:
		ty.on = c->typing;
		m.body_case = TERN__CONTENT__BODY_TYPING;
		m.typing = &ty;
		break;
	case CONTENT_REACTION:
		if (!c->target || c->emoji_len > CONTENT_EMOJI_MAX ||
		    (!c->remove && !c->emoji_len) ||
		    !utf8_ok(c->emoji, c->emoji_len))
			return -EINVAL;
		re.target.data = (uint8_t *)c->target;
		re.target.len = CONTENT_ID_LEN;
		re.emoji.data = (uint8_t *)c->emoji;
		re.emoji.len = c->emoji_len;
		re.remove = c->remove;
		m.body_case = TERN__CONTENT__BODY_REACTION;
		m.reaction = &re;
		break;
	case CONTENT_EDIT:
		if (!c->target || c->text_len > CONTENT_TEXT_MAX ||
		    !utf8_ok(c->text, c->text_len))
			return -EINVAL;
		ed.target.data = (uint8_t *)c->target;
		ed.target.len = CONTENT_ID_LEN;
		ed.body.data = (uint8_t *)c->text;
		ed.body.len = c->text_len;
		m.body_case = TERN__CONTENT__BODY_EDIT;
		m.edit = &ed;
		break;
	case CONTENT_UNSEND:
		if (!c->target)
			return -EINVAL;
		un.target.data = (uint8_t *)c->target;
		un.target.len = CONTENT_ID_LEN;
		m.body_case = TERN__CONTENT__BODY_UNSEND;
		m.unsend = &un;
		break;
	case CONTENT_DEVICES:
		if (c->n_ids > CONTENT_DEVICES_MAX ||
		    c->n_removed > CONTENT_DEVICES_MAX)
			return -EINVAL;
		for (i = 0; i < c->n_ids; i++) {
			ids[i].data = (uint8_t *)c->ids[i];
			ids[i].len = CONTENT_ID_LEN;
		}
		for (i = 0; i < c->n_removed; i++) {
			gone[i].data = (uint8_t *)c->removed[i];
			gone[i].len = CONTENT_ID_LEN;
		}
		dv.n_approved = c->n_ids;
		dv.approved = ids;
		dv.n_removed = c->n_removed;
		dv.removed = gone;
		m.body_case = TERN__CONTENT__BODY_DEVICES;
		m.devices = &dv;
		break;
	default:
		return -EINVAL;
	}
	*len = tern__content__get_packed_size(&m);
	*out = malloc(*len ? *len : 1);
	if (!*out)
		ret = -ENOMEM;
	else
		tern__content__pack(&m, *out);
	return ret;
}

static const char *ids_check(size_t n, const ProtobufCBinaryData *ids,
			     const char *too_many, const char *bad_size)
{
	size_t i;

	if (n > CONTENT_IDS_MAX)
		return too_many;
	for (i = 0; i < n; i++)
		if (ids[i].len != CONTENT_ID_LEN)
			return bad_size;
	return NULL;
}

/* @b is a valid handle: copied, NUL-ended, into @h (256 bytes). */
static bool handle_ok(const ProtobufCBinaryData *b, char *h)
{
	if (!b->len || b->len >= 256 || memchr(b->data, '\0', b->len))
		return false;
	memcpy(h, b->data, b->len);
	h[b->len] = '\0';
	return !handle_why(h);
}

static const char *check(const Tern__Content *m)
{
	char h[256];
	size_t i;

	if (m->version != CONTENT_VERSION)
		return "version: not 1";
	if (m->msg_id.len != CONTENT_ID_LEN)
		return "msg_id: not 16 bytes";
	if (m->sync_to.len && !handle_ok(&m->sync_to, h))
		return "sync_to: not a valid handle";
	switch (m->body_case) {
	case TERN__CONTENT__BODY_TEXT:
		if (m->text->body.len > CONTENT_TEXT_MAX)
			return "text.body: longer than 16 KiB";
		if (!utf8_ok((const char *)m->text->body.data,
			     m->text->body.len))
			return "text.body: not UTF-8 (or holds a NUL)";
		if (m->text->reply_to.len &&
		    m->text->reply_to.len != CONTENT_ID_LEN)
			return "text.reply_to: not 16 bytes";
		if (m->text->n_mentions > CONTENT_MENTIONS_MAX)
			return "text.mentions: more than 16";
		for (i = 0; i < m->text->n_mentions; i++)
			if (!handle_ok(&m->text->mentions[i], h))
				return "text.mentions: not a valid handle";
		break;
	case TERN__CONTENT__BODY_REACTION:
		if (m->reaction->target.len != CONTENT_ID_LEN)
			return "reaction.target: not 16 bytes";
		if (m->reaction->emoji.len > CONTENT_EMOJI_MAX ||
		    (!m->reaction->remove && !m->reaction->emoji.len))
			return "reaction.emoji: empty, or longer than 32 bytes";
		if (!utf8_ok((const char *)m->reaction->emoji.data,
			     m->reaction->emoji.len))
			return "reaction.emoji: not UTF-8 (or holds a NUL)";
		break;
	case TERN__CONTENT__BODY_EDIT:
		if (m->edit->target.len != CONTENT_ID_LEN)
			return "edit.target: not 16 bytes";
		if (m->edit->body.len > CONTENT_TEXT_MAX)
			return "edit.body: longer than 16 KiB";
		if (!utf8_ok((const char *)m->edit->body.data,
			     m->edit->body.len))
			return "edit.body: not UTF-8 (or holds a NUL)";
		break;
	case TERN__CONTENT__BODY_UNSEND:
		if (m->unsend->target.len != CONTENT_ID_LEN)
			return "unsend.target: not 16 bytes";
		break;
	case TERN__CONTENT__BODY_RESET:
		return ids_check(m->reset->n_msg_ids, m->reset->msg_ids,
				 "reset.msg_ids: more than 64",
				 "reset.msg_ids: an id not 16 bytes");
	case TERN__CONTENT__BODY_RECEIPT:
		return ids_check(m->receipt->n_msg_ids, m->receipt->msg_ids,
				 "receipt.msg_ids: more than 64",
				 "receipt.msg_ids: an id not 16 bytes");
	case TERN__CONTENT__BODY_DEVICES:
		if (m->devices->n_approved > CONTENT_DEVICES_MAX)
			return "devices.approved: more than 16";
		if (m->devices->n_removed > CONTENT_DEVICES_MAX)
			return "devices.removed: more than 16";
		if (ids_check(m->devices->n_approved, m->devices->approved,
			      "", ""))
			return "devices.approved: an id not 16 bytes";
		return ids_check(m->devices->n_removed, m->devices->removed,
				 "", "devices.removed: an id not 16 bytes");
	default:
		break;
	}
	return NULL;
}

int content_parse(const uint8_t *buf, size_t len, struct content *c,
		  void **keep, const char **why)
{
	Tern__Content *m = tern__content__unpack(NULL, len, buf);
	size_t i;

	*keep = NULL;
	memset(c, 0, sizeof(*c));
	if (!m) {
		*why = "not a message's content (protobuf)";
		return -EBADMSG;
	}
	*why = check(m);
	if (*why) {
		tern__content__free_unpacked(m, NULL);
		return -EBADMSG;
	}
	memcpy(c->msg_id, m->msg_id.data, CONTENT_ID_LEN);
	c->sent_ms = m->sent_ms;
	if (m->sync_to.len)
		memcpy(c->sync_to, m->sync_to.data, m->sync_to.len);
	c->sync_to[m->sync_to.len] = '\0';
	switch (m->body_case) {
	case TERN__CONTENT__BODY_TEXT:
		c->kind = CONTENT_TEXT;
		c->text = (const char *)m->text->body.data;
		c->text_len = m->text->body.len;
		if (m->text->reply_to.len)
			c->reply_to = m->text->reply_to.data;
		c->n_mentions = m->text->n_mentions;
		for (i = 0; i < c->n_mentions; i++)
			handle_ok(&m->text->mentions[i], c->mentions[i]);
		break;
	case TERN__CONTENT__BODY_REACTION:
		c->kind = CONTENT_REACTION;
		c->target = m->reaction->target.data;
		c->emoji = (const char *)m->reaction->emoji.data;
		c->emoji_len = m->reaction->emoji.len;
		c->remove = m->reaction->remove;
		break;
	case TERN__CONTENT__BODY_EDIT:
		c->kind = CONTENT_EDIT;
		c->target = m->edit->target.data;
		c->text = (const char *)m->edit->body.data;
		c->text_len = m->edit->body.len;
		break;
	case TERN__CONTENT__BODY_UNSEND:
		c->kind = CONTENT_UNSEND;
		c->target = m->unsend->target.data;
		break;
	case TERN__CONTENT__BODY_RESET:
		c->kind = CONTENT_RESET;
		c->n_ids = m->reset->n_msg_ids;
		for (i = 0; i < c->n_ids; i++)
			c->ids[i] = m->reset->msg_ids[i].data;
		break;
	case TERN__CONTENT__BODY_TYPING:
		c->kind = CONTENT_TYPING;
		c->typing = m->typing->on;
		break;
	case TERN__CONTENT__BODY_RECEIPT:
		c->kind = CONTENT_RECEIPT;
		c->read = m->receipt->read;
		c->n_ids = m->receipt->n_msg_ids;
		for (i = 0; i < c->n_ids; i++)
			c->ids[i] = m->receipt->msg_ids[i].data;
		break;
	case TERN__CONTENT__BODY_DEVICES:
		c->kind = CONTENT_DEVICES;
		c->n_ids = m->devices->n_approved;
		for (i = 0; i < c->n_ids; i++)
			c->ids[i] = m->devices->approved[i].data;
		c->n_removed = m->devices->n_removed;
		for (i = 0; i < c->n_removed; i++)
			c->removed[i] = m->devices->removed[i].data;
		break;
	default:
		c->kind = CONTENT_UNKNOWN;
		break;
	}
	*keep = m;
	return 0;
}

void content_free(void *keep)
{
	if (keep)
		tern__content__free_unpacked(keep, NULL);
}

const char *content_kind_name(enum content_kind k)
{
	switch (k) {
	case CONTENT_TEXT:
		return "text";
	case CONTENT_RESET:
		return "reset";
	case CONTENT_RECEIPT:
		return "receipt";
	case CONTENT_TYPING:
		return "typing";
	case CONTENT_REACTION:
		return "reaction";
	case CONTENT_EDIT:
		return "edit";
	case CONTENT_UNSEND:
		return "unsend";
	case CONTENT_DEVICES:
		return "devices";
	default:
		return "unknown";
	}
}
