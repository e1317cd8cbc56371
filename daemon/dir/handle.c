// SPDX-License-Identifier: GPL-2.0
/*
 * Handle validation (handle.h): "local@domain" as
 * Documentation/directory.rst defines it, "The HTTP API". A handle is
 * checked, never rewritten; the reasons below are part of the API's error
 * messages, so each names one rule.
 */
#include <stdbool.h>
#include <string.h>

#include "handle.h"

#define HANDLE_LOCAL_MAX	64

static bool is_lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_local_char(char c)
{
	return is_lower_digit(c) || c == '.' || c == '_' || c == '+' ||
	       c == '-';
}

/* The domain part, @d (not empty): dot-separated labels. */
static const char *domain_why(const char *d)
{
	const char *label = d, *p;
	bool dot = false;

	for (p = d;; p++) {
		if (*p == '.' || !*p) {
			if (p == label)
				return "has an empty domain label";
			if (label[0] == '-' || p[-1] == '-')
				return "has a domain label starting or ending with '-'";
			if (!*p)
				break;
			dot = true;
			label = p + 1;
			continue;
		}
		if (!is_lower_digit(*p) && *p != '-')
			return "has a character outside a-z 0-9 - . in its domain";
	}
	if (!dot)
		return "has a domain without a dot";
	return NULL;
}

const char *handle_why(const char *s)
{
	const char *at, *p;
	size_t len;

	if (!s || !*s)
		return "is empty";
	len = strnlen(s, HANDLE_MAX + 1);
	if (len > HANDLE_MAX)
		return "is longer than 254 bytes";
	for (p = s; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			return "has an upper-case letter: handles are lower case";
	}
	at = strchr(s, '@');
	if (!at)
		return "has no '@'";
	if (strchr(at + 1, '@'))
		return "has more than one '@'";
	if (at == s)
		return "has an empty local part";
	if (at - s > HANDLE_LOCAL_MAX)
		return "has a local part longer than 64 bytes";
	for (p = s; p < at; p++) {
		if (!is_local_char(*p))
			return "has a character outside a-z 0-9 . _ + - in its local part";
	}
	if (!at[1])
		return "has an empty domain";
	return domain_why(at + 1);
}
