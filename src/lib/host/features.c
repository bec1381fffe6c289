/* features.c — host_features_probe(): what this kernel and ward's privilege
 * offer, found by trying each thing for real (a Landlock ABI query, seccomp
 * action queries, a child that creates a user namespace, tiny BPF loads).
 * Never changes the caller: probes that could leave a trace run in a child.
 */
#include "host/features.h"
#include "host/probe_cache.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/bpf_probe.h"
#include "host/cgroup_probe.h"
#include "host/layer_support.h"
#include "layers/landlock.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

static long seccomp_op(unsigned op, unsigned flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

static bool action_available(unsigned action)
{
	return seccomp_op(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static void probe_seccomp(struct host_features *f)
{
	f->seccomp_filter =
		prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && action_available(SECCOMP_RET_ERRNO);
	if (!f->seccomp_filter)
		return;
	struct seccomp_notif_sizes sizes;
	f->seccomp_user_notif = seccomp_op(SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 &&
				action_available(SECCOMP_RET_USER_NOTIF);
	f->seccomp_kill_process = action_available(SECCOMP_RET_KILL_PROCESS);
}

/* A user namespace is created in a throwaway child: unshare(CLONE_NEWUSER)
 * in the caller would change it for good (and fails in a threaded one). */
static bool probe_userns(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool cap_in(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

static void probe_privilege(struct host_features *f)
{
	f->root = geteuid() == 0;
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {0};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	f->cap_sys_admin = cap_in(data, CAP_SYS_ADMIN);
	f->cap_bpf = cap_in(data, CAP_BPF);
	f->cap_sys_resource = cap_in(data, CAP_SYS_RESOURCE);
}

/* The cheap probes: a few system calls and small files each. With REC, the
 * cgroup mounts come from this boot's record while they still hold; true
 * when REC was refreshed. */
static bool probe_quick(struct host_features *out, struct probe_record *rec)
{
	memset(out, 0, sizeof(*out));
	out->landlock_abi = landlock_abi_version(out->landlock_why, sizeof(out->landlock_why));
	if (out->landlock_abi < 0)
		out->landlock_abi = 0;
	probe_seccomp(out);
	probe_privilege(out);
	/* root creates namespaces without one; only others pay for the fork. */
	out->userns = out->root ? true : probe_userns();
	return cgroup_probe(out, rec ? &rec->cgroups : NULL);
}

int host_features_probe(struct host_features *out)
{
	probe_quick(out, NULL);
	bpf_probe(out);
	layer_support_fill(out);
	return 0;
}

static struct host_features cached;
static pthread_once_t cached_once = PTHREAD_ONCE_INIT;

/* What `ward run` uses: the BPF answers and the cgroup mounts come from this
 * boot's cache when there is one (loading a probe LSM program costs tens of
 * milliseconds, reading mountinfo ~0.2 ms).
 * The layers' answers (layer_support_fill) are asked here, once, so that
 * planning never loads a program. */
static void probe_cached(void)
{
	struct probe_record rec;
	bool have = probe_cache_read(&rec);
	bool changed = probe_quick(&cached, &rec);
	if (have && rec.bpf_valid) {
		probe_cache_bpf_get(&rec, &cached);
	} else {
		bpf_probe(&cached);
		probe_cache_bpf_put(&rec, &cached);
		changed = true;
	}
	if (changed)
		probe_cache_write(&rec);
	layer_support_fill(&cached);
}

const struct host_features *host_features_get(void)
{
	pthread_once(&cached_once, probe_cached);
	return &cached;
}
