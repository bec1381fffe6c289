/* sup_learn.c — the observer of `ward learn`: the supervisor's filter traps
 * the file, exec and network syscalls, and each is reported as an "observe"
 * event (the absolute path and the access, the destination, the bound port),
 * then let run with SECCOMP_USER_NOTIF_FLAG_CONTINUE. It decides nothing.
 *
 * Why "continue" is safe here, when it never is for a decision: the kernel
 * reads the arguments again after our answer, so a racing thread could make
 * it act on another path or address than the one recorded. That can only
 * make the learned policy miss something (the replay under it is then
 * denied); it never lets through what the sandbox's own layers deny, since
 * Landlock, seccomp and the namespaces still check the real call. A learn
 * run is therefore refused with any rule that needs the supervisor.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "supervisor/sup_internal.h"

#define LEARN_PATH_MAX 4096

/* What a trapped syscall touches: its path argument(s) and the access. */
struct learn_fs_call {
	int dirfd_arg;	 /* index of the directory argument, -1: AT_FDCWD */
	int path_arg;	 /* index of the path argument */
	int dirfd2_arg;	 /* a second path (rename, link): its directory, -1: AT_FDCWD */
	int path2_arg;	 /* -1: none */
	unsigned access; /* 0: from the open flags */
	int flags_arg;	 /* open flags (-1: none; -2: openat2's struct) */
	const char *name;
};

static bool learn_fs_call_of(long nr, struct learn_fs_call *c)
{
	const unsigned w = WARD_FS_WRITE;
	switch (nr) {
#ifdef SYS_open
	case SYS_open:
		*c = (struct learn_fs_call){-1, 0, -1, -1, 0, 1, "open"};
		return true;
#endif
#ifdef SYS_creat
	case SYS_creat:
		*c = (struct learn_fs_call){-1, 0, -1, -1, w, -1, "creat"};
		return true;
#endif
	case SYS_openat:
		*c = (struct learn_fs_call){0, 1, -1, -1, 0, 2, "openat"};
		return true;
	case SYS_openat2:
		*c = (struct learn_fs_call){0, 1, -1, -1, 0, -2, "openat2"};
		return true;
	case SYS_execve:
		*c = (struct learn_fs_call){-1, 0, -1, -1, WARD_FS_EXEC, -1, "execve"};
		return true;
	case SYS_execveat:
		*c = (struct learn_fs_call){0, 1, -1, -1, WARD_FS_EXEC, -1, "execveat"};
		return true;
#ifdef SYS_mkdir
	case SYS_mkdir:
		*c = (struct learn_fs_call){-1, 0, -1, -1, w, -1, "mkdir"};
		return true;
#endif
	case SYS_mkdirat:
		*c = (struct learn_fs_call){0, 1, -1, -1, w, -1, "mkdirat"};
		return true;
#ifdef SYS_mknod
	case SYS_mknod:
		*c = (struct learn_fs_call){-1, 0, -1, -1, w, -1, "mknod"};
		return true;
#endif
	case SYS_mknodat:
		*c = (struct learn_fs_call){0, 1, -1, -1, w, -1, "mknodat"};
		return true;
#ifdef SYS_unlink
	case SYS_unlink:
		*c = (struct learn_fs_call){-1, 0, -1, -1, w, -1, "unlink"};
		return true;
#endif
#ifdef SYS_rmdir
	case SYS_rmdir:
		*c = (struct learn_fs_call){-1, 0, -1, -1, w, -1, "rmdir"};
		return true;
#endif
	case SYS_unlinkat:
		*c = (struct learn_fs_call){0, 1, -1, -1, w, -1, "unlinkat"};
		return true;
#ifdef SYS_truncate
	case SYS_truncate:
		*c = (struct learn_fs_call){-1, 0, -1, -1, w, -1, "truncate"};
		return true;
#endif
#ifdef SYS_symlink
	case SYS_symlink: /* the link's own name is what is written */
		*c = (struct learn_fs_call){-1, 1, -1, -1, w, -1, "symlink"};
		return true;
#endif
	case SYS_symlinkat:
		*c = (struct learn_fs_call){1, 2, -1, -1, w, -1, "symlinkat"};
		return true;
#ifdef SYS_rename
	case SYS_rename:
		*c = (struct learn_fs_call){-1, 0, -1, 1, w, -1, "rename"};
		return true;
#endif
	case SYS_renameat:
	case SYS_renameat2:
		*c = (struct learn_fs_call){
			0, 1, 2, 3, w, -1, nr == SYS_renameat ? "renameat" : "renameat2"};
		return true;
#ifdef SYS_link
	case SYS_link:
		*c = (struct learn_fs_call){-1, 0, -1, 1, w, -1, "link"};
		return true;
#endif
	case SYS_linkat:
		*c = (struct learn_fs_call){0, 1, 2, 3, w, -1, "linkat"};
		return true;
	default:
		return false;
	}
}

