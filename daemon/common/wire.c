// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway protocol frames: a protobuf-c message behind a tern frame
 * header. Decoding is protobuf-c's; what it cannot know, the sizes of the
 * fixed-length byte fields, is checked here, so that the daemons only ever
 * see well-formed messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "wire.h"

void wbuf_free(struct wbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

uint8_t *wbuf_reserve(struct wbuf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap - b->len < n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return NULL;
		b->data = p;
		b->cap = cap;
	}
	return b->data + b->len;
}

void wbuf_consume(struct wbuf *b, size_t n)
{
	/* Empty, it gives its memory back: most connections are idle. */
	if (n >= b->len) {
		wbuf_free(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

int wire_put(struct wbuf *b, uint8_t type, const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *p;

	if (n > TERN_FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	p = wbuf_reserve(b, TERN_FRAME_HDR_LEN + n);
	if (!p)
		return -ENOMEM;
	tern_frame_hdr_build(p, type, 0, n);
	protobuf_c_message_pack(msg, p + TERN_FRAME_HDR_LEN);
	b->len += TERN_FRAME_HDR_LEN + n;
	return 0;
}

int wire_pack(uint8_t type, const ProtobufCMessage *msg, uint8_t **out,
	      size_t *len)
{
	struct wbuf b = { 0 };
	int err = wire_put(&b, type, msg);

	if (err) {
		wbuf_free(&b);
		return err;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

static const ProtobufCMessageDescriptor *wire_desc(uint8_t type)
{
	switch (type) {
	case WIRE_HELLO:
		return &tern__hello__descriptor;
	case WIRE_HELLO_OK:
		return &tern__hello_ok__descriptor;
	case WIRE_PUSH:
		return &tern__push__descriptor;
	case WIRE_ACK:
		return &tern__ack__descriptor;
	case WIRE_NACK:
		return &tern__nack__descriptor;
	case WIRE_DELIVER:
		return &tern__deliver__descriptor;
	case WIRE_DELIVER_ACK:
		return &tern__deliver_ack__descriptor;
	case WIRE_CLOSE:
		return &tern__close__descriptor;
	case WIRE_REVOKE:
		return &tern__revoke__descriptor;
	case WIRE_REVOKE_RESULT:
		return &tern__revoke_result__descriptor;
	}
	return NULL;
}

struct field_rule {
	const char *name;
	size_t off;
	size_t len;		/* required length */
	int optional;		/* an empty value is also accepted */
};

#define RULE(T, f, l, o) { #f, offsetof(T, f), l, o }

static const struct field_rule hello_rules[] = {
	RULE(Tern__Hello, device_key, WIRE_KEY_LEN, 0),
	RULE(Tern__Hello, account_key, WIRE_KEY_LEN, 1),
	RULE(Tern__Hello, device_cert, WIRE_SIG_LEN, 1),
	RULE(Tern__Hello, signature, WIRE_SIG_LEN, 0),
	{ 0 }
};

static const struct field_rule hello_ok_rules[] = {
	RULE(Tern__HelloOk, push_token, WIRE_TOKEN_LEN, 0),
	{ 0 }
};

static const struct field_rule push_rules[] = {
	RULE(Tern__Push, token, WIRE_TOKEN_LEN, 0),
	RULE(Tern__Push, msg_id, WIRE_MSG_ID_LEN, 0),
	{ 0 }
};

static const struct field_rule ack_rules[] = {
	RULE(Tern__Ack, msg_id, WIRE_MSG_ID_LEN, 0),
	{ 0 }
};

static const struct field_rule nack_rules[] = {
	RULE(Tern__Nack, msg_id, WIRE_MSG_ID_LEN, 0),
	{ 0 }
};

static const struct field_rule deliver_rules[] = {
	RULE(Tern__Deliver, msg_id, WIRE_MSG_ID_LEN, 0),
	{ 0 }
};

static const struct field_rule revoke_rules[] = {
	RULE(Tern__Revoke, token, WIRE_TOKEN_LEN, 0),
	{ 0 }
};

static const struct field_rule revoke_result_rules[] = {
	RULE(Tern__RevokeResult, token, WIRE_TOKEN_LEN, 0),
	{ 0 }
};

static const struct field_rule *wire_rules(uint8_t type)
{
	switch (type) {
	case WIRE_HELLO:
		return hello_rules;
	case WIRE_HELLO_OK:
		return hello_ok_rules;
	case WIRE_PUSH:
		return push_rules;
	case WIRE_ACK:
		return ack_rules;
	case WIRE_NACK:
		return nack_rules;
	case WIRE_DELIVER:
		return deliver_rules;
	case WIRE_REVOKE:
		return revoke_rules;
	case WIRE_REVOKE_RESULT:
		return revoke_result_rules;
	}
	return NULL;
}

static int wire_check(uint8_t type, const ProtobufCMessage *m, char *err,
		      size_t errlen)
{
	const struct field_rule *r = wire_rules(type);

	for (; r && r->name; r++) {
		const ProtobufCBinaryData *b =
			(const void *)((const char *)m + r->off);

		if (b->len == r->len || (r->optional && !b->len))
			continue;
		snprintf(err, errlen, "%s.%s: %zu bytes, expected %zu",
			 wire_type_name(type), r->name, b->len, r->len);
		return -EPROTO;
	}
	if (type == WIRE_DELIVER_ACK) {
		const Tern__DeliverAck *a = (const void *)m;
		size_t i;

		if (!a->n_msg_id || a->n_msg_id > WIRE_MAX_IDS) {
			snprintf(err, errlen,
				 "deliver-ack: %zu ids, expected 1..%d",
				 a->n_msg_id, WIRE_MAX_IDS);
			return -EPROTO;
		}
		for (i = 0; i < a->n_msg_id; i++) {
			if (a->msg_id[i].len == WIRE_MSG_ID_LEN)
				continue;
			snprintf(err, errlen,
				 "deliver-ack.msg_id[%zu]: %zu bytes, expected %d",
				 i, a->msg_id[i].len, WIRE_MSG_ID_LEN);
			return -EPROTO;
		}
	}
	return 0;
}

int wire_decode(uint8_t type, const void *buf, size_t len,
		ProtobufCMessage **out, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = wire_desc(type);
	ProtobufCMessage *m;

	*out = NULL;
	if (!d) {
		snprintf(err, errlen, "frame type %u is not a protocol frame",
			 type);
		return -EPROTO;
	}
	m = protobuf_c_message_unpack(d, NULL, len, buf);
	if (!m) {
		snprintf(err, errlen, "%s: payload of %zu bytes does not decode",
			 wire_type_name(type), len);
		return -EPROTO;
	}
	if (wire_check(type, m, err, errlen)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return -EPROTO;
	}
	*out = m;
	return 0;
}

void wire_free(ProtobufCMessage *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}

const char *wire_type_name(uint8_t type)
{
	static const char *const names[] = {
		[WIRE_HELLO] = "hello",
		[WIRE_HELLO_OK] = "hello-ok",
		[WIRE_PUSH] = "push",
		[WIRE_ACK] = "ack",
		[WIRE_NACK] = "nack",
		[WIRE_DELIVER] = "deliver",
		[WIRE_DELIVER_ACK] = "deliver-ack",
		[WIRE_CLOSE] = "close",
		[WIRE_REVOKE] = "revoke",
		[WIRE_REVOKE_RESULT] = "revoke-result",
	};

	if (type == TERN_FRAME_PING)
		return "ping";
	if (type == TERN_FRAME_PONG)
		return "pong";
	if (type < WIRE_TYPE_END && names[type])
		return names[type];
	return "unknown";
}

const char *wire_close_name(int reason)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
		&tern__close_reason__descriptor, reason);

	return v ? v->name : "unknown";
}

const char *wire_nack_name(int reason)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
		&tern__nack_reason__descriptor, reason);

	return v ? v->name : "unknown";
}
