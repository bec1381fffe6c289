/* bpf_progs.c — the table of ward's BPF programs and their loader: each
 * program is loaded from its skeleton's ELF on its own (every other program
 * of the object left out) and pinned, so the result of every program is
 * known and one the kernel refuses never silently drops the others. Maps are
 * pinned by name and shared by all objects. Never prints: libbpf's messages
 * are captured for the reasons `ward features` shows.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/bpf_internal.h"
#include "core/cleanup.h"
#include "core/error.h"

#include "lsm_file.skel.h"
#include "lsm_kernel.skel.h"
#include "lsm_net.skel.h"
#include "lsm_unix.skel.h"
#include "net_cgroup.skel.h"

const struct bpf_prog_desc bpf_progs[] = {
	{"net_cgroup", ward_net_cgroup__elf_bytes, "ward_connect4", BPF_CGROUP_INET4_CONNECT, false,
	 BPF_RULE_NET},
	{"net_cgroup", ward_net_cgroup__elf_bytes, "ward_connect6", BPF_CGROUP_INET6_CONNECT, false,
	 BPF_RULE_NET},
	{"net_cgroup", ward_net_cgroup__elf_bytes, "ward_sendmsg4", BPF_CGROUP_UDP4_SENDMSG, false,
	 BPF_RULE_NET},
	{"net_cgroup", ward_net_cgroup__elf_bytes, "ward_sendmsg6", BPF_CGROUP_UDP6_SENDMSG, false,
	 BPF_RULE_NET},
	{"net_cgroup", ward_net_cgroup__elf_bytes, "ward_bind4", BPF_CGROUP_INET4_BIND, false,
	 BPF_RULE_NET},
	{"net_cgroup", ward_net_cgroup__elf_bytes, "ward_bind6", BPF_CGROUP_INET6_BIND, false,
	 BPF_RULE_NET},
	{"lsm_file", ward_lsm_file__elf_bytes, "ward_file_open", BPF_LSM_MAC, true, BPF_RULE_FS},
	{"lsm_file", ward_lsm_file__elf_bytes, "ward_inode_permission", BPF_LSM_MAC, true,
	 BPF_RULE_FS},
	{"lsm_file", ward_lsm_file__elf_bytes, "ward_bprm_check_security", BPF_LSM_MAC, true,
	 BPF_RULE_EXEC},
	{"lsm_file", ward_lsm_file__elf_bytes, "ward_mmap_file", BPF_LSM_MAC, true, BPF_RULE_EXEC},
	{"lsm_net", ward_lsm_net__elf_bytes, "ward_socket_create", BPF_LSM_MAC, true, BPF_RULE_NET},
	{"lsm_net", ward_lsm_net__elf_bytes, "ward_socket_connect", BPF_LSM_MAC, true,
	 BPF_RULE_NET},
	{"lsm_net", ward_lsm_net__elf_bytes, "ward_socket_sendmsg", BPF_LSM_MAC, true,
	 BPF_RULE_NET},
	{"lsm_net", ward_lsm_net__elf_bytes, "ward_socket_bind", BPF_LSM_MAC, true, BPF_RULE_NET},
	{"lsm_net", ward_lsm_net__elf_bytes, "ward_socket_listen", BPF_LSM_MAC, true, BPF_RULE_NET},
	{"lsm_net", ward_lsm_net__elf_bytes, "ward_socket_accept", BPF_LSM_MAC, true, BPF_RULE_NET},
	{"lsm_kernel", ward_lsm_kernel__elf_bytes, "ward_ptrace_access_check", BPF_LSM_MAC, true,
	 BPF_RULE_KERNEL},
	{"lsm_kernel", ward_lsm_kernel__elf_bytes, "ward_bpf", BPF_LSM_MAC, true, BPF_RULE_KERNEL},
	{"lsm_kernel", ward_lsm_kernel__elf_bytes, "ward_kernel_read_file", BPF_LSM_MAC, true,
	 BPF_RULE_KERNEL},
	{"lsm_kernel", ward_lsm_kernel__elf_bytes, "ward_kernel_load_data", BPF_LSM_MAC, true,
	 BPF_RULE_KERNEL},
	{"lsm_kernel", ward_lsm_kernel__elf_bytes, "ward_sb_mount", BPF_LSM_MAC, true,
	 BPF_RULE_KERNEL},
	{"lsm_unix", ward_lsm_unix__elf_bytes, "ward_unix_stream_connect", BPF_LSM_MAC, true,
	 BPF_RULE_UNIX},
	{"lsm_unix", ward_lsm_unix__elf_bytes, "ward_unix_may_send", BPF_LSM_MAC, true,
	 BPF_RULE_UNIX},
};
const size_t bpf_progs_count = ARRAY_SIZE(bpf_progs);

/* libbpf's last warning, kept as the reason of a failed load. */
static __thread char libbpf_last[200];

