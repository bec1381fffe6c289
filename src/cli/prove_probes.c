/* prove_probes.c — the attack programs of `ward prove`, run inside a sandbox
 * as `ward __probe NAME attack|control DIR PORT_DENIED PORT_ALLOWED PID`.
 * Each tries one escape (attack) or the same operation on something the
 * policy allows (control) and exits with 0 or the errno it met (prove.h).
 * Probes never decide whether they passed: the runner does, from outside.
 * They must never harm the host if an attack succeeds: every target is the
 * runner's own scratch directory, listener or helper process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/openat2.h>
#include <linux/perf_event.h>
#include <linux/vm_sockets.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

#include "prove.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x10U
#endif

struct probe_args {
	bool attack;
	bool own;	 /* exec-memfd: copy a granted program, not the denied one */
	const char *dir; /* the runner's scratch directory, outside every grant */
	int port_denied, port_allowed;
	pid_t outside;	 /* a process of the runner's, outside the sandbox */
	const char *tmp; /* the sandbox's private TMPDIR */
	char path[4096];
};

/* The exit status for a call's result. */
static int result(long r)
{
	if (r >= 0)
		return 0;
	return errno > 0 && errno < PROBE_SETUP ? errno : PROBE_SETUP;
}

static const char *at(struct probe_args *a, const char *base, const char *name)
{
	snprintf(a->path, sizeof(a->path), "%s/%s", base, name);
	return a->path;
}

static int make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int r = write(fd, "x\n", 2) == 2 ? 0 : -1;
	close(fd);
	return r;
}

/* Opens the target for reading: the outside secret, or a file in TMPDIR. */
static const char *read_target(struct probe_args *a)
{
	static char path[4096];
	if (a->attack) {
		snprintf(path, sizeof(path), "%s/secret", a->dir);
	} else {
		snprintf(path, sizeof(path), "%s/own", a->tmp);
		if (make_file(path) < 0)
			return NULL;
	}
	return path;
}

/* ---- fs ---- */
static int fs_symlink(struct probe_args *a)
{
	const char *target = read_target(a);
	if (!target)
		return PROBE_SETUP;
	const char *link = at(a, a->tmp, "link");
	unlink(link);
	if (symlink(target, link) < 0)
		return PROBE_SETUP;
	return result(open(link, O_RDONLY | O_CLOEXEC));
}

static int fs_dotdot(struct probe_args *a)
{
	const char *target = read_target(a);
	if (!target)
		return PROBE_SETUP;
	if (mkdir(at(a, a->tmp, "sub"), 0755) < 0 && errno != EEXIST)
		return PROBE_SETUP;
	char path[8192];
	/* Up from the private directory to the root, then down to the target. */
	snprintf(path, sizeof(path), "%s/sub/../../../../../../../../..%s", a->tmp, target);
	return result(open(path, O_RDONLY | O_CLOEXEC));
}

static int fs_rename(struct probe_args *a)
{
	const char *from = at(a, a->tmp, "moved");
	if (make_file(from) < 0)
		return PROBE_SETUP;
	char to[4096];
	snprintf(to, sizeof(to), "%s/moved-%d", a->attack ? a->dir : a->tmp, (int)getpid());
	return result(rename(from, to));
}

static int fs_opath_reopen(struct probe_args *a)
{
	const char *target = read_target(a);
	if (!target)
		return PROBE_SETUP;
	int fd = open(target, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return result(fd);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return result(open(proc, O_RDONLY | O_CLOEXEC));
}

static int fs_openat2(struct probe_args *a)
{
	const char *target = read_target(a);
	if (!target)
		return PROBE_SETUP;
	/* An alias through a directory fd and RESOLVE_* flags. */
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return PROBE_SETUP;
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS};
	long r = syscall(SYS_openat2, root, target + 1, &how, sizeof(how));
	/* The filter may refuse openat2 itself (ENOSYS: libc falls back to
	 * openat); the control then shows the fallback works. */
	if (r < 0 && errno == ENOSYS && !a->attack)
		r = openat(root, target + 1, O_RDONLY | O_CLOEXEC);
	return result(r);
}

static int fs_hardlink_new(struct probe_args *a)
{
	const char *target = read_target(a);
	if (!target)
		return PROBE_SETUP;
	char name[4096];
	snprintf(name, sizeof(name), "%s/hl-%d", a->tmp, (int)getpid());
	return result(link(target, name));
}

/* --fs-deny DIR/l/deny under -w DIR/l: DIR/l/alias is a hard link (made before the
 * run) to a file beneath the denied directory. */
static int fs_deny_hardlink(struct probe_args *a)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/l/%s", a->dir, a->attack ? "alias" : "public");
	return result(open(path, O_RDONLY | O_CLOEXEC));
}

/* The same policy: the denied directory stays denied, and the rest of the
 * grant stays fully usable (creating a file beside it). */
static int fs_deny_usable(struct probe_args *a)
{
	char path[4096];
	if (a->attack) {
		snprintf(path, sizeof(path), "%s/w/deny/secret", a->dir);
		return result(open(path, O_RDONLY | O_CLOEXEC));
	}
	snprintf(path, sizeof(path), "%s/w/new-%d", a->dir, (int)getpid());
	int r = make_file(path);
	if (r == 0)
		unlink(path);
	return result(r);
}

/* -w DIR/p --fs-deny DIR/p/sub/secret: renaming DIR/p/sub away (and
 * creating DIR/p/sub/secret afresh) would replace the denied file for what
 * runs there later. Control: the same rename of DIR/p/other. Put back when
 * it works, so a run leaves the scratch directory as it was. */
static int fs_deny_rename_parent(struct probe_args *a)
{
	char from[4096], to[4200];
	snprintf(from, sizeof(from), "%s/p/%s", a->dir, a->attack ? "sub" : "other");
	snprintf(to, sizeof(to), "%s-moved-%d", from, (int)getpid());
	int r = result(rename(from, to));
	if (r == 0)
		(void)!rename(to, from);
	return r;
}

/* -w DIR/a --fs-deny DIR/a/absent, absent at start: creating it must fail.
 * Control: another new name beside it. Removed again when made. */
