// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl: inspect and manage tern.ko push connections, and talk to the
 * device daemon ternd through its control socket.
 *
 *   ternctl [--help] [--version] GROUP [COMMAND] [ARGS]
 *
 * Each group is a struct ternctl_group in its own file; add new ones to
 * the table below.
 */
#include <ctype.h>
#include <string.h>

#include "ternctl.h"

static const struct ternctl_group *const groups[] = {
	&ternctl_conn_group,
	&ternctl_events_group,
	&ternctl_push_group,
	&ternctl_recv_group,
	&ternctl_status_group,
	&ternctl_revoke_group,
	&ternctl_resolve_group,
	&ternctl_send_group,
	&ternctl_history_group,
	&ternctl_watch_group,
	&ternctl_read_group,
	&ternctl_typing_group,
	&ternctl_react_group,
	&ternctl_edit_group,
	&ternctl_unsend_group,
	&ternctl_conversations_group,
	&ternctl_accept_group,
	&ternctl_block_group,
	&ternctl_delete_group,
	&ternctl_restore_group,
	&ternctl_deleted_group,
	&ternctl_verify_group,
	&ternctl_link_group,
	&ternctl_prio_group,
	&ternctl_dir_group,
};

#define NGROUPS	ARRAY_SIZE(groups)

static void list_cmd(FILE *f, const char *group, const struct ternctl_cmd *c)
{
	char left[64];

	snprintf(left, sizeof(left), "%s%s%s%s%s", group,
		 c->name && strcmp(c->name, group) ? " " : "",
		 c->name && strcmp(c->name, group) ? c->name : "",
		 c->synopsis[0] ? " " : "", c->synopsis);
	fprintf(f, "  %-30s %s\n", left, c->brief);
}

static void main_help(FILE *f)
{
	const struct ternctl_cmd *c;
	size_t i;

	fputs("Usage: ternctl [--help] [--version] COMMAND [ARGS]\n\n"
	      "Inspect and manage tern.ko push connections; push and receive\n"
	      "messages through ternd.\n\n"
	      "Commands:\n", f);
	for (i = 0; i < NGROUPS; i++) {
		if (!groups[i]->cmds) {
			list_cmd(f, groups[i]->name, &groups[i]->self);
			continue;
		}
		for (c = groups[i]->cmds; c->name; c++)
			list_cmd(f, groups[i]->name, c);
	}
	fputs("\nRun 'ternctl COMMAND --help' for its options.\n"
	      "Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n",
	      f);
}

static void group_help(FILE *f, const struct ternctl_group *g)
{
	const struct ternctl_cmd *c;

	fprintf(f, "Usage: ternctl %s COMMAND [ARGS]\n\n%c%s.\n\nCommands:\n",
		g->name, toupper((unsigned char)g->summary[0]),
		g->summary + 1);
	for (c = g->cmds; c->name; c++)
		list_cmd(f, g->name, c);
	fprintf(f, "\nRun 'ternctl %s COMMAND --help' for its options.\n",
		g->name);
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "help");
}

static int run_group(const struct ternctl_group *g, int argc, char **argv)
{
	const struct ternctl_cmd *c;
	char prog[64];

	if (!g->cmds) {
		snprintf(prog, sizeof(prog), "ternctl %s", g->name);
		argv[0] = prog;
		return g->self.run(argc, argv);
	}
	if (argc < 2) {
		group_help(stderr, g);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		group_help(stdout, g);
		return 0;
	}
	for (c = g->cmds; c->name; c++) {
		if (strcmp(c->name, argv[1]))
			continue;
		snprintf(prog, sizeof(prog), "ternctl %s %s", g->name,
			 c->name);
		argv[1] = prog;
		return c->run(argc - 1, argv + 1);
	}
	snprintf(prog, sizeof(prog), "ternctl %s", g->name);
	return ternctl_usage(prog, "unknown command '%s'", argv[1]);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		main_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("ternctl %s (tern genetlink family version %d)\n",
		       TERNCTL_VERSION, TERN_FAMILY_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		return ternctl_usage("ternctl", "unknown option '%s'",
				     argv[1]);
	for (i = 0; i < NGROUPS; i++)
		if (!strcmp(groups[i]->name, argv[1]))
			return run_group(groups[i], argc - 1, argv + 1);
	return ternctl_usage("ternctl", "unknown command '%s'", argv[1]);
}
