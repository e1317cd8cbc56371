/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternctl: command table and helpers shared by the command groups.
 *
 * A command group (conn, events, ...) lives in its own file and exports one
 * struct ternctl_group; main.c lists the groups. A group either has
 * subcommands (@cmds) or is a command itself (@run).
 */
#ifndef TERNCTL_H
#define TERNCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tern_nl.h"

#define TERNCTL_VERSION	"0.1.0"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Exit statuses. */
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
/* An alarm: the directory's answer does not hold. */
#define EXIT_ALARM	3

struct ternctl_cmd {
	const char *name;
	const char *synopsis;		/* its arguments */
	const char *brief;		/* one line, for the command lists */
	const char *summary;		/* a paragraph, for COMMAND --help */
	const char *help;		/* options, for COMMAND --help */
	int (*run)(int argc, char **argv);	/* argv[0]: "ternctl conn show" */
};

struct ternctl_group {
	const char *name;
	const char *summary;
	const struct ternctl_cmd *cmds;	/* NULL-terminated, or NULL */
	struct ternctl_cmd self;	/* when @cmds is NULL */
};

extern const struct ternctl_group ternctl_conn_group;
extern const struct ternctl_group ternctl_events_group;
/* prio.c: shaping and the tc egress program (Documentation/prio.rst). */
extern const struct ternctl_group ternctl_prio_group;
/* dir.c: the directory's client (Documentation/directory.rst). */
extern const struct ternctl_group ternctl_dir_group;
/* device.c: ternd's control socket. */
extern const struct ternctl_group ternctl_push_group;
extern const struct ternctl_group ternctl_recv_group;
extern const struct ternctl_group ternctl_status_group;
extern const struct ternctl_group ternctl_revoke_group;
extern const struct ternctl_group ternctl_resolve_group;
/* chat.c: ternd's client API. */
extern const struct ternctl_group ternctl_send_group;
extern const struct ternctl_group ternctl_history_group;
extern const struct ternctl_group ternctl_watch_group;
extern const struct ternctl_group ternctl_read_group;
extern const struct ternctl_group ternctl_typing_group;
extern const struct ternctl_group ternctl_react_group;
extern const struct ternctl_group ternctl_edit_group;
extern const struct ternctl_group ternctl_unsend_group;
extern const struct ternctl_group ternctl_accept_group;
extern const struct ternctl_group ternctl_block_group;
extern const struct ternctl_group ternctl_conversations_group;
extern const struct ternctl_group ternctl_delete_group;
extern const struct ternctl_group ternctl_restore_group;
extern const struct ternctl_group ternctl_deleted_group;
extern const struct ternctl_group ternctl_verify_group;
extern const struct ternctl_group ternctl_link_group;

/* util.c */
void ternctl_print_help(FILE *f, const char *prog,
			const struct ternctl_cmd *cmd);
int ternctl_usage(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ternctl_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
const char *ternctl_parse_u64(const char *s, uint64_t max, uint64_t *out);
int ternctl_parse_u32_opt(const char *prog, const char *opt, const char *s,
			  uint32_t *out);
int ternctl_parse_id(const char *prog, const char *s, uint32_t *id);
int ternctl_check_tag(const char *prog, const char *tag);
struct tern_nl *ternctl_open(void);
int ternctl_fail(struct tern_nl *nl, int err, const char *what,
		 const uint32_t *conn_id);
/* Parse -h/--help, and -j/--json unless @json is NULL. Returns the index
 * of the first operand, or -1 when done: *status is then the exit status
 * (0 after --help).
 */
int ternctl_simple_opts(int argc, char **argv, const struct ternctl_cmd *cmd,
			bool *json, int *status);
/* Room for any owner tag escaped by ternctl_fmt_tag(). */
#define TERNCTL_TAG_BUF	(4 * TERN_OWNER_TAG_MAX + 1)
const char *ternctl_fmt_tag(char *buf, size_t size, const char *tag);

/* conninfo.c: rendering a connection. */
struct json;
void conninfo_json(struct json *j, const struct tern_conn_info *c);
void conninfo_text(FILE *f, const struct tern_conn_info *c);
void conninfo_table(FILE *f, const struct tern_conn_info *v, size_t n);
void conninfo_endpoint(char *buf, size_t size, uint16_t family,
		       const uint8_t *addr, uint16_t port);
void conninfo_rtt(char *buf, size_t size, uint32_t rtt_us);

#endif /* TERNCTL_H */