static int fs_deny_absent(struct probe_args *a)
{
	char path[4096];
	if (a->attack)
		snprintf(path, sizeof(path), "%s/a/absent", a->dir);
	else
		snprintf(path, sizeof(path), "%s/a/new-%d", a->dir, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int r = result(fd);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return r;
}

/* ---- unix sockets ---- */
static int unix_connect(const char *path, bool abstract)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return PROBE_SETUP;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len + 2 > sizeof(sun.sun_path))
		return PROBE_SETUP;
	memcpy(sun.sun_path + (abstract ? 1 : 0), path, len);
	socklen_t sl =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 1 : 0));
	return result(connect(s, (struct sockaddr *)&sun, sl));
}

/* A listener the probe makes itself, inside the sandbox: the control. */
static int unix_own_listener(struct probe_args *a, const char *name, bool abstract)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	memcpy(sun.sun_path + (abstract ? 1 : 0), name, len);
	socklen_t sl =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (abstract ? 1 : 0));
	if (!abstract)
		unlink(name);
	if (bind(s, (struct sockaddr *)&sun, sl) < 0 || listen(s, 4) < 0)
		return -1;
	(void)a;
	return s;
}

/* The control of the pathname probes: a socket the probe makes in NAME's
 * directory (its TMPDIR, or the write grant DIR/uw) answers. */
static int unix_own_connect(struct probe_args *a, const char *dir, const char *name)
{
	char own[4096];
	snprintf(own, sizeof(own), "%s/%s", dir, name);
	if (unix_own_listener(a, own, false) < 0)
		return PROBE_SETUP;
	return unix_connect(own, false);
}

/* The runner's socket in the read grant DIR/u. */
static int unix_pathname(struct probe_args *a)
{
	if (a->attack)
		return unix_connect(at(a, a->dir, "u/sock"), false);
	return unix_own_connect(a, a->tmp, "own.sock");
}

/* The same socket through a symlink the runner left in the write grant. */
static int unix_symlink(struct probe_args *a)
{
	if (a->attack)
		return unix_connect(at(a, a->dir, "uw/alias"), false);
	char own[4096], link[4096];
	snprintf(own, sizeof(own), "%s/own-%d.sock", a->tmp, (int)getpid());
	snprintf(link, sizeof(link), "%s/uw/own-alias-%d", a->dir, (int)getpid());
	if (unix_own_listener(a, own, false) < 0 || (unlink(link), symlink(own, link)) < 0)
		return PROBE_SETUP;
	int r = unix_connect(link, false);
	unlink(link);
	return r;
}

/* A relative name, resolved from the working directory. */
static int unix_relative(struct probe_args *a)
{
	if (chdir(a->attack ? at(a, a->dir, "u") : a->tmp) < 0)
		return PROBE_SETUP;
	if (a->attack)
		return unix_connect("sock", false);
	if (unix_own_listener(a, "rel.sock", false) < 0)
		return PROBE_SETUP;
	return unix_connect("rel.sock", false);
}

/* A name in the write grant that a second thread keeps swapping (rename
 * is atomic) between a symlink to the probe's own socket and one to the
 * runner's: a check of one and a connect to the other would reach the
 * runner's. */
struct race_names {
	char own[4096], link[4096], name[4096], tmp[4096];
	volatile int stop;
};

static void *race_swapper(void *arg)
{
	struct race_names *n = arg;
	while (!n->stop) {
		if (symlink(n->own, n->tmp) < 0 || rename(n->tmp, n->name) < 0 ||
		    symlink(n->link, n->tmp) < 0 || rename(n->tmp, n->name) < 0)
			break;
	}
	return NULL;
}

static int unix_rename_race(struct probe_args *a)
{
	static struct race_names n;
	pid_t me = getpid();
	snprintf(n.own, sizeof(n.own), "%s/uw/race-own-%d", a->dir, (int)me);
	snprintf(n.name, sizeof(n.name), "%s/uw/race-%d", a->dir, (int)me);
	snprintf(n.tmp, sizeof(n.tmp), "%s/uw/race-tmp-%d", a->dir, (int)me);
	if (a->attack)
		snprintf(n.link, sizeof(n.link), "%s/u/sock", a->dir);
	else /* the control: both names lead to the probe's own socket */
		snprintf(n.link, sizeof(n.link), "%s", n.own);
	unlink(n.tmp);
	int l = unix_own_listener(a, n.own, false);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t name_len = strlen(n.name);
	/* Non-blocking: a denied connect leaves nothing to accept. */
	if (l < 0 || name_len >= sizeof(sun.sun_path) || fcntl(l, F_SETFL, O_NONBLOCK) < 0)
		return PROBE_SETUP;
	memcpy(sun.sun_path, n.name, name_len);
	pthread_t swapper;
	if (pthread_create(&swapper, NULL, race_swapper, &n) != 0)
		return PROBE_SETUP;
	int won = 0, denied = 0, connected = 0;
	for (int i = 0; i < 400 && !won; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 || errno == EAGAIN) {
			struct sockaddr_un peer = {0};
			socklen_t len = sizeof(peer);
			/* The runner's socket answers with its own bound name. */
			if (getpeername(s, (struct sockaddr *)&peer, &len) == 0 &&
			    strstr(peer.sun_path, "/u/sock"))
				won = 1;
			connected++;
		} else if (errno == EACCES) {
			denied++;
		}
		close(s);
		int c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
	}
	n.stop = 1;
	pthread_join(swapper, NULL);
	unlink(n.own);
	unlink(n.name);
	unlink(n.tmp);
	if (won)
		return 0;
	if (a->attack)
		return denied ? EACCES : PROBE_SETUP;
	return connected && !denied ? 0 : denied ? EACCES : PROBE_SETUP;
}

