/* probe_cache.c — the BPF probe's answers, kept for the rest of the boot.
 * Loading a probe LSM program means parsing the kernel's whole BTF (tens of
 * milliseconds): paid once per boot, not on every `ward run`. The cache is
 * keyed by the boot id and ward's version, lives in root's /run/ward, and is
 * only trusted when root owns it and nobody else may write it.
 */
#include "host/probe_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"

#define CACHE_DIR "/run/ward"
#define CACHE_PATH CACHE_DIR "/bpf-probe.v2"

struct probe_record {
	char magic[8];
	char version[16];
	char boot_id[40];
	bool lsm_list_known;
	char lsm_list[128];
	char lockdown[32];
	bool bpf_lsm_listed;
	bool bpf_lsm_loads;
	char bpf_lsm_why[200];
	bool cgroup_bpf_loads;
	char cgroup_bpf_why[200];
	bool fexit_loads;
	char fexit_why[200];
	bool btf;
};

static void read_boot_id(char *out, size_t size)
{
	out[0] = '\0';
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && fgets(out, (int)size, f))
		out[strcspn(out, "\n")] = '\0';
}

static void record_fill(struct probe_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->magic, "wardbpf", 8);
	snprintf(rec->version, sizeof(rec->version), "%s", WARD_VERSION);
	read_boot_id(rec->boot_id, sizeof(rec->boot_id));
}

bool probe_cache_load(struct host_features *f)
{
	if (geteuid() != 0)
		return false;
	_cleanup_close_ int fd = open(CACHE_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) ||
	    st.st_size != (off_t)sizeof(struct probe_record))
		return false;
	struct probe_record rec, want;
	if (read(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
		return false;
	record_fill(&want);
	if (!want.boot_id[0] || memcmp(rec.magic, want.magic, sizeof(rec.magic)) ||
	    strcmp(rec.version, want.version) || strcmp(rec.boot_id, want.boot_id))
		return false;
	f->lsm_list_known = rec.lsm_list_known;
	memcpy(f->lsm_list, rec.lsm_list, sizeof(f->lsm_list));
	memcpy(f->lockdown, rec.lockdown, sizeof(f->lockdown));
	f->bpf_lsm_listed = rec.bpf_lsm_listed;
	f->bpf_lsm_loads = rec.bpf_lsm_loads;
	memcpy(f->bpf_lsm_why, rec.bpf_lsm_why, sizeof(f->bpf_lsm_why));
	f->cgroup_bpf_loads = rec.cgroup_bpf_loads;
	memcpy(f->cgroup_bpf_why, rec.cgroup_bpf_why, sizeof(f->cgroup_bpf_why));
	f->fexit_loads = rec.fexit_loads;
	memcpy(f->fexit_why, rec.fexit_why, sizeof(f->fexit_why));
	f->btf = rec.btf;
	/* Strings from disk end inside their fields, whatever the file said. */
	f->lsm_list[sizeof(f->lsm_list) - 1] = f->lockdown[sizeof(f->lockdown) - 1] = '\0';
	f->bpf_lsm_why[sizeof(f->bpf_lsm_why) - 1] = '\0';
	f->cgroup_bpf_why[sizeof(f->cgroup_bpf_why) - 1] = '\0';
	f->fexit_why[sizeof(f->fexit_why) - 1] = '\0';
	return true;
}

void probe_cache_store(const struct host_features *f)
{
	if (geteuid() != 0)
		return;
	struct probe_record rec;
	record_fill(&rec);
	if (!rec.boot_id[0])
		return;
	rec.lsm_list_known = f->lsm_list_known;
	memcpy(rec.lsm_list, f->lsm_list, sizeof(rec.lsm_list));
	memcpy(rec.lockdown, f->lockdown, sizeof(rec.lockdown));
	rec.bpf_lsm_listed = f->bpf_lsm_listed;
	rec.bpf_lsm_loads = f->bpf_lsm_loads;
	memcpy(rec.bpf_lsm_why, f->bpf_lsm_why, sizeof(rec.bpf_lsm_why));
	rec.cgroup_bpf_loads = f->cgroup_bpf_loads;
	memcpy(rec.cgroup_bpf_why, f->cgroup_bpf_why, sizeof(rec.cgroup_bpf_why));
	rec.fexit_loads = f->fexit_loads;
	memcpy(rec.fexit_why, f->fexit_why, sizeof(rec.fexit_why));
	rec.btf = f->btf;

	if (mkdir(CACHE_DIR, 0755) < 0 && errno != EEXIST)
		return;
	char tmp[64];
	snprintf(tmp, sizeof(tmp), CACHE_PATH ".%d", getpid());
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec) || rename(tmp, CACHE_PATH) < 0)
		unlink(tmp);
}

void probe_cache_forget(void)
{
	unlink(CACHE_PATH);
}
