/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel transport must remember across a gateway restart: for
 * each connection tern.ko holds for it (named by the cookie the gateway
 * gave it at conn-new), the session's TLS exporter until the hello, then
 * the authenticated device and its push token. The successor process
 * adopts the connections from tern.ko and finds their sessions here.
 * Nothing about pushes or their senders is kept.
 */
#ifndef TERN_GW_KSTATE_H
#define TERN_GW_KSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct kstate;

struct kstate_row {
	uint64_t cookie;
	uint8_t exporter[WIRE_EXPORTER_LEN];
	bool ready;			/* hello accepted */
	uint8_t dkey[WIRE_KEY_LEN];
	uint8_t token[WIRE_TOKEN_LEN];
	uint32_t hb_ms;
};

int kstate_open(const char *dir, struct kstate **out, char *err,
		size_t errlen);
void kstate_close(struct kstate *ks);
/* A new connection, before its hello. Durable when it returns. */
int kstate_add(struct kstate *ks, uint64_t cookie,
	       const uint8_t exporter[WIRE_EXPORTER_LEN]);
/* The hello was accepted. Durable when it returns. */
int kstate_ready(struct kstate *ks, uint64_t cookie,
		 const uint8_t dkey[WIRE_KEY_LEN],
		 const uint8_t token[WIRE_TOKEN_LEN], uint32_t hb_ms);
int kstate_del(struct kstate *ks, uint64_t cookie);
/*
 * Many ready sessions in one transaction: for tern-idlepop, which sets up
 * a population of idle connections for a gateway to adopt. Durable when
 * it returns.
 */
int kstate_add_ready(struct kstate *ks, const struct kstate_row *rows,
		     size_t n);
/* 0 and *row, or -ENOENT. */
int kstate_get(struct kstate *ks, uint64_t cookie, struct kstate_row *row);
/* Delete every row whose cookie @keep() does not recognise. */
int kstate_prune(struct kstate *ks, bool (*keep)(void *ctx, uint64_t cookie),
		 void *ctx);
/* Give back the page cache: after the adoption, which read every row. */
void kstate_shrink(struct kstate *ks);
const char *kstate_error(struct kstate *ks);

#endif /* TERN_GW_KSTATE_H */