/* A datagram to the runner's socket by name (sendto with an address). */
static int unix_dgram(struct probe_args *a)
{
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return PROBE_SETUP;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (a->attack) {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/u/dg", a->dir);
	} else {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/own.dg", a->tmp);
		unlink(sun.sun_path);
		int own = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (own < 0 || bind(own, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return PROBE_SETUP;
	}
	return result(sendto(s, "prove", 5, 0, (struct sockaddr *)&sun, sizeof(sun)));
}

/* sendmmsg whose first 64 datagrams go to the probe's own abstract
 * sockets and whose 65th names the runner's datagram socket (DIR/u/dg):
 * the supervisor once looked at 64 messages only and, on the host's
 * network (Landlock's scope judging the abstract names), let the kernel
 * send all 65 (red6). The control sends the 65th to its own socket too. */
#define PROBE_MMSG 64
static int unix_sendmmsg_tail(struct probe_args *a)
{
	static struct sockaddr_un names[PROBE_MMSG + 1];
	static struct mmsghdr msgs[PROBE_MMSG + 1];
	static struct iovec iov = {.iov_base = "prove", .iov_len = 5};
	socklen_t lens[PROBE_MMSG + 1];
	for (int i = 0; i <= PROBE_MMSG; i++) {
		struct sockaddr_un *n = &names[i];
		n->sun_family = AF_UNIX;
		if (i == PROBE_MMSG && a->attack) {
			snprintf(n->sun_path, sizeof(n->sun_path), "%s/u/dg", a->dir);
			lens[i] = sizeof(*n);
		} else {
			/* One socket each: a datagram queue holds about ten. */
			snprintf(n->sun_path + 1, sizeof(n->sun_path) - 1, "ward-prove-mm-%d-%d",
				 (int)getpid(), i);
			lens[i] = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
					      strlen(n->sun_path + 1));
			int own = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (own < 0 || bind(own, (struct sockaddr *)n, lens[i]) < 0)
				return PROBE_SETUP;
		}
		msgs[i].msg_hdr.msg_name = n;
		msgs[i].msg_hdr.msg_namelen = lens[i];
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return PROBE_SETUP;
	int sent = sendmmsg(s, msgs, PROBE_MMSG + 1, MSG_DONTWAIT);
	if (sent < 0)
		return result(sent);
	/* A short count: the datagram to DIR/u/dg was not sent. */
	return sent == PROBE_MMSG + 1 ? 0 : a->attack ? EACCES : PROBE_SETUP;
}

/* --unix-allow DIR/uw/net-unix lies in the write grant DIR/uw: the
 * sandbox makes it a symlink to the runner's socket DIR/u/sock and
 * connects there (red6: the rule's path was stat()ed following links, so
 * the runner's socket, or every socket under a linked directory, was
 * allowed). The control links it to its own socket in its TMPDIR. */
static int unix_allow_swap(struct probe_args *a)
{
	char own[4096];
	const char *link = at(a, a->dir, "uw/net-unix");
	char name[4096];
	snprintf(name, sizeof(name), "%s", link);
	unlink(name);
	if (a->attack) {
		if (symlink(at(a, a->dir, "u/sock"), name) < 0)
			return PROBE_SETUP;
		int r = unix_connect(at(a, a->dir, "u/sock"), false);
		unlink(name);
		return r;
	}
	snprintf(own, sizeof(own), "%s/own-swap-%d.sock", a->tmp, (int)getpid());
	if (unix_own_listener(a, own, false) < 0 || symlink(own, name) < 0)
		return PROBE_SETUP;
	int r = unix_connect(own, false);
	unlink(name);
	return r;
}

/* --unix-allow DIR/u/allowed: that socket answers, its neighbour does not. */
static int unix_allowed(struct probe_args *a)
{
	return unix_connect(at(a, a->dir, a->attack ? "u/sock" : "u/allowed"), false);
}

static int unix_abstract(struct probe_args *a)
{
	char name[64];
	if (a->attack) {
		snprintf(name, sizeof(name), "ward-prove-%d", (int)a->outside);
		return unix_connect(name, true);
	}
	snprintf(name, sizeof(name), "ward-prove-own-%d", (int)getpid());
	if (unix_own_listener(a, name, true) < 0)
		return PROBE_SETUP;
	return unix_connect(name, true);
}

/* ---- metadata ---- */
static const char *meta_target(struct probe_args *a)
{
	static char path[4096];
	if (a->attack) {
		snprintf(path, sizeof(path), "%s/meta", a->dir);
		return path;
	}
	snprintf(path, sizeof(path), "%s/meta-own", a->tmp);
	return make_file(path) < 0 ? NULL : path;
}

static int meta_chmod(struct probe_args *a)
{
	const char *t = meta_target(a);
	return t ? result(chmod(t, 0640)) : PROBE_SETUP;
}

/* A device node planted in a write grant works outside like a set-id file:
 * a block node of the disk the sandbox's root sits on, mode 0600 here so
 * that even a success exposes nothing to other users. The control makes
 * a fifo with the same call (Landlock grants no device rights, so even the
 * 0:0 whiteout seccomp lets through is no control here). */
static int meta_mknod_dev(struct probe_args *a)
{
	struct stat st;
	if (stat("/", &st) < 0)
		return PROBE_SETUP;
	const char *node = at(a, a->tmp, "node");
	unlink(node);
	long r =
		a->attack ? mknod(node, S_IFBLK | 0600, st.st_dev) : mknod(node, S_IFIFO | 0600, 0);
	int e = errno;
	unlink(node);
	errno = e;
	return result(r);
}

/* A host device node bound into the sandbox's /dev is the host's own
 * inode: through a writable bind, chmod (root) or a chown/utimensat would
 * change the host's /dev/urandom (a read-only grant) for every user. The
 * attack is a chown to -1:-1, which changes nothing but the node's ctime
 * even when it succeeds; the control does the same to a file of its own. */
static int meta_dev_node(struct probe_args *a)
{
	const char *t = a->attack ? "/dev/urandom" : meta_target(a);
	return t ? result(chown(t, (uid_t)-1, (gid_t)-1)) : PROBE_SETUP;
}

static int meta_chown(struct probe_args *a)
{
	const char *t = meta_target(a);
	return t ? result(chown(t, getuid(), getgid())) : PROBE_SETUP;
}

static int meta_setxattr(struct probe_args *a)
{
	const char *t = meta_target(a);
	if (!t)
		return PROBE_SETUP;
	int r = setxattr(t, "user.ward-prove", "1", 1, 0);
	/* A file system without user xattrs cannot be attacked this way. */
	if (r < 0 && errno == EOPNOTSUPP)
		return PROBE_UNSUPPORTED;
	return result(r);
}

static int meta_utimes(struct probe_args *a)
{
	const char *t = meta_target(a);
	struct timespec ts[2] = {{.tv_sec = 1}, {.tv_sec = 1}};
	return t ? result(utimensat(AT_FDCWD, t, ts, 0)) : PROBE_SETUP;
}

/* ---- exec ---- */
static const char *exec_target(struct probe_args *a)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/bin/%s", a->dir, a->attack ? "denied" : "ok");
	return path;
}

/* Runs ARGV (with PATH or through FD) in a child; 0 when it exited 0. */
static int run_child(const char *path, char *const argv[], int fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return PROBE_SETUP;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		/* The sandbox's environment (a test build's ASAN_OPTIONS). */
		if (fd >= 0)
			syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		else
			execve(path, argv, environ);
		_exit(errno > 0 && errno < PROBE_SETUP ? errno : PROBE_SETUP);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return PROBE_SETUP;
	if (WIFSIGNALED(status))
		return EPERM; /* killed: it did not run */
	return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status);
}

