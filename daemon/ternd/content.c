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

static const char *check(const Tern__Content *m)
{
	char h[256];

	if (m->version != CONTENT_VERSION)
		return "version: not 1";
	if (m->msg_id.len != CONTENT_ID_LEN)
		return "msg_id: not 16 bytes";
	if (m->sync_to.len) {
		if (m->sync_to.len >= 256 ||
		    memchr(m->sync_to.data, '\0', m->sync_to.len))
			return "sync_to: not a valid handle";
		memcpy(h, m->sync_to.data, m->sync_to.len);
		h[m->sync_to.len] = '\0';
		if (handle_why(h))
			return "sync_to: not a valid handle";
	}
	switch (m->body_case) {
	case TERN__CONTENT__BODY_TEXT:
		if (m->text->body.len > CONTENT_TEXT_MAX)
			return "text.body: longer than 16 KiB";
		if (!utf8_ok((const char *)m->text->body.data,
			     m->text->body.len))
			return "text.body: not UTF-8 (or holds a NUL)";
		break;
	case TERN__CONTENT__BODY_RESET:
		return ids_check(m->reset->n_msg_ids, m->reset->msg_ids,
				 "reset.msg_ids: more than 64",
				 "reset.msg_ids: an id not 16 bytes");
	case TERN__CONTENT__BODY_RECEIPT:
		return ids_check(m->receipt->n_msg_ids, m->receipt->msg_ids,
				 "receipt.msg_ids: more than 64",
				 "receipt.msg_ids: an id not 16 bytes");
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
	default:
		return "unknown";
	}
}
