/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A message as the history shows it (msgline.c), from the API's MESSAGE
 * object: "HH:MM -> " and the body: the message it answers, the text
 * ("(unsent)" once taken back), "(edited)", the reactions and, for this
 * person's, its state: [queued], [sending], [sent], [delivered], [read]
 * or [failed: WHY].
 */
#ifndef TERNCHAT_MSGLINE_H
#define TERNCHAT_MSGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define MSGLINE_PREFIX	9	/* "HH:MM -> " */

/* "HH:MM -> " (today) or "MM-DD -> "; "<-" for a received one. */
void msgline_prefix(const json_t *m, long long now_ms, char *buf, size_t len);
/* The body (malloc()ed UTF-8); @hist is where reply_to is looked up. */
char *msgline_body(const json_t *m, const json_t *hist);
/* The state shown for one of this person's ("delivered", ...), or NULL. */
const char *msgline_state(const json_t *m);
bool msgline_out(const json_t *m);
/* The message's string field @key, or NULL. */
const char *msgline_str(const json_t *m, const char *key);

#endif /* TERNCHAT_MSGLINE_H */