static int exec_deny(struct probe_args *a)
{
	const char *t = exec_target(a);
	char *argv[] = {(char *)t, "version", NULL};
	return run_child(t, argv, -1);
}

static const char *ld_so(void)
{
	static const char *const candidates[] = {"/lib64/ld-linux-x86-64.so.2",
						 "/lib/ld-linux-aarch64.so.1",
						 "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"};
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

static int exec_ldso(struct probe_args *a)
{
	const char *ld = ld_so();
	if (!ld)
		return PROBE_UNSUPPORTED; /* a static system: no loader to run it */
	char *argv[] = {(char *)ld, (char *)exec_target(a), "version", NULL};
	int r = run_child(ld, argv, -1);
	/* ld.so exits 127 when it cannot open or map the program. */
	return r == 127 ? EACCES : r;
}

static int exec_fexecve(struct probe_args *a)
{
	int fd = open(exec_target(a), O_PATH | O_CLOEXEC);
	if (fd < 0)
		return result(fd);
	char *argv[] = {"prog", "version", NULL};
	return run_child(NULL, argv, fd);
}

/* The bytes of a program copied into a memfd and executed from it; the
 * control runs the program allowed beside it. */
static int exec_memfd(struct probe_args *a)
{
	/* The targets are copies of ward, the own case ward itself: each
	 * runs `version` and exits 0. */
	const char *prog = a->own ? "/proc/self/exe" : exec_target(a);
	char *argv[] = {"prog", "version", NULL};
	if (!a->attack)
		return run_child(prog, argv, -1);
	int in = open(prog, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return result(in);
	int mfd = (int)syscall(SYS_memfd_create, "prove", MFD_CLOEXEC);
	if (mfd < 0)
		return result(mfd);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			return PROBE_SETUP;
	return run_child(NULL, argv, mfd);
}

/* No exec outside exec grants: a granted program's bytes in a memfd (which
 * no exec grant covers) must not run either. */
static int exec_memfd_own(struct probe_args *a)
{
	a->own = true;
	return exec_memfd(a);
}

static int exec_mmap(struct probe_args *a)
{
	int fd = open(exec_target(a), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return result(fd);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	return p == MAP_FAILED ? result(-1) : 0;
}

/* -x DIR/x --exec-deny DIR/x/a/denied: DIR/x/b/alias is a hard link to
 * it (made before the run); the control runs DIR/x/b/ok beside it. */
static int exec_deny_hardlink(struct probe_args *a)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/x/b/%s", a->dir, a->attack ? "alias" : "ok");
	char *argv[] = {path, "version", NULL};
	return run_child(path, argv, -1);
}

/* ---- net ---- */
static int inet_connect(int family, int type, int proto, const char *addr, int port, int flags)
{
	int s = socket(family, type | SOCK_CLOEXEC, proto);
	if (s < 0 && errno == EAFNOSUPPORT && family == AF_INET6)
		return PROBE_UNSUPPORTED; /* a host without IPv6 */
	if (s < 0)
		return result(s);
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			return PROBE_SETUP;
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			return PROBE_SETUP;
		len = sizeof(*in6);
	}
	long r;
	if (flags & MSG_FASTOPEN)
		r = sendto(s, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&ss, len);
	else if (type == SOCK_DGRAM)
		r = sendto(s, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&ss, len);
	else
		r = connect(s, (struct sockaddr *)&ss, len);
	int e = errno;
	close(s);
	errno = e;
	return result(r);
}

/* A UDP datagram to an address no rule allows, from a process with a
 * second (idle) thread: the supervisor makes sends of a task whose fd
 * table others share on its behalf, and the BPF LSM judges the calling
 * task, so ward's thread once passed every address rule there (red6).
 * The control sends to the allowed udp://127.0.0.2:9. */
static void *idle_thread(void *arg)
{
	char c;
	(void)!read(*(int *)arg, &c, 1);
	return NULL;
}

static int net_udp_thread(struct probe_args *a)
{
	int p[2];
	pthread_t t;
	if (pipe(p) < 0 || pthread_create(&t, NULL, idle_thread, &p[0]) != 0)
		return PROBE_SETUP;
	int r = inet_connect(AF_INET, SOCK_DGRAM, 0, a->attack ? "127.0.0.3" : "127.0.0.2", 9, 0);
	(void)!write(p[1], "x", 1);
	pthread_join(t, NULL);
	return r;
}

static int net_tcp_control(struct probe_args *a)
{
	return inet_connect(AF_INET, SOCK_STREAM, 0, "127.0.0.1", a->port_allowed, 0);
}

static int net_zero4(struct probe_args *a)
{
	return a->attack ? inet_connect(AF_INET, SOCK_STREAM, 0, "0.0.0.0", a->port_denied, 0)
			 : inet_connect(AF_INET, SOCK_STREAM, 0, "127.0.0.2", a->port_denied, 0);
}

static int net_zero_mapped(struct probe_args *a)
{
	return inet_connect(AF_INET6, SOCK_STREAM, 0,
			    a->attack ? "::ffff:0.0.0.0" : "::ffff:127.0.0.2", a->port_denied, 0);
}

static int net_zero6(struct probe_args *a)
{
	return a->attack ? inet_connect(AF_INET6, SOCK_STREAM, 0, "::", a->port_denied, 0)
			 : inet_connect(AF_INET, SOCK_STREAM, 0, "127.0.0.2", a->port_denied, 0);
}

static int net_tfo(struct probe_args *a)
{
	return a->attack ? inet_connect(AF_INET, SOCK_STREAM, 0, "127.0.0.1", a->port_denied,
					MSG_FASTOPEN)
			 : net_tcp_control(a);
}

static int net_mptcp(struct probe_args *a)
{
	if (!a->attack)
		return net_tcp_control(a);
	int r = inet_connect(AF_INET, SOCK_STREAM, IPPROTO_MPTCP, "127.0.0.1", a->port_denied, 0);
	return r == EPROTONOSUPPORT || r == ENOPROTOOPT ? PROBE_UNSUPPORTED : r;
}

static int net_mptcp_bind(struct probe_args *a)
{
	if (!a->attack)
		return net_tcp_control(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (s < 0)
		return errno == EPROTONOSUPPORT ? PROBE_UNSUPPORTED : result(s);
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)a->port_denied + 1)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return result(bind(s, (struct sockaddr *)&in, sizeof(in)));
}

