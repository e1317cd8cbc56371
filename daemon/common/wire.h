/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway protocol's frames (Documentation/protocol.rst): frame types,
 * encoding a protobuf message behind a frame header, and decoding a frame's
 * payload into its message with every fixed-size field checked.
 */
#ifndef TERN_WIRE_H
#define TERN_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "tern.pb-c.h"

enum wire_type {
	WIRE_HELLO = 16,
	WIRE_HELLO_OK,
	WIRE_PUSH,
	WIRE_ACK,
	WIRE_NACK,
	WIRE_DELIVER,
	WIRE_DELIVER_ACK,
	WIRE_CLOSE,
	WIRE_REVOKE,
	WIRE_REVOKE_RESULT,
	WIRE_TYPE_END,
};

#define WIRE_VERSION		1
#define WIRE_KEY_LEN		32	/* Ed25519 public key */
#define WIRE_SIG_LEN		64	/* Ed25519 signature */
#define WIRE_TOKEN_LEN		16
#define WIRE_MSG_ID_LEN		16
#define WIRE_EXPORTER_LEN	32
#define WIRE_MAX_PAYLOAD_DEFAULT	(32 * 1024)
/* Protobuf framing around a Push/Deliver payload stays well under this. */
#define WIRE_OVERHEAD		1024
#define WIRE_MAX_IDS		1024	/* DeliverAck.msg_id entries */

/* A growable output buffer of encoded frames. */
struct wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void wbuf_free(struct wbuf *b);
/* Make room for @n more bytes; returns a pointer to them or NULL. */
uint8_t *wbuf_reserve(struct wbuf *b, size_t n);
/* Drop the first @n bytes (already written out); emptied, it is freed. */
void wbuf_consume(struct wbuf *b, size_t n);

/* Append one frame: header of @type then @msg packed. 0 or -ENOMEM,
 * -EMSGSIZE when the packed message exceeds the frame limit.
 */
int wire_put(struct wbuf *b, uint8_t type, const ProtobufCMessage *msg);

/* Pack one frame into a fresh buffer (freed with free()). */
int wire_pack(uint8_t type, const ProtobufCMessage *msg, uint8_t **out,
	      size_t *len);

/*
 * Decode the payload of a frame of @type into its message, checking that
 * every fixed-size field has its size. Returns 0 and *out (free with
 * wire_free), or -EPROTO with @err naming the type and field at fault.
 */
int wire_decode(uint8_t type, const void *buf, size_t len,
		ProtobufCMessage **out, char *err, size_t errlen);
void wire_free(ProtobufCMessage *msg);

const char *wire_type_name(uint8_t type);
const char *wire_close_name(int reason);
const char *wire_nack_name(int reason);

/* Helpers to point a ProtobufCBinaryData at bytes (no copy). */
static inline ProtobufCBinaryData wire_bytes(const void *p, size_t len)
{
	ProtobufCBinaryData b = { .len = len, .data = (uint8_t *)p };

	return b;
}

#endif /* TERN_WIRE_H */
