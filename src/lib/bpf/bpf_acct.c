/* bpf_acct.c — user side of the accounting programs: load once and pin
 * (under /sys/fs/bpf/ward/acct-v<layout>-<hash>, through bpf_pin.c's pin
 * sets), attach to a sandbox's cgroup, set its quotas, read its
 * counters, detach. A pin of another layout is never reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/bpf_acct.h"
#include "bpf/bpf_internal.h"
#include "core/cleanup.h"
#include "../../bpf/ward_acct.h"
#include "../../bpf/ward_bpf.h"

#include "acct_skb.skel.h"

enum { DIR_EGRESS, DIR_INGRESS };
static const enum bpf_attach_type attach_types[2] = {BPF_CGROUP_INET_EGRESS,
						     BPF_CGROUP_INET_INGRESS};

/* The pins of this build's programs (bpf_pinset: named by the object's
 * fingerprint). */
static const char *const pin_names[] = {"egress", "ingress", "map"};
static struct bpf_pinset pins;

static void pins_init(void)
{
	if (pins.dir[0])
		return;
	size_t size;
	const unsigned char *elf = ward_acct_skb__elf_bytes(&size);
	bpf_pinset_init(&pins, WARD_BPF_PIN_ROOT, "acct", WARD_ACCT_LAYOUT, elf, size, pin_names,
			ARRAY_SIZE(pin_names));
}

struct bpf_acct {
	int prog_fd[2];
	int map_fd;
	int cgroup_fd;
	uint64_t cgroup_id;
	bool attached[2];
};