static int net_sctp(struct probe_args *a)
{
	if (!a->attack)
		return net_tcp_control(a);
	int r = inet_connect(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, "127.0.0.1", a->port_denied, 0);
	if (r == EPROTONOSUPPORT || r == ESOCKTNOSUPPORT)
		return PROBE_UNSUPPORTED;
	/* Nothing listens for SCTP: refused means the socket worked. */
	return r == ECONNREFUSED ? 0 : r;
}

static int net_ping(struct probe_args *a)
{
	if (!a->attack)
		return inet_connect(AF_INET, SOCK_DGRAM, 0, "127.0.0.2", 9, 0);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0)
		return result(s);
	unsigned char echo[8] = {8, 0, 0, 0, 0, 0, 0, 1};
	struct sockaddr_in in = {.sin_family = AF_INET};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return result(sendto(s, echo, sizeof(echo), 0, (struct sockaddr *)&in, sizeof(in)));
}

static int net_vsock(struct probe_args *a)
{
	if (!a->attack)
		return result(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 && errno == EAFNOSUPPORT)
		return PROBE_UNSUPPORTED;
	return result(s);
}

static int net_raw(struct probe_args *a)
{
	return a->attack ? result(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP))
			 : net_tcp_control(a);
}

static int net_packet(struct probe_args *a)
{
	return a->attack ? result(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0))
			 : net_tcp_control(a);
}

/* Source routing: a route option sends each packet to its first hop, while
 * every layer checked the final address (the allowed one). The hop is
 * loopback: even a success sends nothing away. The control sets a
 * harmless option at the same level. */
static int set_opt(int family, int level, int name, const void *v, socklen_t len)
{
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 && errno == EAFNOSUPPORT && family == AF_INET6)
		return PROBE_UNSUPPORTED;
	if (s < 0)
		return result(s);
	long r = setsockopt(s, level, name, v, len);
	int e = errno;
	close(s);
	errno = e;
	return result(r);
}

static int net_srcroute4(struct probe_args *a)
{
	/* LSRR, pointer 4, one hop (127.0.0.3), then a NOP to pad to 8. */
	unsigned char opt[8] = {0x83, 7, 4, 127, 0, 0, 3, 1};
	int tos = 0x10;
	return a->attack ? set_opt(AF_INET, IPPROTO_IP, IP_OPTIONS, opt, sizeof(opt))
			 : set_opt(AF_INET, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

static int net_srcroute6(struct probe_args *a)
{
	/* An SRv6 header (type 4, which needs no privilege): segments ::1
	 * (the hop, visited first) and ::1. */
	unsigned char srh[8 + 32] = {0, 4, 4, 1, 1};
	srh[8 + 15] = srh[8 + 16 + 15] = 1;
	int hops = 9;
	return a->attack ? set_opt(AF_INET6, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof(srh))
			 : set_opt(AF_INET6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
}

/* A TCP bind range without port 0: listen() on a socket never bound must
 * not make it a server on an ephemeral port (the kernel binds it inside
 * listen(), past Landlock's bind hook). The control binds a port of the
 * range and listens, then listens on an abstract unix socket. */
static int listen_on_granted_port(struct probe_args *a)
{
	int e = EADDRINUSE;
	for (int port = a->port_allowed + 1; port <= a->port_allowed + PROBE_BIND_SPAN; port++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return result(s);
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(s, (struct sockaddr *)&in, sizeof(in)) < 0) {
			e = errno;
			close(s);
			if (e == EADDRINUSE)
				continue; /* another program's: the next one */
			return e;
		}
		long r = listen(s, 1);
		e = r < 0 ? errno : 0;
		close(s);
		return e;
	}
	return e;
}

static int net_listen_autobind(struct probe_args *a)
{
	if (!a->attack) {
		int r = listen_on_granted_port(a);
		if (r)
			return r;
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "ward-prove-listen-%d",
				 (int)getpid());
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return result(s);
		long l = bind(s, (struct sockaddr *)&sun,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n));
		if (l == 0)
			l = listen(s, 1);
		int e = l < 0 ? errno : 0;
		close(s);
		return e;
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return result(s);
	long r = listen(s, 1);
	int e = errno;
	close(s);
	errno = e;
	return result(r);
}

/* AF_XDP transmits raw frames on a device queue (copy mode needs no BPF
 * program), past every address hook, like AF_PACKET. */
static int net_xdp(struct probe_args *a)
{
	return a->attack ? result(socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0)) : net_tcp_control(a);
}