/* The access an open asks for (as sup_fs_open.c counts it). */
static unsigned open_access(uint64_t flags)
{
	if (flags & O_PATH)
		return WARD_FS_READ;
	unsigned access = (flags & O_ACCMODE) == O_RDONLY   ? WARD_FS_READ
			  : (flags & O_ACCMODE) == O_WRONLY ? WARD_FS_WRITE
							    : WARD_FS_READ | WARD_FS_WRITE;
	if ((flags & (O_TRUNC | O_CREAT | O_APPEND)) || (flags & O_TMPFILE) == O_TMPFILE)
		access |= WARD_FS_WRITE;
	return access;
}

/* Lexically normalizes PATH in place: "//", "/./" and "a/.." collapse. */
static void normalize(char *path)
{
	char *out = path, *in = path;
	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		size_t len = strcspn(in, "/");
		if (len == 1 && in[0] == '.') {
			in += len;
			continue;
		}
		if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (out > path && *--out != '/') {
			}
			in += len;
			continue;
		}
		*out++ = '/';
		memmove(out, in, len);
		out += len;
		in += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/* PATH as the caller TID meant it: relative paths are joined to its
 * directory DIRFD (its cwd for AT_FDCWD), read from /proc. */
static int absolute_of(pid_t tid, pid_t tgid, int dirfd, const char *path, char *out, size_t size)
{
	if (path[0] == '/') {
		if (snprintf(out, size, "%s", path) >= (int)size)
			return -ENAMETOOLONG;
		normalize(out);
		return 0;
	}
	char link[64], base[PATH_MAX];
	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)tid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tgid, dirfd);
	ssize_t n = readlink(link, base, sizeof(base) - 1);
	if (n <= 0 || base[0] != '/')
		return -ENOENT;
	base[n] = '\0';
	if (snprintf(out, size, "%s/%s", base, path) >= (int)size)
		return -ENAMETOOLONG;
	normalize(out);
	return 0;
}

static void emit_fs(struct supervisor *sup, const char *syscall, pid_t pid, const char *path,
		    unsigned access)
{
	json_object *ev = event_new("observe");
	if (!ev)
		return;
	json_object_object_add(ev, "kind", json_object_new_string("fs"));
	json_object_object_add(ev, "syscall", json_object_new_string(syscall));
	json_object_object_add(ev, "pid", json_object_new_int(pid));
	json_object_object_add(ev, "path", json_object_new_string(path));
	json_object *acc = json_object_new_array();
	if (access & WARD_FS_READ)
		json_object_array_add(acc, json_object_new_string("read"));
	if (access & WARD_FS_WRITE)
		json_object_array_add(acc, json_object_new_string("write"));
	if (access & WARD_FS_EXEC)
		json_object_array_add(acc, json_object_new_string("exec"));
	json_object_object_add(ev, "access", acc);
	event_emit(sup->sink, ev);
}

/* The private HOME/TMPDIR of a run without its own root is scratch that the
 * replay gets again: nothing to learn there. */
static bool in_private_tmp(const struct supervisor *sup, const char *path)
{
	const char *tmp = sup->learn_private_tmp;
	size_t len = tmp ? strlen(tmp) : 0;
	return len && !strncmp(path, tmp, len) && (path[len] == '/' || !path[len]);
}

