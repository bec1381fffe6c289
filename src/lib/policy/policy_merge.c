/* policy_merge.c — layering one loaded policy on top of another, all or
 * nothing. Loads parse into a fresh policy and merge into a copy of the
 * caller's, which replaces it only when the combination validates: a failed
 * load never leaves the caller's policy changed (no field-by-field rollback
 * to forget a field in, as kill_after once was).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/policy_internal.h"
#include "policy/sup_rules.h"

/* The rule vectors a file adds to. A new vector field of struct
 * ward_policy is one more X(name) here; a new scalar needs nothing for the
 * rollback (the merge works on a copy) and one line in merge_scalars(). */
#define POLICY_VECS(X)                                                                     \
	X(fs)                                                                              \
	X(fs_globs)                                                                        \
	X(net) X(bind) X(exec) X(env_set) X(env_unset) X(env_pass) X(hosts) X(env_set_loc) \
		X(env_unset_loc) X(env_pass_loc) X(unix_allow)

#define GROW_FOR(dst, src)                                                      \
	vec_grow_((void **)&(dst)->items, &(dst)->cap, (dst)->len + (src)->len, \
		  sizeof(*(dst)->items))

#define APPEND(dst, src)                                                \
	do {                                                            \
		if ((src)->len)                                         \
			memcpy((dst)->items + (dst)->len, (src)->items, \
			       (src)->len * sizeof(*(src)->items));     \
		(dst)->len += (src)->len;                               \
	} while (0)

/* Makes room in DST for SRC's rules: only capacity changes, never content,
 * so a failure (or a later failed validation) leaves DST as it was. */
static int reserve(struct ward_policy *dst, const struct ward_policy *src)
{
#define X(name)                                   \
	if (GROW_FOR(&dst->name, &src->name) < 0) \
		return -ENOMEM;
	POLICY_VECS(X)
#undef X
	if (GROW_FOR(&dst->interned, &src->interned) < 0)
		return -ENOMEM;
	if (dst->supervisor && src->supervisor &&
	    GROW_FOR(&dst->supervisor->exec_argv, &src->supervisor->exec_argv) < 0)
		return -ENOMEM;
	return 0;
}

/* What SRC sets overrides DST (NEXT is DST's copy). */
static void merge_scalars(struct ward_policy *next, const struct ward_policy *src,
			  unsigned set_mask)
{
	for (int i = 0; i < WARD_LIMIT_COUNT_; i++)
		if (src->limits[i].set)
			next->limits[i] = src->limits[i];
	if (src->kill_after.set)
		next->kill_after = src->kill_after;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++)
		if (src->quotas[i].set)
			next->quotas[i] = src->quotas[i];
	if (set_mask & POLICY_SET_MODE)
		next->mode = src->mode;
	if (set_mask & POLICY_SET_PRIVATE_TMP)
		next->private_tmp = src->private_tmp;
	if (set_mask & POLICY_SET_CLEAN_ENV)
		next->clean_env = src->clean_env;
	if (set_mask & POLICY_SET_DROP_SECRETS)
		next->drop_secret_env = src->drop_secret_env;
	next->degraded |= src->degraded;
	next->ns_flags |= src->ns_flags;
	next->isolate |= src->isolate;
	next->ns_share |= src->ns_share;
	if (src->tmp_size)
		next->tmp_size = src->tmp_size;
	next->tmp_noexec |= src->tmp_noexec;
	if (src->cwd)
		next->cwd = src->cwd;
	if (src->hostname) {
		next->hostname = src->hostname;
		next->hostname_loc = src->hostname_loc;
	}
}

/* Merges SRC into a copy of DST, validates the copy, and only then swaps it
 * in: a failed merge leaves DST byte-for-byte unchanged (its digest too;
 * tests/fuzz/fuzz_policy.c checks it), whatever fields policies grow. The
 * copy shares DST's vector buffers, appending past DST's lengths into room
 * reserved beforehand, so DST's view of them never changes. */
int policy_absorb(struct ward_policy *dst, struct ward_policy *src, unsigned set_mask,
		  ward_error *err)
{
	if (reserve(dst, src) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	const bool moves_argv = src->supervisor && src->supervisor->exec_argv.len;
	struct sup_policy *created = NULL; /* the copy's own, when DST has none */

	struct ward_policy next = *dst;
	if (moves_argv && !next.supervisor) {
		if (!(created = sup_policy_get(&next)) ||
		    GROW_FOR(&created->exec_argv, &src->supervisor->exec_argv) < 0) {
			sup_policy_free(created);
			return ward_fail(err, -ENOMEM, "out of memory");
		}
	}
	struct sup_policy next_sup; /* DST's supervisor data, as the copy sees it */
	if (moves_argv && !created) {
		next_sup = *dst->supervisor;
		next.supervisor = &next_sup;
	}
#define X(name) APPEND(&next.name, &src->name);
	POLICY_VECS(X)
#undef X
	if (moves_argv) /* after DST's own: an extended file's rules come first */
		APPEND(&next.supervisor->exec_argv, &src->supervisor->exec_argv);
	merge_scalars(&next, src, set_mask);

	int r = policy_validate(&next, err);
	if (r < 0) {
		if (created) {
			created->exec_argv.len = 0; /* SRC still owns the rules */
			sup_policy_free(created);
		}
		return r;
	}

	/* Swap, then commit: DST owns what it took. The interned names move
	 * too, because the moved rules' locations point into them. */
	char *old_cwd = dst->cwd, *old_hostname = dst->hostname;
	if (moves_argv && !created) {
		*dst->supervisor = next_sup;
		next.supervisor = dst->supervisor;
	}
	*dst = next;
	APPEND(&dst->interned, &src->interned);
#define X(name) src->name.len = 0;
	POLICY_VECS(X)
#undef X
	src->interned.len = 0;
	if (moves_argv)
		src->supervisor->exec_argv.len = 0;
	if (src->cwd && old_cwd != src->cwd) {
		free(old_cwd);
		src->cwd = NULL;
	}
	if (src->hostname && old_hostname != src->hostname) {
		free(old_hostname);
		src->hostname = NULL;
	}
	return 0;
}
