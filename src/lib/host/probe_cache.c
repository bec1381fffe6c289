/* probe_cache.c — this boot's probe answers, kept for the rest of the boot.
 * Loading a probe LSM program means parsing the kernel's whole BTF (tens of
 * milliseconds), and reading /proc/self/mountinfo is the costliest of the
 * quick probes (~0.18 ms a start here): paid once per boot, not on every
 * `ward run`. One record, keyed by the boot id, ward's version and the
 * record's layout, lives in root's /run/ward and is only trusted when root
 * owns it and nobody else may write it (a sandbox never sees it writable:
 * the runtime directory is masked under a write grant that contains it).
 * The cgroup part is revalidated on every read (host/cgroup_probe.c).
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
#define CACHE_PATH CACHE_DIR "/host-probe.v3"
#define OLD_CACHE_PATH CACHE_DIR "/bpf-probe.v2"

#define RECORD_LAYOUT ((uint32_t)(sizeof(struct probe_record) << 8 | CG_CTRL_COUNT_))

static void read_boot_id(char *out, size_t size)
{
	out[0] = '\0';
	_cleanup_close_ int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, out, size - 1);
	if (n <= 0)
		return;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static void record_key(struct probe_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->magic, "wardhp3", 8);
	snprintf(rec->version, sizeof(rec->version), "%s", WARD_VERSION);
	rec->layout = RECORD_LAYOUT;
	read_boot_id(rec->boot_id, sizeof(rec->boot_id));
}

bool probe_cache_read(struct probe_record *out)
{
	record_key(out);
	if (geteuid() != 0 || !out->boot_id[0])
		return false;
	_cleanup_close_ int fd = open(CACHE_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) || st.st_size != (off_t)sizeof(struct probe_record))
		return false;
	struct probe_record rec;
	if (read(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec) ||
	    memcmp(rec.magic, out->magic, sizeof(rec.magic)) ||
	    memcmp(rec.version, out->version, sizeof(rec.version)) || rec.layout != out->layout ||
	    memcmp(rec.boot_id, out->boot_id, sizeof(rec.boot_id)))
		return false;
	/* Strings from disk end inside their fields, whatever the file said. */
	rec.lsm_list[sizeof(rec.lsm_list) - 1] = rec.lockdown[sizeof(rec.lockdown) - 1] = '\0';
	rec.bpf_lsm_why[sizeof(rec.bpf_lsm_why) - 1] = '\0';
	rec.cgroup_bpf_why[sizeof(rec.cgroup_bpf_why) - 1] = '\0';
	rec.fexit_why[sizeof(rec.fexit_why) - 1] = '\0';
	rec.cgroups.v2.path[sizeof(rec.cgroups.v2.path) - 1] = '\0';
	for (int c = 0; c < CG_CTRL_COUNT_; c++)
		rec.cgroups.v1[c].path[sizeof(rec.cgroups.v1[c].path) - 1] = '\0';
	*out = rec;
	return true;
}

void probe_cache_bpf_get(const struct probe_record *rec, struct host_features *f)
{
	f->lsm_list_known = rec->lsm_list_known;
	memcpy(f->lsm_list, rec->lsm_list, sizeof(f->lsm_list));
	memcpy(f->lockdown, rec->lockdown, sizeof(f->lockdown));
	f->bpf_lsm_listed = rec->bpf_lsm_listed;
	f->bpf_lsm_loads = rec->bpf_lsm_loads;
	memcpy(f->bpf_lsm_why, rec->bpf_lsm_why, sizeof(f->bpf_lsm_why));
	f->cgroup_bpf_loads = rec->cgroup_bpf_loads;
	memcpy(f->cgroup_bpf_why, rec->cgroup_bpf_why, sizeof(f->cgroup_bpf_why));
	f->fexit_loads = rec->fexit_loads;
	memcpy(f->fexit_why, rec->fexit_why, sizeof(f->fexit_why));
	f->btf = rec->btf;
}

void probe_cache_bpf_put(struct probe_record *rec, const struct host_features *f)
{
	rec->bpf_valid = true;
	rec->lsm_list_known = f->lsm_list_known;
	memcpy(rec->lsm_list, f->lsm_list, sizeof(rec->lsm_list));
	memcpy(rec->lockdown, f->lockdown, sizeof(rec->lockdown));
	rec->bpf_lsm_listed = f->bpf_lsm_listed;
	rec->bpf_lsm_loads = f->bpf_lsm_loads;
	memcpy(rec->bpf_lsm_why, f->bpf_lsm_why, sizeof(rec->bpf_lsm_why));
	rec->cgroup_bpf_loads = f->cgroup_bpf_loads;
	memcpy(rec->cgroup_bpf_why, f->cgroup_bpf_why, sizeof(rec->cgroup_bpf_why));
	rec->fexit_loads = f->fexit_loads;
	memcpy(rec->fexit_why, f->fexit_why, sizeof(rec->fexit_why));
	rec->btf = f->btf;
}

void probe_cache_write(const struct probe_record *rec)
{
	if (geteuid() != 0 || !rec->boot_id[0])
		return;
	if (mkdir(CACHE_DIR, 0755) < 0 && errno != EEXIST)
		return;
	char tmp[64];
	snprintf(tmp, sizeof(tmp), CACHE_PATH ".%d", getpid());
	_cleanup_close_ int fd =
		open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	if (write(fd, rec, sizeof(*rec)) != (ssize_t)sizeof(*rec) || rename(tmp, CACHE_PATH) < 0)
		unlink(tmp);
}

void probe_cache_forget(void)
{
	unlink(CACHE_PATH);
	unlink(OLD_CACHE_PATH); /* an older ward's, so it probes afresh too */
}
