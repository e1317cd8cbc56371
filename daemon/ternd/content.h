/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a person sends (daemon/proto/content.proto): encoding, and
 * decoding that checks every field and names the first one that is
 * wrong. A body of a kind this ternd does not know decodes as
 * CONTENT_UNKNOWN: newer devices may send kinds older ones only keep.
 */
#ifndef TERND_CONTENT_H
#define TERND_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTENT_VERSION		1
#define CONTENT_ID_LEN		16
#define CONTENT_TEXT_MAX	(16 * 1024)
#define CONTENT_IDS_MAX		64	/* ids a reset or a receipt names */
#define CONTENT_MENTIONS_MAX	16
#define CONTENT_EMOJI_MAX	32	/* bytes */
#define CONTENT_DEVICES_MAX	16	/* ids a Devices names, each way */
#define CONTENT_EDIT_MS		(15 * 60 * 1000)	/* edit within */
#define CONTENT_UNSEND_MS	(2 * 60 * 1000)		/* unsend within */

enum content_kind {
	CONTENT_UNKNOWN,
	CONTENT_TEXT,
	CONTENT_RESET,
	CONTENT_RECEIPT,
	CONTENT_TYPING,
	CONTENT_REACTION,
	CONTENT_EDIT,
	CONTENT_UNSEND,
	CONTENT_DEVICES,
};

struct content {
	uint8_t msg_id[CONTENT_ID_LEN];
	uint64_t sent_ms;
	char sync_to[256];		/* "" unless a copy to an own device */
	enum content_kind kind;
	const char *text;		/* CONTENT_TEXT, _EDIT: UTF-8, not */
	size_t text_len;		/* NUL-ended */
	const uint8_t *reply_to;	/* CONTENT_TEXT: NULL, or an id */
	unsigned int n_mentions;	/* CONTENT_TEXT: handles */
	char mentions[CONTENT_MENTIONS_MAX][256];
	const uint8_t *target;		/* _REACTION, _EDIT, _UNSEND: an id */
	const char *emoji;		/* CONTENT_REACTION: UTF-8, not */
	size_t emoji_len;		/* NUL-ended */
	bool remove;			/* CONTENT_REACTION: take it back */
	bool read;			/* CONTENT_RECEIPT: read, or delivered */
	bool typing;			/* CONTENT_TYPING: on, or stopped */
	unsigned int n_ids;		/* CONTENT_RESET, _RECEIPT: the ids; */
	const uint8_t *ids[CONTENT_IDS_MAX];	/* _DEVICES: approved */
	unsigned int n_removed;		/* CONTENT_DEVICES: device ids */
	const uint8_t *removed[CONTENT_DEVICES_MAX];
};

/* Encode @c into a malloc()ed buffer: 0, -EINVAL (a field out of its
 * limits), -ENOMEM.
 */
int content_pack(const struct content *c, uint8_t **out, size_t *len);
/*
 * Decode @len bytes of @buf into @c, whose pointers go into *@keep
 * (content_free() it). -EBADMSG with *@why naming what was wrong.
 */
int content_parse(const uint8_t *buf, size_t len, struct content *c,
		  void **keep, const char **why);
void content_free(void *keep);
/* A kind's name, for the client API: "text", "reset", "receipt",
 * "typing", "reaction", "edit", "unsend", "devices", "unknown".
 */
const char *content_kind_name(enum content_kind k);

#endif /* TERND_CONTENT_H */