/* Which path of call NR makes a new name (1: the first, 2: the second) or
 * removes one (-1: the first), 0 neither. Such a call fails (EEXIST,
 * ENOENT) when the name already is, or is not, there; observed before the
 * kernel runs it, it must not be learned then: "mkdir -p /work/x" tries
 * mkdir("/work") first, and a failed mkdir once learned -w /work (red6). */
static int name_effect(long nr, uint64_t open_flags)
{
	switch (nr) {
#ifdef SYS_mkdir
	case SYS_mkdir:
#endif
#ifdef SYS_mknod
	case SYS_mknod:
#endif
#ifdef SYS_symlink
	case SYS_symlink:
#endif
	case SYS_mkdirat:
	case SYS_mknodat:
	case SYS_symlinkat:
		return 1;
#ifdef SYS_link
	case SYS_link:
#endif
	case SYS_linkat:
		return 2;
#ifdef SYS_unlink
	case SYS_unlink:
#endif
#ifdef SYS_rmdir
	case SYS_rmdir:
#endif
	case SYS_unlinkat:
		return -1;
	default:
		return (open_flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ? 1 : 0;
	}
}

/* Whether PATH (absolute, as TID sees it) names something now, resolved in
 * TID's root without following its last component: 1 yes, 0 no, -1 unknown
 * (then it is learned, as before). */
static int name_exists(pid_t tid, const char *path)
{
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)tid);
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, rfd, path, &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ENOENT ? 0 : -1;
}

static void learn_fs(struct supervisor *sup, const struct seccomp_notif *req,
		     const struct learn_fs_call *c, int mem, pid_t tgid)
{
	const __u64 *arg = req->data.args;
	unsigned access = c->access;
	if (c->flags_arg >= 0) {
		access = open_access(arg[c->flags_arg]);
	} else if (c->flags_arg == -2) {
		struct open_how how = {0};
		if (arg[3] >= sizeof(__u64) && sup_mem_read(mem, arg[2], &how.flags, 8) == 0)
			access = open_access(how.flags);
		else
			access = WARD_FS_READ;
	}
	uint64_t open_flags = 0;
	if (c->flags_arg >= 0)
		open_flags = arg[c->flags_arg];
	else if (c->flags_arg == -2 && arg[3] >= sizeof(__u64))
		(void)sup_mem_read(mem, arg[2], &open_flags, 8);
	int effect = name_effect(req->data.nr, open_flags);
	const int paths[2][2] = {{c->dirfd_arg, c->path_arg}, {c->dirfd2_arg, c->path2_arg}};
	for (int i = 0; i < 2; i++) {
		if (paths[i][1] < 0)
			continue;
		_cleanup_free_ char *given = NULL;
		char path[LEARN_PATH_MAX];
		if (sup_mem_read_string(mem, arg[paths[i][1]], LEARN_PATH_MAX - 1, &given) < 0)
			continue;
		int dirfd = paths[i][0] >= 0 ? (int)arg[paths[i][0]] : AT_FDCWD;
		/* execveat(fd, "", AT_EMPTY_PATH) and friends: the fd itself. */
		if (!given[0] && dirfd != AT_FDCWD) {
			free(given);
			given = strdup(".");
			if (!given)
				continue;
		}
		if (!given[0] || absolute_of(req->pid, tgid, dirfd, given, path, sizeof(path)) < 0)
			continue;
		if (in_private_tmp(sup, path))
			continue;
		int there = effect && (effect == i + 1 || effect == -(i + 1))
				    ? name_exists((pid_t)req->pid, path)
				    : -1;
		if ((effect > 0 && there == 1) || (effect < 0 && there == 0))
			continue; /* EEXIST or ENOENT: the call does nothing */
		emit_fs(sup, c->name, tgid, path, access);
	}
}

/* The type and protocol of the caller's socket FD, taken with pidfd_getfd. */
static int socket_protocol(pid_t tgid, int fd, int *type)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return -errno;
	_cleanup_close_ int sock = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sock < 0)
		return -errno;
	int protocol = 0;
	socklen_t len = sizeof(*type);
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, type, &len) < 0)
		return -errno;
	len = sizeof(protocol);
	if (getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0)
		return -errno;
	return protocol;
}

