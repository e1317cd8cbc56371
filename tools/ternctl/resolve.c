// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl resolve: a handle's devices through ternd, which checks every
 * proof of the directory's answer (Documentation/ternd.rst, "The
 * directory") and caches it. ternctl dir lookup asks the directory
 * itself; this asks the device daemon, as applications will.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "devctl.h"
#include "handle.h"
#include "hex.h"
#include "json.h"
#include "ternctl.h"

static int resolve_run(int argc, char **argv);

const struct ternctl_group ternctl_resolve_group = {
	.name = "resolve",
	.summary = "a handle's devices, verified, through ternd",
	.self = {
		.name = "resolve",
		.synopsis = "[--fresh] [-j] HANDLE",
		.brief = "a handle's devices, verified, through ternd",
		.summary = "Ask ternd for HANDLE's devices. ternd checks every proof of the\ndirectory's answer (the signed head, its age and consistency with the\nheads seen before, the log inclusion, the VRF and the map proof) and\nkeeps the answer for --lookup-cache. An answer that does not hold is an\nalarm: 'ternctl: ALARM: WHAT: WHY', exit status 3.",
		.help =
		"Options:\n"
		SOCKET_HELP
		"      --fresh      ask the directory, not ternd's cache\n"
		"  -j, --json       print a JSON object\n"
		"  -h, --help       show this help\n",
		.run = resolve_run,
	},
};

static void b64str(const ProtobufCBinaryData *b, char *out)
{
	b64_encode(b->data, b->len, out);
}

static void print_json(const char *handle, const Tern__CtlLookupReply *l)
{
	char h[HEX_LEN(32)], b[B64_LEN(32) + 1];
	struct json j;
	size_t i;

	json_init(&j, stdout, true);
	json_obj_begin(&j);
	json_kv_str(&j, "handle", handle);
	json_kv_bool(&j, "present", l->present);
	if (l->present) {
		b64str(&l->account_key, b);
		json_kv_str(&j, "account-key", b);
		json_kv_u64(&j, "seq", l->seq);
	}
	json_kv_u64(&j, "head", l->head_size);
	json_kv_u64(&j, "head-ms", l->head_ms);
	json_kv_bool(&j, "cached", l->cached);
	json_kv_u64(&j, "age-ms", l->age_ms);
	json_kv_arr(&j, "devices");
	for (i = 0; i < l->n_devices; i++) {
		const Tern__CtlDevice *d = l->devices[i];

		json_obj_begin(&j);
		hex_encode(d->device_id.data, d->device_id.len, h);
		json_kv_str(&j, "device-id", h);
		hex_encode(d->push_token.data, d->push_token.len, h);
		json_kv_str(&j, "push-token", h);
		b64str(&d->identity_key, b);
		json_kv_str(&j, "identity-key", b);
		b64str(&d->identity_x25519, b);
		json_kv_str(&j, "identity-x25519", b);
		json_kv_u64(&j, "signed-prekey-id", d->signed_prekey_id);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
}

static void print_text(const char *handle, const Tern__CtlLookupReply *l)
{
	char h[HEX_LEN(32)], t[HEX_LEN(32)], how[64];
	size_t i;

	if (l->cached)
		snprintf(how, sizeof(how), ", cached %" PRIu64 " s ago",
			 l->age_ms / 1000);
	else
		how[0] = '\0';
	if (!l->present) {
		printf("%s: not registered (verified under head %" PRIu64 "%s)\n",
		       handle, l->head_size, how);
		return;
	}
	printf("%s: %zu device%s (verified under head %" PRIu64 "%s)\n",
	       handle, l->n_devices, l->n_devices == 1 ? "" : "s",
	       l->head_size, how);
	for (i = 0; i < l->n_devices; i++) {
		const Tern__CtlDevice *d = l->devices[i];

		if (d->device_id.len > 32 || d->push_token.len > 32)
			continue;
		hex_encode(d->device_id.data, d->device_id.len, h);
		hex_encode(d->push_token.data, d->push_token.len, t);
		printf("  %s push-token %s\n", h, t);
	}
}

/* The reply must hold what the printers read. */
static bool reply_ok(const Tern__CtlLookupReply *l)
{
	size_t i;

	if (l->present && l->account_key.len != 32)
		return false;
	for (i = 0; i < l->n_devices; i++) {
		const Tern__CtlDevice *d = l->devices[i];

		if (d->device_id.len != 16 || d->push_token.len != 16 ||
		    d->identity_key.len != 32 || d->identity_x25519.len != 32)
			return false;
	}
	return true;
}

static int resolve_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "fresh", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlLookup q = TERN__CTL_LOOKUP__INIT;
	const char *sock = NULL, *why;
	bool json = false;
	Tern__CtlReply *r;
	int c, fd, status;

	optind = 0;
	while ((c = getopt_long(argc, argv, "S:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			sock = optarg;
			break;
		case 'F':
			q.fresh = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0],
					   &ternctl_resolve_group.self);
			return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return ternctl_usage(argv[0], "one handle, please");
	why = handle_why(argv[optind]);
	if (why)
		return ternctl_usage(argv[0], "the handle %s", why);
	q.handle = argv[optind];
	req.req_case = TERN__CTL_REQUEST__REQ_LOOKUP;
	req.lookup = &q;
	fd = dev_connect(dev_socket_path(sock));
	if (fd < 0)
		return EXIT_RUNTIME;
	if (dev_send(fd, &req)) {
		close(fd);
		return EXIT_RUNTIME;
	}
	r = dev_recv(fd, false, &status);
	close(fd);
	if (!r)
		return status;
	if (r->error == -EBADMSG && !strncmp(r->detail, "ALARM: ", 7)) {
		fprintf(stderr, "ternctl: %s\n", r->detail);
		status = EXIT_ALARM;
	} else if (r->error) {
		status = dev_reply_error("resolve", r);
	} else if (!r->lookup || !reply_ok(r->lookup)) {
		status = ternctl_error("resolve: ternd's reply does not hold a lookup");
	} else {
		status = 0;
		if (json)
			print_json(argv[optind], r->lookup);
		else
			print_text(argv[optind], r->lookup);
	}
	tern__ctl_reply__free_unpacked(r, NULL);
	return status;
}