static void close_fds(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* fds[0..1]: egress and ingress programs, fds[2]: the map. */
static int open_pinned(const struct bpf_pinset *set, void *ctx)
{
	int *fds = ctx;
	for (int i = 0; i < 3; i++) {
		fds[i] = bpf_obj_get(set->path[i]);
		if (fds[i] < 0) {
			int e = -errno;
			for (int j = 0; j < i; j++)
				close(fds[j]);
			fds[0] = fds[1] = fds[2] = -1;
			return e;
		}
	}
	return 0;
}

static int load_and_pin(const struct bpf_pinset *set, void *ctx)
{
	(void)ctx;
	struct ward_acct_skb *skel = ward_acct_skb__open_and_load();
	int r = skel ? 0 : -errno;
	if (!r && (bpf_program__pin(skel->progs.ward_acct_egress, set->path[0]) < 0 ||
		   bpf_program__pin(skel->progs.ward_acct_ingress, set->path[1]) < 0 ||
		   bpf_map__pin(skel->maps.ward_acct_map, set->path[2]) < 0))
		r = -errno;
	ward_acct_skb__destroy(skel);
	return r;
}

static int acct_fds(int fds[3])
{
	fds[0] = fds[1] = fds[2] = -1;
	pins_init();
	return bpf_pinset_get(&pins, WARD_BPF_PIN_ROOT, open_pinned, load_and_pin, fds);
}

bool bpf_acct_usable(char *why, size_t why_size)
{
	static int state; /* 0 unknown, 1 usable, -errno not */
	static char reason[160];
	if (!state) {
		if (geteuid() != 0) {
			state = -EPERM;
			snprintf(reason, sizeof(reason),
				 "cgroup_skb programs need root (CAP_BPF and CAP_NET_ADMIN)");
		} else {
			int fds[3];
			int r = acct_fds(fds);
			state = r < 0 ? r : 1;
			if (r < 0)
				snprintf(reason, sizeof(reason),
					 "the cgroup_skb accounting programs do not load here: %s",
					 strerror(-r));
			else
				close_fds(fds);
		}
	}
	if (state < 0 && why)
		snprintf(why, why_size, "%s", reason);
	return state > 0;
}

static int set_quota(int map_fd, uint64_t cgroup_id, int dir, uint64_t quota, bool drop)
{
	struct bpf_cgroup_storage_key key = {.cgroup_inode_id = cgroup_id,
					     .attach_type = attach_types[dir]};
	struct ward_acct value;
	if (bpf_map_lookup_elem(map_fd, &key, &value) < 0)
		return -errno;
	value.quota = quota;
	value.drop = drop;
	return bpf_map_update_elem(map_fd, &key, &value, BPF_EXIST) < 0 ? -errno : 0;
}

void bpf_acct_detach(struct bpf_acct *acct)
{
	if (!acct)
		return;
	/* No detach: removing the sandbox's cgroup, which follows (or its
	 * later reclaim), detaches the programs in the kernel; meanwhile they
	 * only count (or hold a quota on) the cgroup they were put on. */
	for (int d = 0; d < 2; d++)
		if (acct->prog_fd[d] >= 0)
			close(acct->prog_fd[d]);
	if (acct->map_fd >= 0)
		close(acct->map_fd);
	if (acct->cgroup_fd >= 0)
		close(acct->cgroup_fd);
	free(acct);
}

int bpf_acct_attach(int cgroup_fd, uint64_t cgroup_id, uint64_t egress_quota,
		    uint64_t ingress_quota, bool drop, struct bpf_acct **out, ward_error *err)
{
	struct bpf_acct *acct = calloc(1, sizeof(*acct));
	if (!acct)
		return ward_fail(err, -ENOMEM, "out of memory");
	int fds[3];
	int r = acct_fds(fds);
	acct->prog_fd[0] = fds[0];
	acct->prog_fd[1] = fds[1];
	acct->map_fd = fds[2];
	acct->cgroup_fd = fcntl(cgroup_fd, F_DUPFD_CLOEXEC, 3);
	acct->cgroup_id = cgroup_id;
	if (r < 0) {
		bpf_acct_detach(acct);
		return ward_fail(err, r, "network accounting: loading the cgroup_skb programs: %s",
				 strerror(-r));
	}
	uint64_t quotas[2] = {egress_quota, ingress_quota};
	for (int d = 0; d < 2; d++) {
		if (bpf_prog_attach(acct->prog_fd[d], acct->cgroup_fd, attach_types[d],
				    BPF_F_ALLOW_MULTI) < 0) {
			r = -errno;
			bpf_acct_detach(acct);
			return ward_fail(err, r,
					 "network accounting: attaching to the sandbox cgroup: %s",
					 strerror(-r));
		}
		acct->attached[d] = true;
		if (quotas[d] && (r = set_quota(acct->map_fd, cgroup_id, d, quotas[d], drop)) < 0) {
			bpf_acct_detach(acct);
			return ward_fail(err, r, "network quota: writing the quota: %s",
					 strerror(-r));
		}
	}
	*out = acct;
	return 0;
}

static int read_map(int map_fd, uint64_t cgroup_id, struct net_figures *out)
{
	memset(out, 0, sizeof(*out));
	struct ward_acct v[2];
	for (int d = 0; d < 2; d++) {
		struct bpf_cgroup_storage_key key = {.cgroup_inode_id = cgroup_id,
						     .attach_type = attach_types[d]};
		if (bpf_map_lookup_elem(map_fd, &key, &v[d]) < 0)
			return -errno;
	}
	out->bytes_out = v[DIR_EGRESS].bytes;
	out->packets_out = v[DIR_EGRESS].packets;
	out->egress_crossed = v[DIR_EGRESS].crossed;
	out->bytes_in = v[DIR_INGRESS].bytes;
	out->packets_in = v[DIR_INGRESS].packets;
	out->ingress_crossed = v[DIR_INGRESS].crossed;
	return 0;
}

void bpf_acct_unpin_all(void)
{
	bpf_pinset_unpin_all(WARD_BPF_PIN_ROOT, "acct", pin_names, ARRAY_SIZE(pin_names));
}

int bpf_acct_read(const struct bpf_acct *acct, struct net_figures *out)
{
	return read_map(acct->map_fd, acct->cgroup_id, out);
}

int bpf_acct_read_cgroup(uint64_t cgroup_id, struct net_figures *out)
{
	pins_init();
	int fd = bpf_obj_get(pins.path[2]);
	if (fd < 0)
		return -errno;
	int r = read_map(fd, cgroup_id, out);
	close(fd);
	return r;
}
