/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handles: "local@domain", lowercase ASCII, at most 254 bytes
 * (Documentation/directory.rst, "The HTTP API"). Validation only: a
 * handle is never normalized, so what was signed is what is looked up.
 */
#ifndef TERN_HANDLE_H
#define TERN_HANDLE_H

#define HANDLE_MAX	254

/*
 * NULL when @s is a valid handle, else why not ("is empty", "has no '@'",
 * "is longer than 254 bytes", "has a local part longer than 64 bytes",
 * "has an upper-case letter: handles are lower case", "has a character
 * outside a-z 0-9 . _ + - in its local part", "has a domain without a
 * dot", "has an empty domain label", "has a domain label starting or
 * ending with '-'", ...).
 */
const char *handle_why(const char *s);

#endif /* TERN_HANDLE_H */
