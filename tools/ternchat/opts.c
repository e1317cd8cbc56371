// SPDX-License-Identifier: GPL-2.0
/*
 * ternchat's options (opts.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "ternchat.h"

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"Usage: %s [-A PATH | -S PATH]\n"
		"\n"
		"Chat at the terminal through ternd: the conversations on the left,\n"
		"the open one on the right, a line to write in at the bottom.\n"
		"\n"
		"Options:\n"
		"  -A, --api PATH   ternd's client API socket (default: $TERND_API,\n"
		"                   else ternd-api.sock beside the control socket,\n"
		"                   -S or $TERND_SOCKET)\n"
		"  -S, --socket PATH\n"
		"                   ternd's control socket, to find the API's\n"
		"                   (default: $TERND_SOCKET, else\n"
		"                   " TERND_SOCKET_DEFAULT ")\n"
		"  -h, --help       show this help\n"
		"\n"
		"Keys: Up/Down or Tab/Shift-Tab choose a conversation, Enter sends,\n"
		"Left/Right/Home/End/Backspace/Delete edit, Ctrl-U clears the line,\n"
		"PageUp/PageDown scroll, Ctrl-C or Ctrl-D quits.\n"
		"Commands: /new HANDLE, /accept, /block, /help, /quit\n"
		"(a text starting with / is written //).\n",
		argv0);
}

int tc_opts_parse(int argc, char **argv, struct tc_opts *o, int *status)
{
	static const struct option lo[] = {
		{ "api", required_argument, NULL, 'A' },
		{ "socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "A:S:h", lo, NULL)) != -1) {
		switch (c) {
		case 'A':
			o->api = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			*status = 0;
			return -1;
		default:
			fprintf(stderr, "%s: bad option or value: %s\n", argv[0],
				argv[optind - 1 > 0 ? optind - 1 : 0]);
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			*status = TC_EXIT_USAGE;
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: takes no operand: %s\n", argv[0],
			argv[optind]);
		*status = TC_EXIT_USAGE;
		return -1;
	}
	return 0;
}

const char *tc_api_path(const struct tc_opts *o, char *buf, size_t len)
{
	const char *env = getenv("TERND_API"), *ctl, *slash;

	if (o->api)
		return o->api;
	if (!o->socket && env && env[0])
		return env;
	ctl = o->socket;
	if (!ctl) {
		env = getenv("TERND_SOCKET");
		ctl = env && env[0] ? env : TERND_SOCKET_DEFAULT;
	}
	slash = strrchr(ctl, '/');
	snprintf(buf, len, "%.*s/ternd-api.sock",
		 slash ? (int)(slash - ctl) : 1, slash ? ctl : ".");
	return buf;
}
