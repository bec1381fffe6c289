/* test_parse_units.c — sizes, durations, percents and counts as users write
 * them, and every way to get them wrong (overflow must be an error, never a
 * wrapped or truncated value).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy/policy.h"

static uint64_t size_of(const char *text)
{
	uint64_t value = 0;
	assert_int_equal(parse_size(text, &value), 0);
	return value;
}

static void test_sizes_binary_and_decimal_units(void **state)
{
	assert_int_equal(size_of("1048576"), 1048576);
	assert_int_equal(size_of("512M"), 512ull << 20);
	assert_int_equal(size_of("512MiB"), 512ull << 20);
	assert_int_equal(size_of("1G"), 1ull << 30);
	assert_int_equal(size_of("2T"), 2ull << 40);
	assert_int_equal(size_of("4K"), 4096);
	assert_int_equal(size_of("4KiB"), 4096);
	assert_int_equal(size_of("4KB"), 4000);
	assert_int_equal(size_of("3MB"), 3000000);
	assert_int_equal(size_of("1GB"), 1000000000);
	assert_int_equal(size_of("1.5G"), 3ull << 29);
	assert_int_equal(size_of("0.5M"), 512 * 1024);
	assert_int_equal(size_of("1m"), 1ull << 20); /* the letter is case-insensitive */
	assert_int_equal(size_of("16B"), 16);
	assert_int_equal(size_of("0"), 0);
}

static void test_sizes_rejected(void **state)
{
	uint64_t value = 42;
	const char *bad[] = {"",    "12Q", "-5M", "M",	 "1.5",	 "1.G",	  ".5G",
			     " 1G", "1G ", "1 G", "1e9", "0x10", "1..5G", "1.5.5G"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_size(bad[i], &value), -EINVAL);
		assert_int_equal(value, 42);
	}
	assert_int_equal(parse_size(NULL, &value), -EINVAL);
}

static void test_size_overflow_is_erange(void **state)
{
	uint64_t value = 42;
	assert_int_equal(parse_size("99999999999999999999G", &value), -ERANGE);
	assert_int_equal(parse_size("99999999999999999999", &value), -ERANGE);
	assert_int_equal(parse_size("16777216T", &value), -ERANGE); /* 2^64 */
	assert_int_equal(value, 42);
	assert_int_equal(parse_size("16777215T", &value), 0);
	assert_int_equal(value, 16777215ull << 40);
	assert_int_equal(parse_size("18446744073709551615", &value), 0);
	assert_true(value == UINT64_MAX);
}

static void test_durations(void **state)
{
	uint64_t ms = 0;
	assert_int_equal(parse_duration_ms("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(parse_duration_ms("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(parse_duration_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(parse_duration_ms("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(parse_duration_ms("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(parse_duration_ms("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(parse_duration_ms("0", &ms), 0); /* the caller rejects zero */
	assert_int_equal(ms, 0);
}

static void test_durations_rejected(void **state)
{
	uint64_t ms = 7;
	const char *bad[] = {"", "s", "10x", "10 s", "-1s", "1d", "10parsecs", "1.s"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_duration_ms(bad[i], &ms), -EINVAL);
	assert_int_equal(parse_duration_ms("99999999999999999999h", &ms), -ERANGE);
	assert_int_equal(parse_duration_ms("18446744073709552s", &ms), -ERANGE);
	assert_int_equal(ms, 7);
}

static void test_percents(void **state)
{
	uint64_t pct = 0;
	assert_int_equal(parse_percent("50", &pct), 0);
	assert_int_equal(pct, 50);
	assert_int_equal(parse_percent("50%", &pct), 0);
	assert_int_equal(pct, 50);
	assert_int_equal(parse_percent("250%", &pct), 0);
	assert_int_equal(pct, 250);
	assert_int_equal(parse_percent("100000%", &pct), 0);
	assert_int_equal(pct, 100000);
}

static void test_percents_rejected(void **state)
{
	uint64_t pct = 9;
	assert_int_equal(parse_percent("0%", &pct), -ERANGE);
	assert_int_equal(parse_percent("100001", &pct), -ERANGE);
	assert_int_equal(parse_percent("99999999999999999999999999999999999%", &pct), -ERANGE);
	assert_int_equal(parse_percent("", &pct), -EINVAL);
	assert_int_equal(parse_percent("%", &pct), -EINVAL);
	assert_int_equal(parse_percent("fifty", &pct), -EINVAL);
	assert_int_equal(parse_percent("50%%", &pct), -EINVAL);
	assert_int_equal(parse_percent("12.5%", &pct), -EINVAL);
	assert_int_equal(parse_percent("-5%", &pct), -EINVAL);
	assert_int_equal(parse_percent("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &pct), -EINVAL);
	assert_int_equal(pct, 9);
}

static void test_counts(void **state)
{
	uint64_t n = 0;
	assert_int_equal(parse_count("1", 10, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(parse_count("4194304", 4194304, &n), 0);
	assert_int_equal(n, 4194304);
	assert_int_equal(parse_count("0", 10, &n), -ERANGE);
	assert_int_equal(parse_count("11", 10, &n), -ERANGE);
	assert_int_equal(parse_count("99999999999999999999999", UINT64_MAX, &n), -ERANGE);
	assert_int_equal(parse_count("", 10, &n), -EINVAL);
	assert_int_equal(parse_count("+5", 10, &n), -EINVAL);
	assert_int_equal(parse_count(" 5", 10, &n), -EINVAL);
	assert_int_equal(parse_count("5 ", 10, &n), -EINVAL);
	assert_int_equal(parse_count("-1", 10, &n), -EINVAL);
	assert_int_equal(parse_count("0x5", 10, &n), -EINVAL);
	assert_int_equal(n, 4194304);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_binary_and_decimal_units),
		cmocka_unit_test(test_sizes_rejected),
		cmocka_unit_test(test_size_overflow_is_erange),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_durations_rejected),
		cmocka_unit_test(test_percents),
		cmocka_unit_test(test_percents_rejected),
		cmocka_unit_test(test_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