/* Whether PORT (PROTO's, on the caller's network) is held by a socket of
 * the sandbox itself: a process descending from the sandbox's root holds
 * the listening (TCP) or bound (UDP) socket's inode. Only such a
 * destination may be widened to the ephemeral range by `ward learn` (its
 * port changes at each run); a host service on an ephemeral port is written
 * as the one port the program reached (red6: one bind(0) anywhere made every
 * loopback connect the whole range). Unknown is false: the narrower policy. */
#define LEARN_MAX_INODES 64

static size_t port_inodes(pid_t tgid, const char *proto, uint16_t port, unsigned long *inodes)
{
	static const char *const suffix[] = {"", "6"};
	bool tcp = !strcmp(proto, "tcp");
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		char path[64], line[512];
		snprintf(path, sizeof(path), "/proc/%d/net/%s%s", (int)tgid, proto, suffix[i]);
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f) && n < LEARN_MAX_INODES) {
			char local[64];
			unsigned st, local_port;
			unsigned long inode;
			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu",
				   local, &local_port, &st, &inode) != 4)
				continue;
			if (local_port != port || !inode || (tcp && st != 0x0A /* LISTEN */))
				continue;
			inodes[n++] = inode;
		}
	}
	return n;
}

static bool descends_from(pid_t pid, pid_t root)
{
	for (int depth = 0; pid > 1 && depth < 256; depth++) {
		if (pid == root)
			return true;
		pid = sup_proc_ppid(pid);
	}
	return pid == root;
}

static bool holds_inode(pid_t pid, const unsigned long *inodes, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		char link[320], target[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/%d/fd/%s", (int)pid, e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		unsigned long inode;
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		for (size_t i = 0; i < n; i++)
			found |= inodes[i] == inode;
	}
	closedir(d);
	return found;
}

#define LEARN_MAX_PROCS 4096

/* The sandbox's processes from ROOT down through /proc/PID/task/TID/children
 * (every thread's: each lists the children it made): 1 when one of them
 * holds an inode, 0 when none does, -1 when the kernel has no such file. */
static int tree_holds(pid_t root, const unsigned long *inodes, size_t n)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)root, (int)root);
	if (access(path, R_OK) < 0)
		return -1;
	_cleanup_free_ pid_t *queue = calloc(LEARN_MAX_PROCS, sizeof(*queue));
	if (!queue)
		return -1;
	size_t head = 0, tail = 0;
	queue[tail++] = root;
	while (head < tail) {
		pid_t pid = queue[head++];
		if (holds_inode(pid, inodes, n))
			return 1;
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		DIR *d = opendir(path);
		if (!d)
			continue;
		for (struct dirent *e; (e = readdir(d));) {
			if (e->d_name[0] == '.')
				continue;
			char file[320];
			snprintf(file, sizeof(file), "/proc/%d/task/%s/children", (int)pid,
				 e->d_name);
			_cleanup_fclose_ FILE *f = fopen(file, "re");
			int child;
			while (f && tail < LEARN_MAX_PROCS && fscanf(f, "%d", &child) == 1)
				queue[tail++] = (pid_t)child;
		}
		closedir(d);
	}
	return 0;
}

/* Only a port the kernel could have picked for bind(0) is ever widened. */
static bool ephemeral(uint16_t port)
{
	unsigned lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 1, hi = 65535; /* unknown: looked at */
		fclose(f);
	}
	return port >= lo && port <= hi;
}

static bool port_of_sandbox(const struct supervisor *sup, pid_t tgid, const char *proto,
			    uint16_t port)
{
	unsigned long inodes[LEARN_MAX_INODES];
	if (sup->root <= 0 || !ephemeral(port))
		return false;
	size_t n = port_inodes(tgid, proto, port, inodes);
	if (!n)
		return false;
	int held = tree_holds(sup->root, inodes, n);
	if (held >= 0)
		return held == 1;
	DIR *d = opendir("/proc");
	if (!d)
		return false;
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && descends_from(pid, sup->root) && holds_inode(pid, inodes, n))
			found = true;
	}
	closedir(d);
	return found;
}

static bool loopback(const struct sup_sockaddr *sa)
{
	static const uint8_t v6[16] = {[15] = 1};
	return sa->family == AF_INET ? sa->addr[0] == 127 : !memcmp(sa->addr, v6, sizeof(v6));
}