__attribute__((format(printf, 2, 0))) static int libbpf_capture(enum libbpf_print_level level,
								const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[sizeof(libbpf_last)];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* The verifier log and "-- BEGIN/END" framing say less than the
	 * first line libbpf writes about the failure. */
	if (line[0] && !libbpf_last[0])
		snprintf(libbpf_last, sizeof(libbpf_last), "%s", line);
	return 0;
}

static void pin_path(char *buf, size_t size, const char *kind, const char *name)
{
	snprintf(buf, size, "%s/%s/%s", bpf_pin_dir(), kind, name);
}

int bpf_prog_pinned_fd(const struct bpf_prog_desc *desc)
{
	char path[256];
	pin_path(path, sizeof(path), "progs", desc->name);
	int fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static bool pinned(const char *kind, const char *name)
{
	char path[256];
	pin_path(path, sizeof(path), kind, name);
	return access(path, F_OK) == 0;
}

static void unlink_pin(const struct bpf_prog_desc *desc)
{
	char path[256];
	pin_path(path, sizeof(path), "progs", desc->name);
	unlink(path);
}

static void obj_closep(struct bpf_object **obj)
{
	bpf_object__close(*obj);
}

/* ---- which build the pinned programs came from ----
 * Pins outlive ward: after an upgrade (same map layout, new programs) the
 * old programs must not keep deciding. A pinned array holds, per object, a
 * hash of its ELF (keyed by the program's index); a mismatch makes the load
 * replace that program. */
static uint64_t object_fingerprint(const struct bpf_prog_desc *desc)
{
	/* Once per object and process: hashing an ELF byte by byte costs
	 * ~1 ns a byte, and every program of an object shares it. */
	static struct {
		const void *(*elf)(size_t *);
		uint64_t hash;
	} seen[8];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ARRAY_SIZE(seen) && seen[i].elf; i++)
		if (seen[i].elf == desc->elf_bytes) {
			uint64_t h = seen[i].hash;
			pthread_mutex_unlock(&lock);
			return h;
		}
	size_t size = 0;
	const void *elf = desc->elf_bytes(&size);
	uint64_t h = bpf_elf_fingerprint(elf, size);
	for (size_t i = 0; i < ARRAY_SIZE(seen); i++)
		if (!seen[i].elf) {
			seen[i].elf = desc->elf_bytes;
			seen[i].hash = h;
			break;
		}
	pthread_mutex_unlock(&lock);
	return h;
}

static void build_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/ward_build", bpf_pin_dir());
}

static int build_map_fd(bool create)
{
	char path[256];
	build_path(path, sizeof(path));
	int fd = bpf_obj_get(path);
	if (fd >= 0 || !create)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ward_build", sizeof(uint32_t), sizeof(uint64_t),
			    64, NULL);
	if (fd >= 0 && bpf_obj_pin(fd, path) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool build_matches(const struct bpf_prog_desc *desc, uint64_t want)
{
	_cleanup_close_ int fd = build_map_fd(false);
	uint32_t key = (uint32_t)(desc - bpf_progs);
	uint64_t have = 0;
	return fd >= 0 && bpf_map_lookup_elem(fd, &key, &have) == 0 && have == want;
}

static void build_record(const struct bpf_prog_desc *desc, uint64_t value)
{
	_cleanup_close_ int fd = build_map_fd(true);
	uint32_t key = (uint32_t)(desc - bpf_progs);
	if (fd >= 0)
		bpf_map_update_elem(fd, &key, &value, BPF_ANY);
}

/* Loads and pins DESC alone; LSM programs are attached and their link
 * pinned, so the hook stays after this process exits. With REPLACE, pins of
 * an older build are swapped for the new ones; an old LSM link is unpinned
 * (detached) only once the new one is attached, so the hook never lapses. */
static int load_one(const struct bpf_prog_desc *desc, struct bpf_prog_state *state, bool replace)
{
	size_t size = 0;
	const void *elf = desc->elf_bytes(&size);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = desc->object,
		    .pin_root_path = bpf_pin_dir());
	libbpf_last[0] = '\0';
	__attribute__((cleanup(obj_closep))) struct bpf_object *obj =
		bpf_object__open_mem(elf, size, &opts);
	if (!obj) {
		int r = -errno;
		snprintf(state->why, sizeof(state->why), "opening %s: %s", desc->object,
			 strerror(-r));
		return r;
	}

	struct bpf_program *prog, *mine = NULL;
	bpf_object__for_each_program(prog, obj)
	{
		bool is_mine = strcmp(bpf_program__name(prog), desc->name) == 0;
		bpf_program__set_autoload(prog, is_mine);
		if (is_mine)
			mine = prog;
	}
	if (!mine) {
		snprintf(state->why, sizeof(state->why), "%s: no program %s", desc->object,
			 desc->name);
		return -ENOENT;
	}

	int r = bpf_object__load(obj);
	if (r < 0) {
		snprintf(state->why, sizeof(state->why), "load refused: %s%s%s", strerror(-r),
			 libbpf_last[0] ? "; " : "", libbpf_last);
		return r;
	}

	char path[256];
	pin_path(path, sizeof(path), "progs", desc->name);
	if (replace)
		unlink(path); /* what still uses the old program keeps it alive */
	r = bpf_program__pin(mine, path);
	if (r < 0) {
		snprintf(state->why, sizeof(state->why), "pinning %s: %s", path, strerror(-r));
		return r;
	}
	state->loaded = true;
	if (!desc->lsm)
		return 0;

	struct bpf_link *link = bpf_program__attach_lsm(mine);
	if (!link) {
		r = -errno;
		snprintf(state->why, sizeof(state->why), "attach refused: %s", strerror(-r));
		return r;
	}
	pin_path(path, sizeof(path), "links", desc->name);
	if (replace)
		unlink(path);
	r = bpf_link__pin(link, path);
	bpf_link__destroy(link); /* the pin holds the attachment now */
	if (r < 0) {
		snprintf(state->why, sizeof(state->why), "pinning %s: %s", path, strerror(-r));
		return r;
	}
	state->attached = true;
	return 0;
}

