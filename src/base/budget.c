// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * budget.c - the memory budget (see budget.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

/* The limit is a CLI option; the account belongs to it. */
static uint64_t budget_limit = KSTEP_BUDGET_DEFAULT;
static uint64_t budget_used;

int kstep_budget_parse(const char *text, uint64_t *bytes)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!text || !isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*bytes = (uint64_t)v << shift;
	return 0;
}

void kstep_budget_set(uint64_t bytes)
{
	budget_limit = bytes;
}

uint64_t kstep_budget_limit(void)
{
	return budget_limit;
}

uint64_t kstep_budget_used(void)
{
	return budget_used;
}

const char *kstep_budget_fmt(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " bytes", n);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, units[u]);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int kstep_budget_charge(uint64_t n, const char *what, char *err, size_t errlen)
{
	char a[32], b[32], c[32];

	if (n <= budget_limit && budget_used <= budget_limit - n) {
		budget_used += n;
		return 0;
	}
	snprintf(err, errlen, "too big for the memory budget of %s: %s claims %s, with %s already "
		 "in use (a damaged or hostile file; if the file is real, raise the budget: "
		 "kstep --max-memory SIZE COMMAND ...)", kstep_budget_fmt(budget_limit, c, sizeof(c)),
		 what, kstep_budget_fmt(n, a, sizeof(a)), kstep_budget_fmt(budget_used, b, sizeof(b)));
	return -1;
}

void kstep_budget_release(uint64_t n)
{
	budget_used = n > budget_used ? 0 : budget_used - n;
}
