// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl's other commands over ternd's client API (chatcl.h): read,
 * typing, react, edit, unsend, conversations, accept, block, delete,
 * restore, deleted. Each is one request and one answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatcl.h"

static int read_run(int argc, char **argv);
static int typing_run(int argc, char **argv);
static int ref_run(int argc, char **argv);
static int contact_run(int argc, char **argv);
static int convs_run(int argc, char **argv);
static int deleted_run(int argc, char **argv);
static int verify_run(int argc, char **argv);

const struct ternctl_group ternctl_read_group = {
	.name = "read",
	.summary = "mark a conversation read",
	.self = {
		.name = "read",
		.synopsis = "[-j] HANDLE",
		.brief = "mark the messages from a handle read",
		.summary = "Mark every unread message from HANDLE read. Unless ternd runs with\n--read-receipts no, HANDLE's devices are told (a read receipt), and so\nare this account's other devices, which mark them read too. Prints how\nmany were marked.",
		.help = CHATCL_HELP,
		.run = read_run,
	},
};

const struct ternctl_group ternctl_typing_group = {
	.name = "typing",
	.summary = "say that you are typing",
	.self = {
		.name = "typing",
		.synopsis = "[-j] HANDLE [on|off]",
		.brief = "tell a handle you are typing (or stopped)",
		.summary = "Tell HANDLE's devices, now, that you are typing (on, the default) or\nstopped (off). Sent only to devices that are online and kept nowhere:\ntheir 'ternctl watch' shows it. Prints how many devices it went to.",
		.help = CHATCL_HELP,
		.run = typing_run,
	},
};

const struct ternctl_group ternctl_react_group = {
	.name = "react",
	.summary = "react to a message",
	.self = {
		.name = "react",
		.synopsis = "[-j] HANDLE ID (EMOJI | --remove)",
		.brief = "react to message ID of a conversation",
		.summary = "React to message ID (as history -j shows it) of the conversation with\nHANDLE with EMOJI, replacing an earlier reaction of yours to it; with\n--remove take it back. Everyone in the conversation, and your other\ndevices, see it on the message.",
		.help = CHATCL_HELP "      --remove     take the reaction back\n",
		.run = ref_run,
	},
};

const struct ternctl_group ternctl_edit_group = {
	.name = "edit",
	.summary = "change a message you sent",
	.self = {
		.name = "edit",
		.synopsis = "[-j] HANDLE ID TEXT...",
		.brief = "change the text of a message you sent (15 minutes)",
		.summary = "Replace the text of your message ID to HANDLE with TEXT, within 15\nminutes of sending it; every device shows it edited.",
		.help = CHATCL_HELP,
		.run = ref_run,
	},
};

const struct ternctl_group ternctl_unsend_group = {
	.name = "unsend",
	.summary = "take back a message you sent",
	.self = {
		.name = "unsend",
		.synopsis = "[-j] HANDLE ID",
		.brief = "take back a message you sent (2 minutes)",
		.summary = "Take back your message ID to HANDLE, within 2 minutes of sending it:\nits text is deleted on every device, which shows it unsent.",
		.help = CHATCL_HELP,
		.run = ref_run,
	},
};