/* Netlink: reading the routing tables is harmless (the control); changing
 * them needs CAP_NET_ADMIN over the host's network. The attack asks to
 * change a link that cannot exist: the kernel checks the capability first
 * (EPERM), and only then finds no such link (ENODEV), so nothing changes
 * either way, and ENODEV means the change would have been made. */
static int net_netlink(struct probe_args *a)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return result(s);
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = {.nlmsg_len = sizeof(req),
		       .nlmsg_type = a->attack ? RTM_SETLINK : RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (a->attack ? 0 : NLM_F_DUMP),
		       .nlmsg_seq = 1},
		.ifi = {.ifi_family = AF_UNSPEC,
			.ifi_index = a->attack ? 0x7ffffff0 : 0,
			.ifi_flags = a->attack ? IFF_UP : 0,
			.ifi_change = a->attack ? IFF_UP : 0},
	};
	if (send(s, &req, sizeof(req), 0) < 0)
		return result(-1);
	char buf[16384];
	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n < 0)
			return result(-1);
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type != NLMSG_ERROR)
				continue;
			int e = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (e == ENODEV && a->attack)
				return 0; /* past the capability check */
			return e > 0 && e < PROBE_SETUP ? e : e == 0 ? 0 : PROBE_SETUP;
		}
	}
}

/* ---- argv ---- */
/* The target of the argv probes: exits PROBE_ARGV_WON when it was run with
 * the denied word, 0 otherwise. */
static int argv_target(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "FORBIDDEN"))
			return PROBE_ARGV_WON;
	return 0;
}

static int self_exec(char *const argv[])
{
	return run_child("/proc/self/exe", argv, -1);
}

/* A separate process (not sharing the mm or the fd table) flips the argv
 * word in a MAP_SHARED page while the exec is inspected: bounded attempts,
 * none may run with FORBIDDEN. The control execs the allowed word. */
static int argv_mapshared(struct probe_args *a)
{
	static const char allowed[] = "ALLOWED..", denied[] = "FORBIDDEN";
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return PROBE_SETUP;
	char *word = page + 128, *stop = page + 256;
	memcpy(word, allowed, sizeof(allowed));
	char *argv[] = {"ward", "__probe", "argv-target", "x", word, NULL};
	if (!a->attack)
		return self_exec(argv);
	/* argv-untraced: the flipper is made with CLONE_UNTRACED, which no
	 * ptrace fork event reports to a tracer of its parent. */
	pid_t flipper =
		a->own ? (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_UNTRACED | SIGCHLD), 0UL,
					NULL, NULL, 0UL)
		       : fork();
	if (flipper < 0) /* the filter refusing CLONE_UNTRACED: stopped */
		return a->own ? result(-1) : PROBE_SETUP;
	if (flipper == 0) {
		/* Half the time each: the supervisor must read ALLOWED, then
		 * the kernel FORBIDDEN. */
		while (!*(volatile char *)stop) {
			memcpy(word, denied, sizeof(denied));
			/* Barriers: neither store is dead to the compiler. */
			__asm__ volatile("" ::: "memory");
			for (volatile int i = 0; i < 2000; i++)
				;
			memcpy(word, allowed, sizeof(allowed));
			__asm__ volatile("" ::: "memory");
			for (volatile int i = 0; i < 2000; i++)
				;
		}
		_exit(0);
	}
	int verdict = EACCES;
	for (int i = 0; i < 200 && verdict != 0; i++) {
		int r = self_exec(argv);
		if (r == PROBE_ARGV_WON)
			verdict = 0;
	}
	*(volatile char *)stop = 1;
	waitpid(flipper, NULL, 0);
	return verdict;
}

static int argv_untraced(struct probe_args *a)
{
	a->own = true;
	return argv_mapshared(a);
}

/* The denied argv through another name for the same program. */
static int argv_symlink(struct probe_args *a)
{
	const char *link = at(a, a->tmp, "innocent");
	char real[4096];
	ssize_t n = readlink("/proc/self/exe", real, sizeof(real) - 1);
	if (n < 0)
		return PROBE_SETUP;
	real[n] = '\0';
	unlink(link);
	if (symlink(real, link) < 0)
		return PROBE_SETUP;
	char *argv[] = {
		"innocent", "__probe", "argv-target", "x", a->attack ? "FORBIDDEN" : "ALLOWED",
		NULL};
	int r = run_child(link, argv, -1);
	return r == PROBE_ARGV_WON ? 0 : r == 0 && !a->attack ? 0 : r ? r : EACCES;
}

static int argv_ldso(struct probe_args *a)
{
	const char *ld = ld_so();
	char real[4096];
	ssize_t n = readlink("/proc/self/exe", real, sizeof(real) - 1);
	if (!ld)
		return PROBE_UNSUPPORTED; /* a static system: no loader */
	if (n < 0)
		return PROBE_SETUP;
	real[n] = '\0';
	char *argv[] = {(char *)ld,    real, "__probe",
			"argv-target", "x",  a->attack ? "FORBIDDEN" : "ALLOWED",
			NULL};
	int r = run_child(ld, argv, -1);
	return r == PROBE_ARGV_WON ? 0 : r == 0 && !a->attack ? 0 : r ? r : EACCES;
}

/* ---- processes outside ---- */
static int proc_signal(struct probe_args *a)
{
	if (a->attack)
		return result(kill(a->outside, SIGCONT));
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	int r = result(kill(pid, SIGKILL));
	waitpid(pid, NULL, 0);
	return r;
}

static int proc_ptrace(struct probe_args *a)
{
	if (!a->attack)
		return result(getppid());
	long r = ptrace(PTRACE_SEIZE, a->outside, 0, 0);
	if (r == 0)
		ptrace(PTRACE_DETACH, a->outside, 0, 0);
	return result(r);
}

static int proc_file(struct probe_args *a, const char *what, int flags)
{
	char path[128];
	if (a->attack)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)a->outside, what);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", what);
	return result(open(path, flags | O_CLOEXEC));
}

static int proc_mem(struct probe_args *a)
{
	return proc_file(a, "mem", O_RDONLY);
}

static int proc_cwd(struct probe_args *a)
{
	/* The outside helper's cwd is the scratch directory: its secret. */
	if (!a->attack) {
		if (chdir(a->tmp) < 0 || make_file("secret") < 0)
			return PROBE_SETUP;
	}
	return proc_file(a, "cwd/secret", O_RDONLY);
}

