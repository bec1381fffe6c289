/* test_bpf_pinset.c — the shared load-or-reuse path of the accounting
 * objects' pins (bpf_pin.c), driven with a temporary directory for bpffs and
 * callbacks that make plain files for pins: so the path that a host
 * refusing fexit never runs (test_quota_file.sh skips there) is still
 * checked. Needs no privilege and no BPF.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf/bpf_internal.h"
#include "core/cleanup.h"

static const char *const names[] = {"prog", "map"};
static const unsigned char object[] = "not an ELF: hashed whole";

struct fake {
	int loads;
	int load_error;	 /* LOAD's answer; 0 pins both */
	bool stale_seen; /* LOAD found a pin left over */
};

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

/* Reused only when every pin is there; answers a number >= 0 like an fd. */
static int fake_open(const struct bpf_pinset *set, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < set->count; i++)
		if (!exists(set->path[i]))
			return -ENOENT;
	return 7;
}

static int fake_load(const struct bpf_pinset *set, void *ctx)
{
	struct fake *f = ctx;
	f->loads++;
	for (size_t i = 0; i < set->count; i++)
		if (exists(set->path[i]))
			f->stale_seen = true;
	touch(set->path[0]); /* a load that fails halfway leaves a pin */
	if (f->load_error)
		return f->load_error;
	touch(set->path[1]);
	return 0;
}

static char *make_root(void)
{
	char *root = strdup("/tmp/ward-pinset.XXXXXX");
	assert_non_null(root);
	assert_non_null(mkdtemp(root));
	return root;
}

static void remove_root(char *root)
{
	bpf_pinset_unpin_all(root, "acct", names, ARRAY_SIZE(names));
	bpf_pinset_unpin_all(root, "facct", names, ARRAY_SIZE(names));
	assert_int_equal(rmdir(root), 0); /* nothing else was made there */
	free(root);
}

static void test_dir_is_named_by_kind_layout_and_fingerprint(void **state)
{
	(void)state;
	struct bpf_pinset a, b;
	bpf_pinset_init(&a, "/r", "acct", 3, object, sizeof(object), names, ARRAY_SIZE(names));
	char want[256];
	snprintf(want, sizeof(want), "/r/acct-v3-%016llx",
		 (unsigned long long)bpf_elf_fingerprint(object, sizeof(object)));
	assert_string_equal(a.dir, want);
	snprintf(want, sizeof(want), "%s/map", a.dir);
	assert_string_equal(a.path[1], want);
	bpf_pinset_init(&b, "/r", "acct", 3, object, sizeof(object) - 2, names, ARRAY_SIZE(names));
	assert_string_not_equal(a.dir, b.dir); /* another build: other pins */
}

static void test_loads_once_then_reuses(void **state)
{
	(void)state;
	char *root = make_root();
	struct bpf_pinset set;
	bpf_pinset_init(&set, root, "acct", 1, object, sizeof(object), names, ARRAY_SIZE(names));
	struct fake f = {0};
	assert_int_equal(bpf_pinset_get(&set, root, fake_open, fake_load, &f), 7);
	assert_int_equal(f.loads, 1);
	assert_int_equal(bpf_pinset_get(&set, root, fake_open, fake_load, &f), 7);
	assert_int_equal(f.loads, 1); /* the pins were reused */
	remove_root(root);
}

static void test_leftover_pins_are_removed_before_loading(void **state)
{
	(void)state;
	char *root = make_root();
	struct bpf_pinset set;
	bpf_pinset_init(&set, root, "acct", 1, object, sizeof(object), names, ARRAY_SIZE(names));
	assert_int_equal(mkdir(set.dir, 0700), 0);
	touch(set.path[1]); /* half a set: not reusable */
	struct fake f = {0};
	assert_int_equal(bpf_pinset_get(&set, root, fake_open, fake_load, &f), 7);
	assert_int_equal(f.loads, 1);
	assert_false(f.stale_seen);
	remove_root(root);
}

static void test_failed_load_answers_its_error_and_leaves_no_pin(void **state)
{
	(void)state;
	char *root = make_root();
	struct bpf_pinset set;
	bpf_pinset_init(&set, root, "facct", 2, object, sizeof(object), names, ARRAY_SIZE(names));
	struct fake f = {.load_error = -EPERM};
	assert_int_equal(bpf_pinset_get(&set, root, fake_open, fake_load, &f), -EPERM);
	assert_false(exists(set.path[0]));
	assert_false(exists(set.path[1]));
	remove_root(root);
}

static void test_unpin_all_takes_only_its_kind(void **state)
{
	(void)state;
	char *root = make_root();
	struct bpf_pinset acct, facct;
	bpf_pinset_init(&acct, root, "acct", 1, object, sizeof(object), names, ARRAY_SIZE(names));
	bpf_pinset_init(&facct, root, "facct", 1, object, sizeof(object), names, ARRAY_SIZE(names));
	struct fake f = {0};
	assert_int_equal(bpf_pinset_get(&acct, root, fake_open, fake_load, &f), 7);
	assert_int_equal(bpf_pinset_get(&facct, root, fake_open, fake_load, &f), 7);
	bpf_pinset_unpin_all(root, "acct", names, ARRAY_SIZE(names));
	assert_false(exists(acct.dir));
	assert_true(exists(facct.path[0]) && exists(facct.path[1]));
	remove_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_is_named_by_kind_layout_and_fingerprint),
		cmocka_unit_test(test_loads_once_then_reuses),
		cmocka_unit_test(test_leftover_pins_are_removed_before_loading),
		cmocka_unit_test(test_failed_load_answers_its_error_and_leaves_no_pin),
		cmocka_unit_test(test_unpin_all_takes_only_its_kind),
	};
	return cmocka_run_group_tests_name("bpf_pinset", tests, NULL, NULL);
}