const struct ternctl_group ternctl_accept_group = {
	.name = "accept",
	.summary = "accept a message request",
	.self = {
		.name = "accept",
		.synopsis = "[-j] HANDLE",
		.brief = "accept HANDLE's message request (or unblock it)",
		.summary = "Make HANDLE a contact: its messages were a request (it wrote first)\nor were blocked; from now on they are a conversation, and read receipts\ngo to it.",
		.help = CHATCL_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_block_group = {
	.name = "block",
	.summary = "block a sender",
	.self = {
		.name = "block",
		.synopsis = "[-j] HANDLE",
		.brief = "drop every message from HANDLE from now on",
		.summary = "Block HANDLE: its messages (and reactions, typing) are dropped on this\ndevice from now on. Writing to HANDLE, or 'ternctl accept', lifts it.",
		.help = CHATCL_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_conversations_group = {
	.name = "conversations",
	.summary = "the conversations, newest first",
	.self = {
		.name = "conversations",
		.synopsis = "[-j]",
		.brief = "the conversations, newest first, requests apart",
		.summary = "List the conversations, newest first: the handle, whether it is a\ncontact, a message request or blocked, the unread messages and the last\nmessage.",
		.help = CHATCL_HELP,
		.run = convs_run,
	},
};

const struct ternctl_group ternctl_delete_group = {
	.name = "delete",
	.summary = "delete a message here",
	.self = {
		.name = "delete",
		.synopsis = "[-j] ID",
		.brief = "delete message ID on this device (30 days to restore)",
		.summary = "Delete message ID (as history -j shows it) on this device only: it\nleaves the history, and is kept 30 days among the recently deleted\n('ternctl deleted'), from where 'ternctl restore' brings it back.",
		.help = CHATCL_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_restore_group = {
	.name = "restore",
	.summary = "restore a deleted message",
	.self = {
		.name = "restore",
		.synopsis = "[-j] ID",
		.brief = "bring back a message deleted in the last 30 days",
		.summary = "Bring message ID back from the recently deleted into its history.",
		.help = CHATCL_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_deleted_group = {
	.name = "deleted",
	.summary = "the recently deleted messages",
	.self = {
		.name = "deleted",
		.synopsis = "[-j]",
		.brief = "the messages deleted here in the last 30 days",
		.summary = "List the messages deleted on this device in the last 30 days, most\nrecently deleted first, with their ids for 'ternctl restore'.",
		.help = CHATCL_HELP,
		.run = deleted_run,
	},
};

const struct ternctl_group ternctl_verify_group = {
	.name = "verify",
	.summary = "compare safety numbers",
	.self = {
		.name = "verify",
		.synopsis = "[--confirm | --forget] [-j] HANDLE",
		.brief = "the safety number with HANDLE; mark it verified",
		.summary = "Print the safety number of your account and HANDLE's, 12 groups of 5\ndigits, the same on both sides: compare it with HANDLE's person, in\nperson or on a call. When it matches, --confirm marks HANDLE verified.\nShould HANDLE's account key change later, sending to it is refused and\nthis prints a warning (exit status 3) until you compare and --confirm\nagain, or --forget the verification.",
		.help = CHATCL_HELP
		"      --confirm    the numbers match: HANDLE is verified\n"
		"      --forget     HANDLE is not verified any more\n",
		.run = verify_run,
	},
};

/* The command's name: the last word of argv[0] ("ternctl react"). */
static const char *name_of(const char *argv0)
{
	const char *sp = strrchr(argv0, ' ');

	return sp ? sp + 1 : argv0;
}

/* Print the integer @key of the answer (unless -j printed it all). */
static int call_count(const struct chatcl_opts *o, json_t *req,
		      const char *key)
{
	json_t *ans;
	int status = chatcl_call(o, req, &ans);

	if (!status && !o->json)
		printf("%lld\n",
		       (long long)json_integer_value(json_object_get(ans, key)));
	json_decref(ans);
	return status;
}

static int read_run(int argc, char **argv)
{
	struct chatcl_opts o = { 0 };
	int first, status;

	first = chatcl_parse(argc, argv, &ternctl_read_group.self, &o, false,
			     false, &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "read needs one HANDLE");
	if (chatcl_handle(argv, first, &status))
		return status;
	return call_count(&o, json_pack("{s:s, s:s}", "op", "read", "with",
					argv[first]), "read");
}

static int typing_run(int argc, char **argv)
{
	struct chatcl_opts o = { 0 };
	bool on = true;
	int first, status;

	first = chatcl_parse(argc, argv, &ternctl_typing_group.self, &o,
			     false, false, &status);
	if (first < 0)
		return status;
	if (argc - first < 1 || argc - first > 2)
		return ternctl_usage(argv[0], "typing needs HANDLE [on|off]");
	if (chatcl_handle(argv, first, &status))
		return status;
	if (argc - first == 2) {
		if (!strcmp(argv[first + 1], "off"))
			on = false;
		else if (strcmp(argv[first + 1], "on"))
			return ternctl_usage(argv[0], "'%s': on or off",
					     argv[first + 1]);
	}
	return call_count(&o, json_pack("{s:s, s:s, s:b}", "op", "typing",
					"with", argv[first], "on", on),
			  "devices");
}

/* react, edit, unsend. */
static int ref_run(int argc, char **argv)
{
	const char *name = name_of(argv[0]);
	const struct ternctl_cmd *cmd = !strcmp(name, "react") ?
		&ternctl_react_group.self : !strcmp(name, "edit") ?
		&ternctl_edit_group.self : &ternctl_unsend_group.self;
	struct chatcl_opts o = { 0 };
	json_t *req;
	char *text;
	int first, status, n;

	first = chatcl_parse(argc, argv, cmd, &o, false, false, &status);
	if (first < 0)
		return status;
	n = argc - first;
	if (n < 2 || (cmd == &ternctl_unsend_group.self && n != 2) ||
	    (cmd == &ternctl_react_group.self && n != (o.remove ? 2 : 3)) ||
	    (cmd == &ternctl_edit_group.self && n < 3))
		return ternctl_usage(argv[0], "usage: %s", cmd->synopsis);
	if (chatcl_handle(argv, first, &status))
		return status;
	req = json_pack("{s:s, s:s, s:s}", "op", name, "with", argv[first],
			"id", argv[first + 1]);
	/* No "emoji": the reaction taken back. (Not json_null(): ternctl's
	 * own JSON writer has a function of that name.)
	 */
	if (cmd == &ternctl_react_group.self && !o.remove)
		json_object_set_new(req, "emoji",
				    json_string(argv[first + 2]));
	if (cmd == &ternctl_edit_group.self) {
		text = chatcl_join(argv + first + 2, n - 2);
		if (!text) {
			json_decref(req);
			return EXIT_RUNTIME;
		}
		json_object_set_new(req, "text", json_string(text));
		free(text);
	}
	return chatcl_call(&o, req, NULL);
}

/* accept, block HANDLE; delete, restore ID. */
static int contact_run(int argc, char **argv)
{
	const char *op = name_of(argv[0]);
	bool by_id = !strcmp(op, "delete") || !strcmp(op, "restore");
	const struct ternctl_cmd *cmd = !strcmp(op, "block") ?
		&ternctl_block_group.self : !strcmp(op, "accept") ?
		&ternctl_accept_group.self : !strcmp(op, "delete") ?
		&ternctl_delete_group.self : &ternctl_restore_group.self;
	struct chatcl_opts o = { 0 };
	int first, status;

	first = chatcl_parse(argc, argv, cmd, &o, false, false, &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "usage: %s", cmd->synopsis);
	if (!by_id && chatcl_handle(argv, first, &status))
		return status;
	return chatcl_call(&o, json_pack("{s:s, s:s}", "op", op,
					 by_id ? "id" : "with", argv[first]),
			   NULL);
}

/* conversations, deleted: a list. */
static int list(int argc, char **argv, const struct ternctl_cmd *cmd,
		const char *op, const char *key,
		void (*print)(const json_t *v))
{
	struct chatcl_opts o = { 0 };
	int first, status;

	first = chatcl_parse(argc, argv, cmd, &o, false, false, &status);
	if (first < 0)
		return status;
	if (argc != first)
		return ternctl_usage(argv[0], "%s takes no operand", op);
	return chatcl_list(&o, json_pack("{s:s}", "op", op), key, print);
}

static void print_conversation(const json_t *v)
{
	const char *state = json_string_value(json_object_get(v, "state"));
	bool plain = !state || !strcmp(state, "contact");

	printf("%s%s%s%s  %lld unread\n  ",
	       json_string_value(json_object_get(v, "with")),
	       plain ? "" : "  [", plain ? "" : state, plain ? "" : "]",
	       (long long)json_integer_value(json_object_get(v, "unread")));
	chatcl_print(json_object_get(v, "last"));
}

static int convs_run(int argc, char **argv)
{
	return list(argc, argv, &ternctl_conversations_group.self,
		    "conversations", "conversations", print_conversation);
}

static void print_deleted(const json_t *v)
{
	printf("%s  ", json_string_value(json_object_get(v, "id")));
	chatcl_print(v);
}

static int deleted_run(int argc, char **argv)
{
	return list(argc, argv, &ternctl_deleted_group.self, "deleted",
		    "messages", print_deleted);
}

static int verify_run(int argc, char **argv)
{
	struct chatcl_opts o = { 0 };
	const char *num, *with;
	json_t *req, *ans;
	int first, status;

	first = chatcl_parse(argc, argv, &ternctl_verify_group.self, &o,
			     false, false, &status);
	if (first < 0)
		return status;
	if (argc - first != 1 || (o.confirm && o.forget))
		return ternctl_usage(argv[0], "usage: %s",
				     ternctl_verify_group.self.synopsis);
	if (chatcl_handle(argv, first, &status))
		return status;
	with = argv[first];
	req = json_pack("{s:s, s:s, s:b, s:b}", "op", "verify", "with", with,
			"confirm", o.confirm, "forget", o.forget);
	status = chatcl_call(&o, req, &ans);
	if (status)
		return status;
	if (!o.json) {
		num = json_string_value(json_object_get(ans, "safety_number"));
		printf("safety number with %s:\n  %.23s\n  %.23s\n  %.23s\n",
		       with, num ? num : "", num && strlen(num) > 24 ? num + 24 : "",
		       num && strlen(num) > 48 ? num + 48 : "");
		if (json_is_true(json_object_get(ans, "verified")))
			puts("verified");
		else if (!json_is_true(json_object_get(ans, "changed")))
			puts("not verified");
	}
	if (json_is_true(json_object_get(ans, "changed"))) {
		ternctl_error("WARNING: %s's account key changed since you verified it: compare the safety number again, then --confirm (or --forget); until then nothing is sent to it",
			      with);
		status = EXIT_ALARM;
	}
	json_decref(ans);
	return status;
}
