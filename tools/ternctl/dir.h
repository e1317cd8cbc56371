/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternctl dir: what the directory commands share (dir.c): options and
 * the client's configuration, the pinned keys, HTTPS requests through
 * libcurl, verified lookups. dir_account.c holds the commands that change
 * an account.
 */
#ifndef TERNCTL_DIR_H
#define TERNCTL_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "lookup.h"
#include "ternctl.h"

struct dir_opts {
	const char *config;
	char *url, *ca, *head_key, *vrf_key, *state;
	uint64_t max_age_ms;
	bool json;
	/* dir_account.c's commands */
	const char *account_key, *invite, *email_code;
};

/* Returns the first operand's index, or -1 with *status set. */
int dir_opts(int argc, char **argv, const struct ternctl_cmd *cmd,
	     struct dir_opts *o, int *status);
void dir_opts_free(struct dir_opts *o);
const struct ternctl_cmd *dir_cmd_named(const char *name);

int dir_load_pins(const struct dir_opts *o, struct lookup_pins *p);
void dir_pins_free(struct lookup_pins *p);

/*
 * @method @path with @body (JSON, or NULL): 0 with a 2xx answer's body in
 * @a (free a->buf), else the error is printed (the directory's own
 * message when it gave one) and EXIT_RUNTIME returned.
 */
int dir_http(const struct dir_opts *o, const char *method, const char *path,
	     const char *body, size_t len, struct dirc_answer *a);

/* A verified lookup: 0, EXIT_ALARM (said) or EXIT_RUNTIME. */
int dir_verified_lookup(const struct dir_opts *o,
			const struct lookup_pins *pins, const char *handle,
			struct lookup_result *r);
void dir_print_lookup(const struct dir_opts *o, const char *handle,
		      const struct lookup_result *r);

/* dir_account.c */
int dir_register_run(int argc, char **argv);
int dir_code_run(int argc, char **argv);
int dir_devices_run(int argc, char **argv);

#endif /* TERNCTL_DIR_H */
