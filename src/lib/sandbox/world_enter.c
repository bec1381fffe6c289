/* world_enter.c — the child's half of the sandbox's own root: replays the
 * operations world_build.c prepared, then pivots into the new root so the
 * host's tree is gone from the namespace. Runs between clone and exec, so
 * system calls only (no malloc, no stdio). Any failure stops the child: it
 * never execs in a half-built root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/trace.h"
#include "layers/landlock.h"
#include "sandbox/sandbox.h"
#include "sandbox/world.h"

/* Where the new root is assembled: any directory of the host serves, since
 * the tmpfs mounted on it leaves the host's tree when it becomes the root. */
#define WORLD_BASE "/tmp"

/* mkdir -p of PATH's parents (and PATH itself when LAST), in the new root. */
static int make_dirs(const char *path, bool last)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = strlen(WORLD_NEWROOT) + 1; i <= len; i++) {
		if (i < len && buf[i] != '/')
			continue;
		if (i == len && !last)
			break;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = i == len ? '\0' : '/';
	}
	return 0;
}

static int bind_tree(const struct world_op *op)
{
	int r = make_dirs(op->dst, op->is_dir);
	if (r < 0)
		return r;
	if (!op->is_dir) {
		/* An existing mount point may lie in a read-only bind. */
		int fd = open(op->dst, O_PATH | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			fd = open(op->dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	/* A recursive clone, its attributes set on every mount of it at once
	 * (mount_setattr only adds flags: the host's locked ones stay). A
	 * link is bound itself (the hosts file's: the path reads whatever
	 * file the link names at each open). */
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, op->src,
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
					(op->link ? AT_SYMLINK_NOFOLLOW : 0));
	if (tree < 0)
		return -errno;
	struct mount_attr attr = {.attr_set = op->attr};
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		    sizeof(attr)) < 0 ||
	    syscall(SYS_move_mount, tree, "", AT_FDCWD, op->dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = -errno;
		close(tree);
		return r;
	}
	close(tree);
	return 0;
}

static int run_op(const struct world_op *op)
{
	int r;
	switch (op->kind) {
	case WORLD_BIND:
		return bind_tree(op);
	case WORLD_TMPFS:
		if ((r = make_dirs(op->dst, true)) < 0)
			return r;
		return mount("tmpfs", op->dst, "tmpfs", op->attr, op->data) < 0 ? -errno : 0;
	case WORLD_PROC:
		if ((r = make_dirs(op->dst, true)) < 0)
			return r;
		return mount("proc", op->dst, "proc", op->attr, NULL) < 0 ? -errno : 0;
	case WORLD_DEVPTS:
		if ((r = make_dirs(op->dst, true)) < 0)
			return r;
		return mount("devpts", op->dst, "devpts", op->attr, op->data) < 0 ? -errno : 0;
	case WORLD_DENY:
		/* The nodes were made in the assembly root (world_enter). */
		if (mount(op->is_dir ? "/denied-dir" : "/denied-file", op->dst, NULL, MS_BIND,
			  NULL) < 0)
			return -errno;
		return mount(NULL, op->dst, NULL,
			     MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     NULL) < 0
			       ? -errno
			       : 0;
	case WORLD_OVERLAY:
		if ((r = make_dirs(op->dst, true)) < 0)
			return r;
		return mount("overlay", op->dst, "overlay", op->attr, op->data) < 0 ? -errno : 0;
	case WORLD_SYMLINK:
		if ((r = make_dirs(op->dst, false)) < 0)
			return r;
		return symlink(op->data, op->dst) < 0 && errno != EEXIST ? -errno : 0;
	}
	return -EINVAL;
}

/* lo up in the new network namespace (CAP_NET_ADMIN of its user namespace,
 * before the capabilities go). */
int world_loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	int r = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

/* The fixed steps of world_enter, for the parent's error message (a
 * negative *step; an operation's index + 1 otherwise, 0 for none). */
static const char *const fixed_steps[] = {
	"making the host's mounts private (MS_SLAVE on /)",
	("mounting the assembly tmpfs on " WORLD_BASE), /* one element */
	"making the assembly directories",
	"mounting the new root's tmpfs",
	"pivot_root into the assembly tmpfs",
	"making the denial nodes and the overlays' empty layer",
	"pivot_root into the new root and detaching the host's tree",
	"making the new root read-only",
	"changing to the start directory",
	"adding the Landlock rules of the new mounts",
};
enum {
	STEP_SLAVE = 1,
	STEP_BASE,
	STEP_DIRS,
	STEP_NEWROOT,
	STEP_PIVOT1,
	STEP_DENY_NODES,
	STEP_PIVOT2,
	STEP_RDONLY,
	STEP_CWD,
	STEP_RULES,
};

#define FAIL(at, which, expr)            \
	do {                             \
		int r_ = (expr);         \
		if (r_ < 0) {            \
			*stage = (at);   \
			*step = (which); \
			return r_;       \
		}                        \
	} while (0)
#define SYS(call) ((call) < 0 ? -errno : 0)

int world_enter(const struct world_setup *w, int landlock_fd, int *stage, int *step)
{
	/* The order matters (docs/policy.md "The sandbox's world"):
	 * a. cgroup namespace: rooted at the sandbox's cgroup, which the parent
	 *    placed us in before the release;
	 * b. no mount event propagates back to the host;
	 * c. a tmpfs becomes the root, the host's tree is at /oldroot;
	 * d. each grant is bound from /oldroot to /newroot at its own path, with
	 *    the private tmpfs, /proc (of our pid namespace) and /dev;
	 * e. /newroot becomes the root, the assembly root is detached with the
	 *    host's tree beneath it, the root itself is made read-only;
	 * f. Landlock rules on the new mounts, which have no inode before. */
	FAIL(STAGE_MOUNTS, -STEP_SLAVE, SYS(mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)));
	trace_phase("child: mounts made slave");
	FAIL(STAGE_MOUNTS, -STEP_BASE,
	     SYS(mount("tmpfs", WORLD_BASE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k")));
	FAIL(STAGE_MOUNTS, -STEP_BASE, SYS(chdir(WORLD_BASE)));
	FAIL(STAGE_MOUNTS, -STEP_DIRS, SYS(mkdir("newroot", 0755)));
	FAIL(STAGE_MOUNTS, -STEP_DIRS, SYS(mkdir("oldroot", 0755)));
	FAIL(STAGE_MOUNTS, -STEP_NEWROOT,
	     SYS(mount("tmpfs", "newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m")));
	FAIL(STAGE_PIVOT, -STEP_PIVOT1, SYS(syscall(SYS_pivot_root, ".", "oldroot")));
	FAIL(STAGE_PIVOT, -STEP_PIVOT1, SYS(chdir("/")));
	/* The empty nodes of mode 000 that denials inside grants are
	 * overmounted with (world_build.c). */
	FAIL(STAGE_MOUNTS, -STEP_DENY_NODES, SYS(mkdir("/denied-dir", 0)));
	int denied = open("/denied-file", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
	FAIL(STAGE_MOUNTS, -STEP_DENY_NODES, denied < 0 ? -errno : 0);
	close(denied);
	FAIL(STAGE_MOUNTS, -STEP_DENY_NODES, SYS(chmod("/denied-dir", 0)));
	FAIL(STAGE_MOUNTS, -STEP_DENY_NODES, SYS(mkdir(WORLD_OVERLAY_EMPTY, 0755)));
	trace_phase("child: assembly root pivoted");

	for (size_t i = 0; i < w->n_ops; i++)
		FAIL(STAGE_MOUNTS, (int)i + 1, run_op(&w->ops[i]));
	trace_phase("child: own root's mounts made");

	/* One detach for both: the assembly root stacked on the new one
	 * carries the host's tree (/oldroot) beneath it, and a lazy unmount
	 * takes the whole subtree. Each umount waits for an (expedited) RCU
	 * grace period, so a second one would only add that wait. */
	FAIL(STAGE_PIVOT, -STEP_PIVOT2, SYS(chdir(WORLD_NEWROOT)));
	FAIL(STAGE_PIVOT, -STEP_PIVOT2, SYS(syscall(SYS_pivot_root, ".", ".")));
	FAIL(STAGE_PIVOT, -STEP_PIVOT2, SYS(umount2(".", MNT_DETACH)));
	trace_phase("child: pivoted into the own root");
	FAIL(STAGE_PIVOT, -STEP_PIVOT2, SYS(chdir("/")));
	FAIL(STAGE_PIVOT, -STEP_RDONLY,
	     SYS(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
		       NULL)));
	FAIL(STAGE_CWD, -STEP_CWD, SYS(chdir(w->cwd)));

	for (size_t i = 0; landlock_fd >= 0 && i < w->n_rules; i++)
		FAIL(STAGE_LANDLOCK, -STEP_RULES,
		     landlock_add_path_rule(landlock_fd, w->rules[i].path, w->rules[i].rights));
	trace_phase("child: Landlock rules of the own root added");
	return 0;
}

const char *world_step_name(const struct world_setup *w, int step, char *buf, size_t size)
{
	if (step < 0 && -step <= (int)(sizeof(fixed_steps) / sizeof(fixed_steps[0])))
		return fixed_steps[-step - 1];
	if (step <= 0 || (size_t)step > w->n_ops)
		return NULL;
	static const char *const kinds[] = {
		[WORLD_BIND] = "binding",
		[WORLD_TMPFS] = "mounting a tmpfs on",
		[WORLD_SYMLINK] = "making the link",
		[WORLD_PROC] = "mounting proc on",
		[WORLD_DEVPTS] = "mounting devpts on",
		[WORLD_DENY] = "masking",
		[WORLD_OVERLAY] = "mounting a read-only overlay on",
	};
	const struct world_op *op = &w->ops[step - 1];
	const char *dst = op->dst + strlen(WORLD_NEWROOT);
	snprintf(buf, size, "%s %s", kinds[op->kind], dst[0] ? dst : "/");
	return buf;
}
