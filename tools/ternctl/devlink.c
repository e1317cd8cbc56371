// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl link: linking a device to an account (Documentation/
 * messaging.rst, "Linking a device"). On the new device, started with
 * ternd --link, "link code" prints the code it shows (from its control
 * socket's status, once the gateway gave it a token); on a device of the
 * account, "link approve CODE" sends it the account key through ternd's
 * client API, and "link remove ID" takes a device out of the account.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chatcl.h"
#include "devctl.h"
#include "ternctl.h"

#define CODE_WAIT_DEFAULT_S	30

static int code_run(int argc, char **argv);
static int approve_run(int argc, char **argv);
static int remove_run(int argc, char **argv);

static const struct ternctl_cmd link_cmds[] = {
	{
		.name = "code",
		.synopsis = "[-t SECONDS]",
		.brief = "the code of this device, waiting to be linked",
		.summary = "Print the code of this device, whose ternd runs with --link and waits\nto join its account: approve it on a device of the account with\n'ternctl link approve CODE'. Waits for the code (it comes with the\ngateway's push token) up to SECONDS.",
		.help =
		"Options:\n"
		SOCKET_HELP
		"  -t, --timeout SECONDS\n"
		"                   wait this long for the code [30]\n"
		"  -h, --help       show this help\n",
		.run = code_run,
	},
	{
		.name = "approve",
		.synopsis = "[-j] CODE",
		.brief = "let the device that shows CODE join this account",
		.summary = "Approve the device that shows CODE ('ternctl link code' there): it is\nsent this account's key, sealed to the key in the code, through the\ngateway, joins the account and registers itself with the directory.\nThis device's monitor expects it from now on. Only approve a code you\nread off your own device: whoever holds it can read your messages.",
		.help = CHATCL_HELP,
		.run = approve_run,
	},
	{
		.name = "remove",
		.synopsis = "[-j] DEVICE_ID",
		.brief = "remove a device from this account (a lost one)",
		.summary = "Remove DEVICE_ID (32 hex digits, as 'ternctl resolve' lists your\nhandle's devices) from this account: its push token is revoked at the\ngateway, so it receives nothing more, then it is taken out of the\ndirectory, so that no one encrypts to it again. ternd finishes this in\nthe background, across restarts; the device's ternd stops as revoked.",
		.help = CHATCL_HELP,
		.run = remove_run,
	},
	{ 0 }
};

const struct ternctl_group ternctl_link_group = {
	.name = "link",
	.summary = "link a new device to this account",
	.cmds = link_cmds,
};

/* ternd's link code now: 1 there is one (in @code), 0 not yet, 2 never
 * (linked already), or -1 (said).
 */
static int fetch_code(const char *socket, char *code, size_t size)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlStatus st = TERN__CTL_STATUS__INIT;
	Tern__CtlReply *r;
	int fd, status, ret = -1;

	req.req_case = TERN__CTL_REQUEST__REQ_STATUS;
	req.status = &st;
	fd = dev_connect(dev_socket_path(socket));
	if (fd < 0)
		return -1;
	if (dev_send(fd, &req)) {
		close(fd);
		return -1;
	}
	r = dev_recv(fd, false, &status);
	close(fd);
	if (!r)
		return -1;
	if (r->error) {
		dev_reply_error("status", r);
	} else if (!r->status) {
		ternctl_error("status: ternd's reply has no status");
	} else if (r->status->link_code && r->status->link_code[0]) {
		snprintf(code, size, "%s", r->status->link_code);
		ret = 1;
	} else {
		/* A ternd waiting to be linked has no directory yet. */
		ret = !r->status->dir_state[0] ||
		      !strcmp(r->status->dir_state, "off") ? 0 : 2;
	}
	tern__ctl_reply__free_unpacked(r, NULL);
	return ret;
}

static int code_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *socket = NULL;
	uint32_t timeout = CODE_WAIT_DEFAULT_S;
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	char code[256];
	long long waited_ms = 0;
	int c, ret, status;

	while ((c = getopt_long(argc, argv, "S:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			socket = optarg;
			break;
		case 't':
			status = ternctl_parse_u32_opt(argv[0], "--timeout",
						       optarg, &timeout);
			if (status)
				return status;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], &link_cmds[0]);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[optind]);
	for (;;) {
		ret = fetch_code(socket, code, sizeof(code));
		if (ret < 0)
			return EXIT_RUNTIME;
		if (ret == 1) {
			puts(code);
			return 0;
		}
		if (ret == 2)
			return ternctl_error("this device is linked already (its ternd holds the account key): there is no code to show");
		if (waited_ms >= (long long)timeout * 1000)
			return ternctl_error("no link code within %u s: is ternd running with --link, and connected to the gateway ('ternctl status')?",
					     timeout);
		nanosleep(&ts, NULL);
		waited_ms += 200;
	}
}

static int approve_run(int argc, char **argv)
{
	struct chatcl_opts o = { 0 };
	json_t *req, *ans;
	const char *dev;
	int first, status;

	first = chatcl_parse(argc, argv, &link_cmds[1], &o, false, false,
			     &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "usage: link approve %s",
				     link_cmds[1].synopsis);
	req = json_pack("{s:s, s:s}", "op", "link-approve", "code",
			argv[first]);
	status = chatcl_call(&o, req, &ans);
	if (status)
		return status;
	dev = json_string_value(json_object_get(ans, "device"));
	if (!o.json)
		printf("approved device %s: it joins the account once it is online\n",
		       dev ? dev : "?");
	json_decref(ans);
	return 0;
}

static int remove_run(int argc, char **argv)
{
	struct chatcl_opts o = { 0 };
	json_t *req, *ans;
	int first, status;

	first = chatcl_parse(argc, argv, &link_cmds[2], &o, false, false,
			     &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "usage: link remove %s",
				     link_cmds[2].synopsis);
	req = json_pack("{s:s, s:s}", "op", "link-remove", "device",
			argv[first]);
	status = chatcl_call(&o, req, &ans);
	if (status)
		return status;
	if (!o.json)
		printf("removing device %s: its token is revoked, then it leaves the directory\n",
		       argv[first]);
	json_decref(ans);
	return 0;
}
