/* parse_units.c — the numbers of a policy: sizes, durations, percents and
 * counts, as written in YAML or on the command line. Pure functions: no
 * allocation, no messages. They must never accept a value they had to
 * truncate or wrap: overflow is -ERANGE, anything malformed -EINVAL.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"

struct unit {
	const char *suffix;
	uint64_t multiplier;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads "I" or "I.F" from [text, end) and multiplies by MULTIPLIER, rounding
 * down: "1.5" with 1024 is 1536. 128-bit arithmetic so no step can wrap. */
static int scale_decimal(const char *text, const char *end, uint64_t multiplier, uint64_t *out)
{
	unsigned __int128 whole = 0, frac = 0, frac_scale = 1;
	const char *p = text;
	size_t digits = 0;

	for (; p < end && is_digit(*p); p++, digits++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			return -ERANGE;
	}
	if (digits == 0)
		return -EINVAL;
	if (p < end && *p == '.') {
		size_t frac_digits = 0;
		for (p++; p < end && is_digit(*p); p++, frac_digits++) {
			/* 18 digits keep frac * multiplier (< 2^60 * 2^40) in 128 bits. */
			if (frac_digits >= 18)
				return -EINVAL;
			frac = frac * 10 + (unsigned)(*p - '0');
			frac_scale *= 10;
		}
		if (frac_digits == 0)
			return -EINVAL;
	}
	if (p != end)
		return -EINVAL;
	unsigned __int128 total = whole * multiplier + frac * multiplier / frac_scale;
	if (total > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)total;
	return 0;
}

/* Splits TEXT into a number and a unit suffix from UNITS (case-insensitive). */
static int parse_with_units(const char *text, const struct unit *units, size_t nunits,
			    uint64_t *out)
{
	if (!text)
		return -EINVAL;
	const char *suffix = text;
	while (is_digit(*suffix) || *suffix == '.')
		suffix++;
	for (size_t i = 0; i < nunits; i++) {
		if (strcasecmp(suffix, units[i].suffix) == 0)
			return scale_decimal(text, suffix, units[i].multiplier, out);
	}
	return -EINVAL;
}

int parse_size(const char *text, uint64_t *bytes_out)
{
	static const struct unit units[] = {
		{"", 1},
		{"B", 1},
		{"K", 1ull << 10},
		{"M", 1ull << 20},
		{"G", 1ull << 30},
		{"T", 1ull << 40},
		{"KiB", 1ull << 10},
		{"MiB", 1ull << 20},
		{"GiB", 1ull << 30},
		{"TiB", 1ull << 40},
		{"KB", 1000ull},
		{"MB", 1000ull * 1000},
		{"GB", 1000ull * 1000 * 1000},
		{"TB", 1000ull * 1000 * 1000 * 1000},
	};
	/* A fraction of a byte means nothing: "1.5" alone is an error. */
	if (text && strchr(text, '.')) {
		const char *suffix = text + strspn(text, "0123456789.");
		if (*suffix == '\0' || strcasecmp(suffix, "B") == 0)
			return -EINVAL;
	}
	return parse_with_units(text, units, sizeof(units) / sizeof(units[0]), bytes_out);
}

int parse_duration_ms(const char *text, uint64_t *ms_out)
{
	static const struct unit units[] = {
		{"", 1000}, {"s", 1000}, {"ms", 1}, {"m", 60 * 1000}, {"h", 3600 * 1000},
	};
	return parse_with_units(text, units, sizeof(units) / sizeof(units[0]), ms_out);
}

int parse_count(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t value = 0;
	const char *p = text;

	if (!text || !is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (value > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		value = value * 10 + digit;
	}
	if (*p != '\0')
		return -EINVAL;
	if (value < 1 || value > max)
		return -ERANGE;
	*out = value;
	return 0;
}

int parse_percent(const char *text, uint64_t *percent_out)
{
	char digits[32];
	size_t len = text ? strlen(text) : 0;

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(digits)) {
		/* A long run of digits overflowed; anything else is junk. */
		size_t ndigits = strspn(text, "0123456789");
		bool number = ndigits == len || (ndigits == len - 1 && text[len - 1] == '%');
		return number ? -ERANGE : -EINVAL;
	}
	memcpy(digits, text, len + 1);
	if (digits[len - 1] == '%')
		digits[len - 1] = '\0';
	return parse_count(digits, 100000, percent_out);
}
