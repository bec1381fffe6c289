/* bpf_file_acct.c — user side of the file accounting programs: load and
 * attach once, pin the links and the map (under /sys/fs/bpf/ward/
 * facct-v<layout>-<hash>, through bpf_pin.c's pin sets),
 * then per sandbox one map record: add it, set its quotas, read it, delete
 * it. The links are pinned, so the programs stay attached between runs; a
 * pin of another build is never reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/bpf_file_acct.h"
#include "bpf/bpf_internal.h"
#include "core/cleanup.h"
#include "../../bpf/ward_bpf.h"
#include "../../bpf/ward_file_acct.h"

#include "acct_file.skel.h"

/* The pins: the map, then the links of the programs in the skeleton's order;
 * the vector ones are optional (a kernel may inline vfs_readv/vfs_writev,
 * leaving nothing to attach to). */
static const char *const pin_names[] = {"map", "read", "write", "readv", "writev"};
enum { PIN_MAP = 0, PIN_LINK = 1, N_LINKS = 4, N_REQUIRED = 2 };
_Static_assert(PIN_LINK + N_LINKS == ARRAY_SIZE(pin_names), "a pin for the map and each link");
_Static_assert(ARRAY_SIZE(pin_names) <= BPF_PINSET_MAX, "pin set too small");

static struct bpf_pinset pins;

struct bpf_file_acct {
	int map_fd;
	uint64_t cgroup_id;
};

static void pins_init(void)
{
	if (pins.dir[0])
		return;
	size_t size;
	const unsigned char *elf = ward_acct_file__elf_bytes(&size);
	bpf_pinset_init(&pins, WARD_BPF_PIN_ROOT, "facct", WARD_FILE_ACCT_LAYOUT, elf, size,
			pin_names, ARRAY_SIZE(pin_names));
}

/* The map, when the required links are pinned too (a map without its
 * attached programs would count nothing). */
static int open_pinned_map(const struct bpf_pinset *set, void *ctx)
{
	(void)ctx;
	for (int i = 0; i < N_REQUIRED; i++)
		if (access(set->path[PIN_LINK + i], F_OK) < 0)
			return -errno;
	int fd = bpf_obj_get(set->path[PIN_MAP]);
	return fd < 0 ? -errno : fd;
}

/* Loads the object with the vector programs on or off; pins map and links. */
static int load_attach_pin(const struct bpf_pinset *set, bool vectors)
{
	struct ward_acct_file *skel = ward_acct_file__open();
	if (!skel)
		return -errno;
	struct bpf_program *progs[N_LINKS] = {skel->progs.ward_vfs_read, skel->progs.ward_vfs_write,
					      skel->progs.ward_vfs_readv,
					      skel->progs.ward_vfs_writev};
	for (int i = N_REQUIRED; i < N_LINKS; i++)
		bpf_program__set_autoload(progs[i], vectors);
	int r = ward_acct_file__load(skel) < 0 ? -errno : 0;
	for (int i = 0; !r && i < N_LINKS; i++) {
		if (i >= N_REQUIRED && !vectors)
			break;
		struct bpf_link *link = bpf_program__attach_trace(progs[i]);
		if (!link) {
			r = -errno;
			break;
		}
		if (bpf_link__pin(link, set->path[PIN_LINK + i]) < 0)
			r = -errno;
		bpf_link__destroy(link); /* the pin holds it */
	}
	if (!r && bpf_map__pin(skel->maps.ward_file_acct_map, set->path[PIN_MAP]) < 0)
		r = -errno;
	ward_acct_file__destroy(skel);
	if (r < 0)
		bpf_pinset_unpin(set);
	return r;
}

static int load_and_pin(const struct bpf_pinset *set, void *ctx)
{
	(void)ctx;
	int r = load_attach_pin(set, true);
	return r < 0 ? load_attach_pin(set, false) : r;
}

static int map_fd_get(void)
{
	pins_init();
	return bpf_pinset_get(&pins, WARD_BPF_PIN_ROOT, open_pinned_map, load_and_pin, NULL);
}

bool bpf_file_acct_usable(char *why, size_t why_size)
{
	static int state; /* 0 unknown, 1 usable, -errno not */
	static char reason[200];
	if (!state) {
		if (geteuid() != 0) {
			state = -EPERM;
			snprintf(reason, sizeof(reason),
				 "fexit programs need root (CAP_BPF and "
				 "CAP_PERFMON or CAP_SYS_ADMIN)");
		} else {
			int fd = map_fd_get();
			state = fd < 0 ? fd : 1;
			if (fd < 0)
				snprintf(reason, sizeof(reason),
					 "the fexit programs on vfs_read/vfs_write do not load "
					 "here: "
					 "%s",
					 strerror(-fd));
			else
				close(fd);
		}
	}
	if (state < 0 && why)
		snprintf(why, why_size, "%s", reason);
	return state > 0;
}

int bpf_file_acct_attach(uint64_t cgroup_id, uint64_t read_quota, uint64_t write_quota, bool kill,
			 struct bpf_file_acct **out, ward_error *err)
{
	int fd = map_fd_get();
	if (fd < 0)
		return ward_fail(err, fd, "file accounting: loading the fexit programs: %s",
				 strerror(-fd));
	struct ward_file_acct value = {.quota = {read_quota, write_quota}, .kill = kill};
	if (bpf_map_update_elem(fd, &cgroup_id, &value, BPF_NOEXIST) < 0) {
		int e = -errno;
		close(fd);
		return ward_fail(err, e, "file accounting: adding the sandbox's record: %s",
				 e == -E2BIG ? "the map is full (too many sandboxes at once)"
					     : strerror(-e));
	}
	struct bpf_file_acct *acct = calloc(1, sizeof(*acct));
	if (!acct) {
		bpf_map_delete_elem(fd, &cgroup_id);
		close(fd);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	acct->map_fd = fd;
	acct->cgroup_id = cgroup_id;
	*out = acct;
	return 0;
}

static int read_map(int map_fd, uint64_t cgroup_id, struct file_figures *out)
{
	memset(out, 0, sizeof(*out));
	struct ward_file_acct v;
	if (bpf_map_lookup_elem(map_fd, &cgroup_id, &v) < 0)
		return -errno;
	out->bytes_read = v.bytes[WARD_FILE_READ];
	out->bytes_written = v.bytes[WARD_FILE_WRITE];
	out->read_crossed = v.crossed[WARD_FILE_READ];
	out->write_crossed = v.crossed[WARD_FILE_WRITE];
	return 0;
}

int bpf_file_acct_read(const struct bpf_file_acct *acct, struct file_figures *out)
{
	return read_map(acct->map_fd, acct->cgroup_id, out);
}

int bpf_file_acct_read_cgroup(uint64_t cgroup_id, struct file_figures *out)
{
	pins_init();
	int fd = bpf_obj_get(pins.path[PIN_MAP]);
	if (fd < 0)
		return -errno;
	int r = read_map(fd, cgroup_id, out);
	close(fd);
	return r;
}

void bpf_file_acct_detach(struct bpf_file_acct *acct)
{
	if (!acct)
		return;
	bpf_map_delete_elem(acct->map_fd, &acct->cgroup_id);
	close(acct->map_fd);
	free(acct);
}

void bpf_file_acct_unpin_all(void)
{
	bpf_pinset_unpin_all(WARD_BPF_PIN_ROOT, "facct", pin_names, ARRAY_SIZE(pin_names));
}