/* Every program of OBJECT pinned from this build (and attached, for LSM
 * programs): the state a start finds almost always. Checked without the
 * lock, which a ward loading programs holds for tens of milliseconds: the
 * check is what a locked one would see just before releasing it (a build's
 * pins are recorded only after they are in place). */
static bool all_current(const char *object, struct bpf_prog_state *states)
{
	_cleanup_close_ int build = build_map_fd(false);
	if (build < 0)
		return false;
	for (size_t i = 0; i < bpf_progs_count; i++) {
		const struct bpf_prog_desc *desc = &bpf_progs[i];
		if (object && strcmp(object, desc->object) != 0)
			continue;
		uint32_t key = (uint32_t)i;
		uint64_t have = 0;
		if (!pinned("progs", desc->name) || (desc->lsm && !pinned("links", desc->name)) ||
		    bpf_map_lookup_elem(build, &key, &have) < 0 || have != object_fingerprint(desc))
			return false;
	}
	for (size_t i = 0; i < bpf_progs_count; i++) {
		if (object && strcmp(object, bpf_progs[i].object) != 0)
			continue;
		memset(&states[i], 0, sizeof(states[i]));
		states[i].tried = states[i].loaded = true;
		states[i].attached = bpf_progs[i].lsm;
	}
	return true;
}

int bpf_progs_load(const char *object, struct bpf_prog_state *states, ward_error *err)
{
	if (all_current(object, states))
		return 0;
	int r = bpf_pin_prepare(err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = bpf_pin_lock(err);
	if (lock < 0)
		return lock;

	libbpf_print_fn_t old = libbpf_set_print(libbpf_capture);
	int first = 0;
	const char *first_name = NULL;
	for (size_t i = 0; i < bpf_progs_count; i++) {
		const struct bpf_prog_desc *desc = &bpf_progs[i];
		struct bpf_prog_state *state = &states[i];
		if (object && strcmp(object, desc->object) != 0)
			continue;
		memset(state, 0, sizeof(*state));
		state->tried = true;
		state->loaded = pinned("progs", desc->name);
		state->attached = desc->lsm && pinned("links", desc->name);
		/* Pins of another build are replaced, never reused. */
		uint64_t build = object_fingerprint(desc);
		bool stale = state->loaded && !build_matches(desc, build);
		if (!stale && state->loaded && (!desc->lsm || state->attached))
			continue;
		if (!stale && state->loaded) /* pinned but its link is gone: start over */
			unlink_pin(desc);
		state->loaded = state->attached = false;
		r = load_one(desc, state, stale);
		if (r == 0)
			build_record(desc, build);
		if (r < 0 && !first) {
			first = r;
			first_name = desc->name;
		}
	}
	libbpf_set_print(old);
	if (first)
		return ward_fail(err, first, "bpf: %s did not load", first_name);
	return 0;
}
