/* policy_merge.c — layering one loaded policy on top of another, all or
 * nothing. Loads parse into a fresh policy and merge only when that
 * succeeded and the combination still validates, so a failed load must never
 * leave the caller's policy half-changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/policy_internal.h"
#include "supervisor/supervisor.h"

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

struct vec_lens {
	size_t fs, net, bind, exec, env_set, env_unset, exec_argv;
};

/* Of the supervisor data only the argv rules come from files: the callback
 * is set through the C API on the caller's policy and never moves. Makes
 * room in DST for SRC's rules; *CREATED says DST's sup_policy is new, so a
 * rollback frees it: a policy without argv rules keeps no sup_policy. */
static int reserve_exec_argv(struct ward_policy *dst, const struct ward_policy *src, bool *created)
{
	*created = false;
	if (!src->supervisor || !src->supervisor->exec_argv.len)
		return 0;
	if (!dst->supervisor) {
		if (!sup_policy_get(dst))
			return -ENOMEM;
		*created = true;
	}
	if (GROW_FOR(&dst->supervisor->exec_argv, &src->supervisor->exec_argv) < 0) {
		if (*created) {
			sup_policy_free(dst->supervisor);
			dst->supervisor = NULL;
		}
		return -ENOMEM;
	}
	return 0;
}

int policy_absorb(struct ward_policy *dst, struct ward_policy *src, unsigned set_mask,
		  ward_error *err)
{
	/* Reserve everything first: past this point nothing can fail but the
	 * validation, and that is undone by restoring lengths and scalars. */
	if (GROW_FOR(&dst->fs, &src->fs) < 0 || GROW_FOR(&dst->net, &src->net) < 0 ||
	    GROW_FOR(&dst->bind, &src->bind) < 0 || GROW_FOR(&dst->exec, &src->exec) < 0 ||
	    GROW_FOR(&dst->env_set, &src->env_set) < 0 ||
	    GROW_FOR(&dst->env_unset, &src->env_unset) < 0 ||
	    GROW_FOR(&dst->interned, &src->interned) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	bool sup_created;
	if (reserve_exec_argv(dst, src, &sup_created) < 0)
		return ward_fail(err, -ENOMEM, "out of memory");
	const bool moves_argv = src->supervisor && src->supervisor->exec_argv.len;

	struct vec_lens before = {
		dst->fs.len,
		dst->net.len,
		dst->bind.len,
		dst->exec.len,
		dst->env_set.len,
		dst->env_unset.len,
		dst->supervisor ? dst->supervisor->exec_argv.len : 0,
	};
	struct ward_policy saved = *dst; /* scalars only; the vectors are restored by length */

	APPEND(&dst->fs, &src->fs);
	APPEND(&dst->net, &src->net);
	APPEND(&dst->bind, &src->bind);
	APPEND(&dst->exec, &src->exec);
	APPEND(&dst->env_set, &src->env_set);
	APPEND(&dst->env_unset, &src->env_unset);
	if (moves_argv) /* after DST's own: an extended file's rules come first */
		APPEND(&dst->supervisor->exec_argv, &src->supervisor->exec_argv);
	for (int i = 0; i < WARD_LIMIT_COUNT_; i++)
		if (src->limits[i].set)
			dst->limits[i] = src->limits[i];
	if (src->kill_after.set)
		dst->kill_after = src->kill_after;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++)
		if (src->quotas[i].set)
			dst->quotas[i] = src->quotas[i];
	if (set_mask & POLICY_SET_MODE)
		dst->mode = src->mode;
	if (set_mask & POLICY_SET_PRIVATE_TMP)
		dst->private_tmp = src->private_tmp;
	if (set_mask & POLICY_SET_CLEAN_ENV)
		dst->clean_env = src->clean_env;
	dst->degraded |= src->degraded;
	dst->ns_flags |= src->ns_flags;
	dst->isolate |= src->isolate;
	dst->ns_share |= src->ns_share;
	if (src->tmp_size)
		dst->tmp_size = src->tmp_size;
	dst->tmp_noexec |= src->tmp_noexec;
	if (src->cwd)
		dst->cwd = src->cwd;
	if (src->hostname) {
		dst->hostname = src->hostname;
		dst->hostname_loc = src->hostname_loc;
	}

	int r = policy_validate(dst, err);
	if (r < 0) {
		dst->fs.len = before.fs;
		dst->net.len = before.net;
		dst->bind.len = before.bind;
		dst->exec.len = before.exec;
		dst->env_set.len = before.env_set;
		dst->env_unset.len = before.env_unset;
		if (moves_argv)
			dst->supervisor->exec_argv.len = before.exec_argv;
		if (sup_created) { /* now empty: SRC still owns the rules */
			sup_policy_free(dst->supervisor);
			dst->supervisor = NULL;
		}
		memcpy(dst->limits, saved.limits, sizeof(dst->limits));
		memcpy(dst->quotas, saved.quotas, sizeof(dst->quotas));
		dst->kill_after = saved.kill_after;
		dst->mode = saved.mode;
		dst->private_tmp = saved.private_tmp;
		dst->clean_env = saved.clean_env;
		dst->degraded = saved.degraded;
		dst->ns_flags = saved.ns_flags;
		dst->isolate = saved.isolate;
		dst->ns_share = saved.ns_share;
		dst->tmp_size = saved.tmp_size;
		dst->tmp_noexec = saved.tmp_noexec;
		dst->cwd = saved.cwd;
		dst->hostname = saved.hostname;
		dst->hostname_loc = saved.hostname_loc;
		return r;
	}

	/* Commit: DST owns what it took. The interned names move too, because
	 * the moved rules' locations point into them. */
	APPEND(&dst->interned, &src->interned);
	src->fs.len = src->net.len = src->bind.len = src->exec.len = 0;
	src->env_set.len = src->env_unset.len = src->interned.len = 0;
	if (moves_argv)
		src->supervisor->exec_argv.len = 0;
	if (src->cwd && saved.cwd != src->cwd) {
		free(saved.cwd);
		src->cwd = NULL;
	}
	if (src->hostname && saved.hostname != src->hostname) {
		free(saved.hostname);
		src->hostname = NULL;
	}
	return 0;
}
