// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl helpers: errors, strict number parsing, opening the library.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ternctl.h"

void ternctl_print_help(FILE *f, const char *prog,
			const struct ternctl_cmd *cmd)
{
	fprintf(f, "Usage: %s%s%s\n\n%s\n", prog,
		cmd->synopsis[0] ? " " : "", cmd->synopsis, cmd->summary);
	if (cmd->help && cmd->help[0])
		fprintf(f, "\n%s", cmd->help);
}

int ternctl_usage(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

int ternctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ternctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

/* Strict unsigned parsing: decimal or 0x-prefixed hex, nothing else.
 * Returns NULL, or why @s was refused.
 */
const char *ternctl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	unsigned int base = 10, d;

	if (!*p)
		return "is empty";
	if (*p == '-')
		return "is negative";
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return "is not a number";
	}
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			return "is not a number";
		if (v > (UINT64_MAX - d) / base)
			return "is too large";
		v = v * base + d;
	}
	if (v > max)
		return "is too large";
	*out = v;
	return NULL;
}

int ternctl_parse_u32_opt(const char *prog, const char *opt, const char *s,
			  uint32_t *out)
{
	const char *why;
	uint64_t v;

	why = ternctl_parse_u64(s, UINT32_MAX, &v);
	if (why)
		return ternctl_usage(prog,
				     "invalid value '%s' for %s: it %s (expected a whole number from 0 to %" PRIu32 ")",
				     s, opt, why, UINT32_MAX);
	*out = v;
	return 0;
}

int ternctl_parse_id(const char *prog, const char *s, uint32_t *id)
{
	const char *why;
	uint64_t v;

	why = ternctl_parse_u64(s, UINT32_MAX, &v);
	if (!why && !v)
		why = "is 0";
	if (why)
		return ternctl_usage(prog,
				     "invalid connection id '%s': it %s (expected a whole number from 1 to %" PRIu32 ")",
				     s, why, UINT32_MAX);
	*id = v;
	return 0;
}

int ternctl_check_tag(const char *prog, const char *tag)
{
	if (!tag[0])
		return ternctl_usage(prog, "the owner tag is empty");
	if (strlen(tag) >= TERN_OWNER_TAG_MAX)
		return ternctl_usage(prog,
				     "owner tag '%s' is longer than %d bytes",
				     tag, TERN_OWNER_TAG_MAX - 1);
	return 0;
}

/* Owner tags are printed as one token: bytes other than printable ASCII,
 * the space and the backslash become \xNN; an empty tag is "-".
 */
const char *ternctl_fmt_tag(char *buf, size_t size, const char *tag)
{
	const unsigned char *p = (const unsigned char *)tag;
	size_t o = 0;

	if (!*p)
		snprintf(buf, size, "-");
	for (; *p && o + 5 <= size; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '\\')
			buf[o++] = *p;
		else
			o += snprintf(buf + o, size - o, "\\x%02x", *p);
	}
	if (o < size && tag[0])
		buf[o] = '\0';
	return buf;
}

struct tern_nl *ternctl_open(void)
{
	struct tern_nl *nl;
	int err;

	err = tern_nl_open(&nl);
	if (!err)
		return nl;
	switch (-err) {
	case ENOENT:
		ternctl_error("tern.ko is not loaded (genetlink family \"%s\" not found)",
			      TERN_FAMILY_NAME);
		break;
	case EPERM:
	case EACCES:
		ternctl_error("permission denied opening a netlink socket: %s",
			      strerror(-err));
		break;
	default:
		ternctl_error("cannot open a generic netlink socket: %s",
			      strerror(-err));
	}
	exit(EXIT_RUNTIME);
}

/* Report a failed request. Without an explanation from the kernel, name
 * the usual causes.
 */
int ternctl_fail(struct tern_nl *nl, int err, const char *what,
		 const uint32_t *conn_id)
{
	const char *msg = tern_nl_error(nl);
	bool plain = !strcmp(msg, strerror(-err));

	if (err == -EPERM && plain)
		return ternctl_error("%s: permission denied: CAP_NET_ADMIN is needed (in the user namespace of the network namespace)",
				     what);
	if (err == -EPERM)
		return ternctl_error("%s: permission denied (CAP_NET_ADMIN is needed): %s",
				     what, msg);
	if (err == -ENOENT && conn_id && plain)
		return ternctl_error("%s: no connection %" PRIu32, what,
				     *conn_id);
	if (err == -ENOENT && conn_id)
		return ternctl_error("%s: no connection %" PRIu32 " (%s)",
				     what, *conn_id, msg);
	return ternctl_error("%s: %s", what, msg);
}

int ternctl_simple_opts(int argc, char **argv, const struct ternctl_cmd *cmd,
			bool *json, int *status)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*status = 0;
	while ((c = getopt_long(argc, argv, json ? "jh" : "h",
				json ? opts : opts + 1, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], cmd);
			return -1;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			*status = EXIT_USAGE;
			return -1;
		}
	}
	return optind;
}
