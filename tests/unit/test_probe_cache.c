/* test_probe_cache.c — the per-boot record of host probes (host/probe_cache.c)
 * and the cgroup mounts kept in it (host/cgroup_probe.c): an answer from the
 * record is the one a fresh probe gives; a record whose mounts no longer
 * hold, or of another mount namespace, is re-probed; a record anyone but
 * root could have written is never read. Root only for the file checks
 * (the record lives in root's /run/ward); the probe checks run as anyone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/cgroup_probe.h"
#include "host/features.h"
#include "host/probe_cache.h"

#define RECORD_PATH "/run/ward/host-probe.v3"

/* The fields cgroup_probe fills, with root as the probe sees it. */
static void fresh(struct host_features *f)
{
	memset(f, 0, sizeof(*f));
	f->root = geteuid() == 0;
}

static void assert_same_cgroups(const struct host_features *a, const struct host_features *b)
{
	assert_int_equal(a->cgroup_layout, b->cgroup_layout);
	assert_string_equal(a->cgroup_v2_mount, b->cgroup_v2_mount);
	assert_int_equal(a->cgroup_v2_usable, b->cgroup_v2_usable);
	assert_string_equal(a->cgroup_v2_base, b->cgroup_v2_base);
	assert_string_equal(a->cgroup_v2_why, b->cgroup_v2_why);
	assert_int_equal(a->cgroup_kill, b->cgroup_kill);
	assert_int_equal(a->cgroup_freeze, b->cgroup_freeze);
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		assert_int_equal(a->controllers[c].available, b->controllers[c].available);
		assert_int_equal(a->controllers[c].usable, b->controllers[c].usable);
		assert_int_equal(a->controllers[c].v2, b->controllers[c].v2);
		assert_string_equal(a->controllers[c].mount, b->controllers[c].mount);
		assert_string_equal(a->controllers[c].why, b->controllers[c].why);
	}
}

/* Without a record, from a fresh record, and from the record it filled:
 * the same answer each time, and only the second reads mountinfo. */
static void test_cached_mounts_answer_as_a_fresh_probe(void **state)
{
	(void)state;
	struct host_features plain, first, again;
	struct probe_cached_cgroups cache;
	memset(&cache, 0, sizeof(cache));
	fresh(&plain);
	assert_false(cgroup_probe(&plain, NULL));
	fresh(&first);
	assert_true(cgroup_probe(&first, &cache)); /* nothing valid: probed, refilled */
	assert_same_cgroups(&plain, &first);
	if (!cache.valid) {
		/* Only root with a v2 tree keeps the mounts. */
		assert_true(geteuid() != 0 || !plain.cgroup_v2_mount[0]);
		printf("# skip: no cached mounts (not root, or no v2 tree)\n");
		skip();
	}
	assert_string_equal(cache.v2.path, plain.cgroup_v2_mount);
	fresh(&again);
	assert_false(cgroup_probe(&again, &cache)); /* answered from the record */
	assert_same_cgroups(&plain, &again);
}

/* A cached mount that is no longer the same superblock, or a record of
 * another mount namespace, is not used: the probe reads mountinfo again and
 * gives the fresh answer (here: the real one, not the cached lie). */
static void test_stale_mounts_are_probed_again(void **state)
{
	(void)state;
	struct host_features plain, got;
	struct probe_cached_cgroups cache, good;
	memset(&cache, 0, sizeof(cache));
	fresh(&plain);
	cgroup_probe(&plain, NULL);
	fresh(&got);
	cgroup_probe(&got, &cache);
	if (!cache.valid) {
		printf("# skip: no cached mounts (not root, or no v2 tree)\n");
		skip();
	}
	good = cache;

	/* The v2 tree "moved": its device differs from the cached one. */
	cache.v2.dev ^= 1;
	fresh(&got);
	assert_true(cgroup_probe(&got, &cache));
	assert_same_cgroups(&plain, &got);
	assert_int_equal(cache.v2.dev, good.v2.dev); /* refilled with the truth */

	/* A v1 hierarchy cached at a path that is not its mount now. */
	int v1 = -1;
	for (int c = 0; c < CG_CTRL_COUNT_ && v1 < 0; c++)
		if (good.v1[c].path[0])
			v1 = c;
	if (v1 >= 0) {
		cache = good;
		snprintf(cache.v1[v1].path, sizeof(cache.v1[v1].path), "/proc");
		fresh(&got);
		assert_true(cgroup_probe(&got, &cache));
		assert_same_cgroups(&plain, &got);
		assert_string_equal(cache.v1[v1].path, good.v1[v1].path);
	}

	/* Another mount namespace's record. */
	cache = good;
	cache.mntns_ino ^= 1;
	fresh(&got);
	assert_true(cgroup_probe(&got, &cache));
	assert_same_cgroups(&plain, &got);

	/* A cached lie about cgroup.kill is never taken for a stale record. */
	cache = good;
	cache.v2.ino ^= 1;
	cache.kill = !good.kill;
	fresh(&got);
	assert_true(cgroup_probe(&got, &cache));
	assert_int_equal(got.cgroup_kill, plain.cgroup_kill);
}

/* The record on disk: read back as written; refused when group or others
 * may write it (then a ward probes afresh and replaces it). */
static void test_record_file_trust(void **state)
{
	(void)state;
	struct probe_record rec;
	if (geteuid() != 0) {
		assert_false(probe_cache_read(&rec)); /* only root's record, only for root */
		return;
	}
	probe_cache_read(&rec);
	struct host_features f;
	fresh(&f);
	cgroup_probe(&f, &rec.cgroups);
	struct host_features b;
	host_features_probe(&b);
	probe_cache_bpf_put(&rec, &b);
	probe_cache_write(&rec);

	struct probe_record back;
	assert_true(probe_cache_read(&back));
	assert_memory_equal(&back, &rec, sizeof(rec));

	assert_int_equal(chmod(RECORD_PATH, 0664), 0);
	assert_false(probe_cache_read(&back));
	assert_int_equal(chmod(RECORD_PATH, 0646), 0);
	assert_false(probe_cache_read(&back));
	assert_int_equal(chmod(RECORD_PATH, 0644), 0);
	assert_int_equal(chown(RECORD_PATH, 65534, 0), 0);
	assert_false(probe_cache_read(&back));
	assert_int_equal(chown(RECORD_PATH, 0, 0), 0);
	assert_true(probe_cache_read(&back));

	/* Another boot's record is not this boot's. */
	rec.boot_id[0] ^= 1;
	probe_cache_write(&rec);
	assert_false(probe_cache_read(&back));
	probe_cache_forget();
	assert_false(probe_cache_read(&back));
	assert_int_equal(access(RECORD_PATH, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_mounts_answer_as_a_fresh_probe),
		cmocka_unit_test(test_stale_mounts_are_probed_again),
		cmocka_unit_test(test_record_file_trust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
