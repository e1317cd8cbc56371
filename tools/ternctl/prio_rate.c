// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl prio: rates. "1mbit", "1.5mbit", "800kbit": a decimal number
 * and a unit, bit, kbit, mbit, gbit or tbit, in SI steps of 1000 as tc
 * counts them. The unit is required: tc reads a bare number as bit/s and
 * other tools as bytes/s, and "mbps" is ambiguous the same way. And what
 * follows from a rate: the GSO bound (Documentation/prio.rst, "GSO").
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "prio.h"

static const struct {
	const char *name;
	uint64_t mul;
} units[] = {
	{ "tbit", 1000000000000ULL },
	{ "gbit", 1000000000ULL },
	{ "mbit", 1000000ULL },
	{ "kbit", 1000ULL },
	{ "bit", 1ULL },
};

#define NUNITS	(sizeof(units) / sizeof(units[0]))
#define UNITS	"expected a number and bit, kbit, mbit, gbit or tbit, as in 1mbit"

/* v * 10 + d, or false on overflow. */
static bool acc(uint64_t *v, unsigned int d)
{
	if (*v > (UINT64_MAX - d) / 10)
		return false;
	*v = *v * 10 + d;
	return true;
}

/*
 * Returns NULL with *bps set, or why @s was refused, as the end of a
 * sentence "rate 'S' ...".
 */
const char *prio_parse_rate(const char *s, uint64_t *bps)
{
	uint64_t ip = 0, fp = 0, fdiv = 1, mul = 0, v;
	const char *p = s;
	bool digits = false;
	size_t i;

	if (!*p)
		return "is empty (" UNITS ")";
	if (*p == '-')
		return "is negative";
	for (; isdigit((unsigned char)*p); p++, digits = true)
		if (!acc(&ip, *p - '0'))
			return "is too large (at most 1tbit)";
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits = true) {
			/* Digits past 10^-12 cannot make whole bits. */
			if (fdiv >= 1000000000000ULL) {
				if (*p != '0')
					return "is not a whole number of bit/s";
				continue;
			}
			acc(&fp, *p - '0');
			fdiv *= 10;
		}
	}
	if (!digits)
		return "is not a number (" UNITS ")";
	if (!*p)
		return "has no unit (" UNITS ")";
	for (i = 0; i < NUNITS; i++)
		if (!strcasecmp(p, units[i].name))
			mul = units[i].mul;
	if (!mul) {
		for (i = 0; p[i]; i++)
			if (!isalpha((unsigned char)p[i]))
				return "is not a number (" UNITS ")";
		return "has an unknown unit (" UNITS ")";
	}
	if (ip > PRIO_RATE_MAX / mul)
		return "is too large (at most 1tbit)";
	v = ip * mul;
	/* fp < fdiv <= 10^12 and mul <= 10^12: split to stay in 64 bits. */
	if (fp) {
		uint64_t whole = mul / fdiv, part;

		if (whole) {
			part = fp * whole;
		} else {
			if (fp % (fdiv / mul))
				return "is not a whole number of bit/s";
			part = fp / (fdiv / mul);
		}
		v += part;
	}
	if (!v)
		return "is 0";
	if (v > PRIO_RATE_MAX)
		return "is too large (at most 1tbit)";
	if (v < PRIO_RATE_MIN)
		return "is too small (at least 8kbit)";
	*bps = v;
	return NULL;
}

/* The largest unit that gives a whole number: "1mbit", "1500kbit". */
void prio_fmt_rate(char *buf, size_t size, uint64_t bps)
{
	size_t i;

	for (i = 0; i < NUNITS - 1; i++)
		if (bps && bps % units[i].mul == 0)
			break;
	snprintf(buf, size, "%" PRIu64 "%s", bps / units[i].mul,
		 units[i].name);
}

/*
 * The most segments a GSO packet may have so that it takes at most
 * PRIO_GSO_BUDGET_US at @rate: at least 1, at most @max (what the device
 * allowed before; 0 when unknown).
 */
uint32_t prio_gso_segs_for(uint64_t rate, unsigned int mtu, uint32_t max)
{
	uint64_t bytes = rate / 8 * PRIO_GSO_BUDGET_US / 1000000;
	uint64_t segs = bytes / ((mtu ? mtu : 1500) + 14);

	if (segs < 1)
		segs = 1;
	if (max && segs > max)
		segs = max;
	if (segs > UINT16_MAX)
		segs = UINT16_MAX;
	return segs;
}