static int proc_root(struct probe_args *a)
{
	char what[4200];
	snprintf(what, sizeof(what), "root%s/secret", a->attack ? a->dir : "/etc/hostname/..");
	if (!a->attack)
		return proc_file(a, "root/etc/hostname", O_RDONLY);
	return proc_file(a, what, O_RDONLY);
}

static int proc_exe(struct probe_args *a)
{
	return proc_file(a, "exe", O_RDONLY);
}

/* The keeper (pid 1 of the sandbox's pid namespace) is a fork of ward: its
 * environment block is ward's own, secrets the sandbox's was cleaned of
 * included, and its memory is ward's (a library caller's) heap. Reading
 * either must fail; the control reads the probe's own environment. */
static int proc_keeper(struct probe_args *a)
{
	int fd = open(a->attack ? "/proc/1/environ" : "/proc/self/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return result(fd);
	char c;
	ssize_t n = read(fd, &c, 1);
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? result(-1) : 0;
}

/* ---- the kernel surface ---- */
static int kernel_call(struct probe_args *a, long r)
{
	return a->attack ? result(r) : result(getppid());
}

static int kernel_bpf(struct probe_args *a)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return kernel_call(a,
			   a->attack ? syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)) : 0);
}

static int kernel_mount(struct probe_args *a)
{
	return kernel_call(a, a->attack ? mount("none", a->tmp, "tmpfs", 0, NULL) : 0);
}

/* open_tree_attr (Linux 6.15): open_tree with mount attributes, the newest
 * of the mount family. Without OPEN_TREE_CLONE it hands out a path fd like
 * open_tree, which the filter refuses; ENOSYS: a kernel without it. */
static int kernel_open_tree_attr(struct probe_args *a)
{
	if (!a->attack)
		return result(getppid());
	long r = syscall(467 /* open_tree_attr */, AT_FDCWD, "/", 0, NULL, 0);
	if (r < 0 && errno == ENOSYS)
		return PROBE_UNSUPPORTED;
	return result(r);
}

static int kernel_io_uring(struct probe_args *a)
{
	char params[120] = {0};
	return kernel_call(a, a->attack ? syscall(SYS_io_uring_setup, 1, params) : 0);
}

static int kernel_keyctl(struct probe_args *a)
{
	return kernel_call(a, a->attack ? syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
						  KEY_SPEC_SESSION_KEYRING, 0)
					: 0);
}

static int kernel_userfaultfd(struct probe_args *a)
{
	return kernel_call(a, a->attack ? syscall(SYS_userfaultfd, O_CLOEXEC) : 0);
}

static int kernel_perf(struct probe_args *a)
{
	struct perf_event_attr attr = {.type = PERF_TYPE_SOFTWARE,
				       .size = sizeof(attr),
				       .config = PERF_COUNT_SW_CPU_CLOCK};
	return kernel_call(a, a->attack ? syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0) : 0);
}

static int kernel_unshare(struct probe_args *a)
{
	return kernel_call(a, a->attack ? unshare(CLONE_NEWUSER) : 0);
}

static int tty_ioctl(struct probe_args *a, unsigned long req, void *arg)
{
	if (!a->attack)
		return result(getppid());
	/* The probe's stdin may not be a terminal: then the kernel says
	 * ENOTTY, which is not the filter's EPERM. */
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = 0;
	long r = ioctl(fd, req, arg);
	if (r < 0 && errno == ENOTTY)
		return PROBE_UNSUPPORTED;
	return result(r);
}

static int kernel_tiocsti(struct probe_args *a)
{
	char c = '\n';
	return tty_ioctl(a, TIOCSTI, &c);
}

static int kernel_tioclinux(struct probe_args *a)
{
	char sub = 6; /* TIOCL_GETSHIFTSTATE: harmless if it ran */
	return tty_ioctl(a, TIOCLINUX, &sub);
}

/* An ioctl whose effect outlives the sandbox on the caller's terminal, tried
 * on a terminal of the probe's own (a new pty) so that nothing else is
 * touched if it ran; the control reads the discipline (TIOCGETD). */
static int own_pty_ioctl(struct probe_args *a, unsigned long req, void *arg)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return PROBE_UNSUPPORTED;
	int ldisc = 0;
	long r = ioctl(fd, TIOCGETD, &ldisc);
	if (r == 0 && a->attack)
		r = ioctl(fd, req, arg);
	int e = errno;
	close(fd);
	errno = e;
	return result(r);
}

/* TIOCSETD: N_NULL on the caller's terminal discards everything typed once
 * ward has exited; the ioctl also autoloads ldisc modules. N_NULL is built
 * in: no module is loaded if it ran. */
static int kernel_tiocsetd(struct probe_args *a)
{
	int null_ldisc = 27;
	return own_pty_ioctl(a, TIOCSETD, &null_ldisc);
}

/* TIOCEXCL: the caller's terminal stays exclusive, and every later open of
 * it (/dev/tty for sudo's or ssh's password prompt, less) fails EBUSY. */
static int kernel_tiocexcl(struct probe_args *a)
{
	return own_pty_ioctl(a, TIOCEXCL, NULL);
}

/* KDSKBMODE: on a Linux console that is the caller's controlling terminal
 * (the sandbox shares it), K_OFF leaves the keyboard dead after the run.
 * Tried on a pipe, where the kernel's own answer is ENOTTY: EPERM can only
 * be the filter's, and nothing is touched if it ran. The control asks the
 * same pipe FIONREAD. */
static int kernel_console(struct probe_args *a)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return PROBE_SETUP;
	int n = 0;
	long r = a->attack ? ioctl(fds[0], 0x4b45 /* KDSKBMODE */, 0x04 /* K_OFF */)
			   : ioctl(fds[0], FIONREAD, &n);
	int e = errno;
	close(fds[0]);
	close(fds[1]);
	errno = e;
	return result(r);
}