static void learn_net(struct supervisor *sup, const struct seccomp_notif *req, int mem, pid_t tgid)
{
	const __u64 *arg = req->data.args;
	uint64_t addr_ptr = 0, addr_len = 0;
	const char *name = "connect";
	switch (req->data.nr) {
	case SYS_connect:
	case SYS_bind:
		addr_ptr = arg[1];
		addr_len = arg[2];
		name = req->data.nr == SYS_bind ? "bind" : "connect";
		break;
	case SYS_sendto:
		addr_ptr = arg[4];
		addr_len = arg[5];
		name = "sendto";
		break;
	case SYS_sendmsg: {
		struct msghdr msg;
		if (sup_mem_read(mem, arg[1], &msg, sizeof(msg)) < 0)
			return;
		addr_ptr = (uint64_t)(uintptr_t)msg.msg_name;
		addr_len = msg.msg_namelen;
		name = "sendmsg";
		break;
	}
	default:
		return;
	}
	struct sockaddr_storage ss;
	if (!addr_ptr || addr_len < sizeof(sa_family_t) || addr_len > sizeof(ss))
		return;
	memset(&ss, 0, sizeof(ss));
	if (sup_mem_read(mem, addr_ptr, &ss, (size_t)addr_len) < 0)
		return;
	struct sup_sockaddr sa;
	if (sup_sockaddr_parse(&ss, (size_t)addr_len, &sa) < 0)
		return; /* not IP: unix sockets are paths, seen by their opens */
	int type = 0;
	int protocol = socket_protocol(tgid, (int)arg[0], &type);
	const char *proto =
		protocol == IPPROTO_TCP || (protocol <= 0 && type == SOCK_STREAM)  ? "tcp"
		: protocol == IPPROTO_UDP || (protocol <= 0 && type == SOCK_DGRAM) ? "udp"
										   : NULL;
	if (!proto)
		return;
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(sa.family, sa.addr, text, sizeof(text)))
		return;
	json_object *ev = event_new("observe");
	if (!ev)
		return;
	bool bind = req->data.nr == SYS_bind;
	json_object_object_add(ev, "kind", json_object_new_string(bind ? "bind" : "net"));
	json_object_object_add(ev, "syscall", json_object_new_string(name));
	json_object_object_add(ev, "pid", json_object_new_int(tgid));
	json_object_object_add(ev, "protocol", json_object_new_string(proto));
	json_object_object_add(ev, "address", json_object_new_string(text));
	json_object_object_add(ev, "port", json_object_new_int(sa.port));
	if (!bind && sa.port && loopback(&sa) && port_of_sandbox(sup, tgid, proto, sa.port))
		json_object_object_add(ev, "self", json_object_new_boolean(1));
	event_emit(sup->sink, ev);
}

void sup_learn_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	pid_t tgid = sup_proc_tgid(req->pid);
	int mem = tgid > 0 ? sup_mem_open(req->pid) : -1;
	if (mem >= 0) {
		struct learn_fs_call c;
		if (learn_fs_call_of(req->data.nr, &c))
			learn_fs(sup, req, &c, mem, tgid);
		else
			learn_net(sup, req, mem, tgid);
		close(mem);
	}
	/* Observed or not, the call goes on: nothing here is a decision. */
	sup_reply_continue(sup, req->id);
}

/* What learn observes besides the path calls the supervisor judges
 * (sup_filter.c's fs and exec lists, trapped with these): the calls that
 * make a name, and the network calls a learned rule comes from. */
static const int learn_syscalls[] = {
#ifdef SYS_mkdir
	SYS_mkdir,
#endif
	SYS_mkdirat,
#ifdef SYS_mknod
	SYS_mknod,
#endif
	SYS_mknodat,
#ifdef SYS_symlink
	SYS_symlink,
#endif
	SYS_symlinkat, SYS_connect, SYS_sendto, SYS_sendmsg, SYS_bind,
};

size_t sup_learn_syscalls(int *nrs, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(learn_syscalls) && n < max; i++)
		nrs[n++] = learn_syscalls[i];
	return n;
}
