// SPDX-License-Identifier: GPL-2.0
/*
 * Commands typed on the compose line (ternchat.h): /new HANDLE,
 * /accept [HANDLE], /block [HANDLE], /help, /quit.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "handle.h"
#include "ternchat.h"

#define CMD_HELP \
	"/new HANDLE, /accept, /block, /help, /quit; //TEXT sends /TEXT"

/* @arg as a handle: it, or NULL (said). */
static const char *handle_arg(struct tc *t, const char *cmd, const char *arg)
{
	const char *why = handle_why(arg);

	if (!why)
		return arg;
	tc_notice(t, true, "/%s: the handle '%.64s%s' %s", cmd, arg,
		  strlen(arg) > 64 ? "..." : "", why);
	return NULL;
}

static void contact(struct tc *t, const char *cmd, const char *arg,
		    enum tc_kind kind)
{
	const char *with = arg[0] ? arg : t->sel;

	if (!with) {
		tc_notice(t, true, "/%s: no conversation open (/%s HANDLE)",
			  cmd, cmd);
		return;
	}
	if (!handle_arg(t, cmd, with))
		return;
	tc_request(t, kind, with,
		   json_pack("{s:s, s:s}", "op", cmd, "with", with));
}

void tc_command(struct tc *t, const char *line)
{
	char cmd[16], arg[512];
	size_t n = 0, len;
	const char *p = line + 1;

	while (*p && !isspace((unsigned char)*p) && n < sizeof(cmd) - 1)
		cmd[n++] = *p++;
	cmd[n] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	snprintf(arg, sizeof(arg), "%s", p);
	len = strlen(arg);
	while (len && isspace((unsigned char)arg[len - 1]))
		arg[--len] = '\0';

	if (!strcmp(cmd, "new") || !strcmp(cmd, "n")) {
		if (!arg[0]) {
			tc_notice(t, true, "/new needs a HANDLE: /new bob@example.org");
			return;
		}
		if (!handle_arg(t, "new", arg))
			return;
		if (t->self && !strcmp(arg, t->self)) {
			tc_notice(t, true, "/new: %s is this account", arg);
			return;
		}
		tc_conv_add_new(t, arg);
		tc_select(t, arg);
		tc_notice(t, false, "%s: write below, Enter sends", arg);
	} else if (!strcmp(cmd, "accept")) {
		contact(t, "accept", arg, TC_REQ_ACCEPT);
	} else if (!strcmp(cmd, "block")) {
		contact(t, "block", arg, TC_REQ_BLOCK);
	} else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
		t->quit = true;
	} else if (!strcmp(cmd, "help") || !strcmp(cmd, "h")) {
		tc_notice(t, false, "%s", CMD_HELP);
	} else {
		tc_notice(t, true, "unknown command /%.15s: %s", cmd, CMD_HELP);
	}
}