static int kernel_i386(struct probe_args *a)
{
	if (!a->attack)
		return result(getppid());
#if defined(__x86_64__)
	long ret;
	/* getpid (20) through the 32-bit entry: the filter must kill. */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret >= 0 ? 0 : (int)-ret;
#else
	return PROBE_UNSUPPORTED;
#endif
}

static int kernel_x32(struct probe_args *a)
{
	if (!a->attack)
		return result(getppid());
#if defined(__x86_64__)
	return result(syscall(0x40000000L | SYS_getpid));
#else
	return PROBE_UNSUPPORTED;
#endif
}

/* ---- denial of service ---- */
static int dos_forkbomb(struct probe_args *a)
{
	enum { BOMB = 4000 };
	static pid_t pids[BOMB];
	int target = a->attack ? BOMB : 5, made = 0;
	for (; made < target; made++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			pause();
			_exit(0);
		}
		pids[made] = pid;
	}
	int e = errno;
	/* Each by its id: never a process group ward may share. */
	for (int i = 0; i < made; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(pids[i], NULL, 0);
	if (made >= target)
		return 0;
	return e > 0 && e < PROBE_SETUP ? e : PROBE_SETUP;
}

struct probe_fn {
	const char *name;
	int (*fn)(struct probe_args *a);
};

static const struct probe_fn probe_fns[] = {
	{"fs-symlink", fs_symlink},
	{"fs-dotdot", fs_dotdot},
	{"fs-rename", fs_rename},
	{"fs-opath-reopen", fs_opath_reopen},
	{"fs-openat2", fs_openat2},
	{"fs-hardlink-new", fs_hardlink_new},
	{"fs-deny-hardlink", fs_deny_hardlink},
	{"fs-deny-usable", fs_deny_usable},
	{"fs-deny-rename-dir", fs_deny_rename_parent},
	{"fs-deny-absent", fs_deny_absent},
	{"unix-pathname", unix_pathname},
	{"unix-symlink", unix_symlink},
	{"unix-relative", unix_relative},
	{"unix-rename-race", unix_rename_race},
	{"unix-dgram", unix_dgram},
	{"unix-allowed", unix_allowed},
	{"unix-sendmmsg-tail", unix_sendmmsg_tail},
	{"unix-allow-swap", unix_allow_swap},
	{"unix-abstract", unix_abstract},
	{"meta-chmod", meta_chmod},
	{"meta-mknod-dev", meta_mknod_dev},
	{"meta-chown", meta_chown},
	{"meta-dev-node", meta_dev_node},
	{"meta-setxattr", meta_setxattr},
	{"meta-utimes", meta_utimes},
	{"exec-deny", exec_deny},
	{"exec-ldso", exec_ldso},
	{"exec-fexecve", exec_fexecve},
	{"exec-memfd", exec_memfd},
	{"exec-memfd-own", exec_memfd_own},
	{"exec-mmap", exec_mmap},
	{"exec-deny-hardlink", exec_deny_hardlink},
	{"net-zero4", net_zero4},
	{"net-zero-mapped", net_zero_mapped},
	{"net-zero6", net_zero6},
	{"net-tfo", net_tfo},
	{"net-mptcp", net_mptcp},
	{"net-mptcp-bind", net_mptcp_bind},
	{"net-sctp", net_sctp},
	{"net-ping", net_ping},
	{"net-vsock", net_vsock},
	{"net-vsock-unshared", net_vsock},
	{"net-raw", net_raw},
	{"net-packet", net_packet},
	{"net-xdp", net_xdp},
	{"net-listen-autobind", net_listen_autobind},
	{"net-srcroute4", net_srcroute4},
	{"net-srcroute6", net_srcroute6},
	{"net-udp-thread", net_udp_thread},
	{"net-netlink", net_netlink},
	{"argv-mapshared", argv_mapshared},
	{"argv-untraced", argv_untraced},
	{"argv-symlink", argv_symlink},
	{"argv-ldso", argv_ldso},
	{"proc-signal", proc_signal},
	{"proc-ptrace", proc_ptrace},
	{"proc-mem", proc_mem},
	{"proc-cwd", proc_cwd},
	{"proc-root", proc_root},
	{"proc-exe", proc_exe},
	{"proc-keeper", proc_keeper},
	{"kernel-bpf", kernel_bpf},
	{"kernel-mount", kernel_mount},
	{"kernel-open-tree-attr", kernel_open_tree_attr},
	{"kernel-io-uring", kernel_io_uring},
	{"kernel-keyctl", kernel_keyctl},
	{"kernel-userfaultfd", kernel_userfaultfd},
	{"kernel-perf", kernel_perf},
	{"kernel-unshare", kernel_unshare},
	{"kernel-tiocsti", kernel_tiocsti},
	{"kernel-tiocsetd", kernel_tiocsetd},
	{"kernel-tiocexcl", kernel_tiocexcl},
	{"kernel-console", kernel_console},
	{"kernel-tioclinux", kernel_tioclinux},
	{"kernel-i386", kernel_i386},
	{"kernel-x32", kernel_x32},
	{"dos-forkbomb", dos_forkbomb},
};

int prove_probe_main(int argc, char **argv)
{
	/* argv: ward __probe NAME MODE DIR PORT_DENIED PORT_ALLOWED PID */
	if (argc >= 3 && !strcmp(argv[2], "argv-target"))
		_exit(argv_target(argc, argv));
	if (argc < 8)
		_exit(PROBE_UNKNOWN);
	struct probe_args a = {
		.attack = !strcmp(argv[3], "attack"),
		.dir = argv[4],
		.port_denied = atoi(argv[5]),
		.port_allowed = atoi(argv[6]),
		.outside = (pid_t)atoi(argv[7]),
		.tmp = getenv("TMPDIR"),
	};
	if (!a.tmp)
		a.tmp = "/tmp";
	for (size_t i = 0; i < sizeof(probe_fns) / sizeof(probe_fns[0]); i++)
		if (!strcmp(probe_fns[i].name, argv[2])) {
			fflush(NULL);
			/* _exit: no sanitizer or atexit work inside the sandbox. */
			_exit(probe_fns[i].fn(&a));
		}
	_exit(PROBE_UNKNOWN);
}
