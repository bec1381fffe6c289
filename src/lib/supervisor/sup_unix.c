/* sup_unix.c — pathname unix sockets where no Landlock right holds them:
 * connect, sendto, sendmsg and sendmmsg are decided on the SOCKET (taken with
 * pidfd_getfd), never on what the child's memory says it is. A pathname is
 * copied once, resolved in the caller's view (its root and cwd, as the
 * caller) to an O_PATH fd of the socket's inode, checked by inode, and the
 * caller's own socket is connected (or sent from) to that pinned inode
 * through /proc/thread-self/fd/N, by a thread that became the caller. What
 * the kernel may run itself (other families, abstract names, connected
 * sends) is continued only when nothing can swap the fd or rewrite the
 * memory in between. Never fails open: what cannot be established is EACCES.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "supervisor/sup_internal.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define UNIX_MAX_LINKS 40	 /* symlinks per lookup, as the kernel allows */
#define UNIX_MAX_DEPTH 4096	 /* ".." steps while placing a socket */
#define UNIX_MAX_DATA (1u << 20) /* bytes of one datagram sent on behalf */
#define UNIX_MAX_MMSG 64	 /* sendmmsg messages sent on behalf (the rest: a short count) */
#define UNIX_KERNEL_MMSG 1024	 /* sendmmsg messages the kernel sends (UIO_MAXIOV) */
#define UNIX_MAX_IOV 1024

struct unix_root {
	char *path;
	bool allow;
	char *rule; /* "fs write PATH (where)", for events */
};

struct sup_unix {
	VEC(struct unix_root) roots;
	bool private_tmpfs;
	bool ip_connect_ours; /* no Landlock TCP connect rule: an IP connect may be ours */
	bool ip_send_ours;    /* no BPF LSM address rules: an IP send may be ours */
	bool scope_abstract;  /* Landlock's scope judges abstract names (the caller's domain) */
	bool own_netns;	      /* abstract names are the sandbox's own network's */
	bool can_freeze;      /* forks are tracked: every process is known (plan may_freeze) */
	bool task_nlink;      /* /proc/PID/task's link count is 2 + its threads (checked) */
	bool devs_loaded;
	VEC(dev_t) private_devs; /* the world's own tmpfs superblocks */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned deciding; /* workers that may still use the supervisor */
};

static int thread_counts(pid_t tid, pid_t *tgid, long *threads);

/* The threads of TID's process from the link count of /proc/TID/task
 * (procfs adds one per thread to a directory's 2: proc_task_getattr), one
 * stat instead of generating /proc/TID/status (~6 us against ~30 us here).
 * -1 when unknown. */
static long threads_by_nlink(pid_t tid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tid);
	if (stat(path, &st) < 0 || st.st_nlink < 3)
		return -1;
	return (long)st.st_nlink - 2;
}

/* Trusted only where it agrees with /proc/self/status about ward itself
 * (once, at start): otherwise every call reads the status. */
static bool task_nlink_counts_threads(void)
{
	pid_t tgid;
	long threads;
	return thread_counts(getpid(), &tgid, &threads) == 0 &&
	       threads_by_nlink(getpid()) == threads;
}

/* PATH with the symlinks of its existing part resolved now, at start (the
 * policy's own spelling: /var/run is /run); decide_inode then follows none,
 * so a symlink planted later at or above a root (the sandbox replacing a
 * net.unix directory inside its write grant with a link to /) leads
 * nowhere. */
static const char *canonical(const char *path, char *out, size_t size)
{
	char head[PATH_MAX], real[PATH_MAX];
	snprintf(head, sizeof(head), "%s", path);
	size_t cut = strlen(head);
	for (;;) {
		if (realpath(head[0] ? head : "/", real)) {
			const char *rest = path + cut;
			if ((size_t)snprintf(out, size, "%s%s",
					     strcmp(real, "/") || !*rest ? real : "", rest) < size)
				return out;
			return path;
		}
		char *slash = strrchr(head, '/');
		if (!slash)
			return path;
		*slash = '\0';
		cut = (size_t)(slash - head);
	}
}

/* stat(2) of PATH without following any symlink (see canonical()). */
static int stat_nofollow(const char *path, struct stat *st)
{
	if (path[0] != '/')
		return -EINVAL;
	int cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (next < 0)
			return -errno;
		cur = next;
		if (fstat(cur, st) < 0 || S_ISLNK(st->st_mode)) {
			close(cur);
			return -ELOOP;
		}
	}
	int r = fstat(cur, st) < 0 ? -errno : 0;
	close(cur);
	return r;
}

int sup_unix_start(struct supervisor *sup, const struct plan *plan, ward_error *err)
{
	if (!plan || !plan->sup_unix.trap)
		return 0;
	struct sup_unix *u = calloc(1, sizeof(*u));
	if (!u)
		return ward_fail(err, -ENOMEM, "supervisor: out of memory");
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	u->private_tmpfs = plan->sup_unix.private_tmpfs;
	/* Landlock checks a TCP connect against the calling task's domain:
	 * made by us, it would pass a port rule the sandbox is under. */
	/* The BPF programs holding the address rules (the LSM's socket hooks
	 * and the cgroup sock_addr programs alike) find the sandbox by the
	 * calling task's cgroup: a call ward's thread made passed every
	 * address rule (red6: a UDP send from a process with a second
	 * thread reached any address under --net-allow udp://A:P). */
	bool bpf_net = plan->bpf_lsm_net || plan->cgroup_bpf_net;
	u->ip_connect_ours =
		!(plan->landlock && plan->landlock_net && !plan->tcp_connect_any) && !bpf_net;
	u->ip_send_ours = !bpf_net;
	u->scope_abstract = plan->landlock && plan->landlock_scope;
	u->own_netns = (plan->ns_flags & WARD_NS_NET) != 0;
	u->can_freeze = sup->track_forks;
	u->task_nlink = task_nlink_counts_threads();
	sup->unix_state = u;
	VEC_FOREACH(&plan->sup_unix.roots, r)
	{
		char where[300], text[PATH_MAX + 400];
		ward_loc_format(r->loc, where, sizeof(where));
		snprintf(text, sizeof(text), "%s %s (%s)",
			 r->explicit_rule ? "net unix"
			 : r->allow	  ? "fs write"
					  : "fs read-only or denied",
			 r->path, where);
		char canon[PATH_MAX];
		struct unix_root root = {.path = strdup(canonical(r->path, canon, sizeof(canon))),
					 .allow = r->allow};
		root.rule = strdup(text);
		if (!root.path || !root.rule || VEC_PUSH(&u->roots, root) < 0) {
			free(root.path);
			free(root.rule);
			return ward_fail(err, -ENOMEM, "supervisor: out of memory");
		}
	}
	return 0;
}

void sup_unix_stop(struct supervisor *sup)
{
	struct sup_unix *u = sup->unix_state;
	if (!u)
		return;
	/* A worker past its decision uses only what it owns. */
	pthread_mutex_lock(&u->lock);
	while (u->deciding)
		pthread_cond_wait(&u->cond, &u->lock);
	pthread_mutex_unlock(&u->lock);
	VEC_FOREACH(&u->roots, r)
	{
		free(r->path);
		free(r->rule);
	}
	VEC_FREE(&u->roots);
	VEC_FREE(&u->private_devs);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u);
	sup->unix_state = NULL;
}

/* ---- what the kernel may run itself ---- */

/* True when no task but the (blocked) caller can change its fd table: it is
 * the only thread of its process and no other process of the sandbox shares
 * the table. Then the socket checked is the one the kernel uses. Without
 * fork tracking no process list exists, and none is needed: the supervisor's
 * filter refuses clone(CLONE_FILES) without CLONE_THREAD (sup_filter.c), so
 * only threads share a table. */
static int thread_counts(pid_t tid, pid_t *tgid, long *threads)
{
	static const char *const keys[] = {"Tgid", "Threads"};
	long values[2];
	if (sup_proc_status(tid, keys, values, 2) < 0)
		return -ESRCH;
	*tgid = (pid_t)values[0];
	*threads = values[1];
	return *tgid > 0 ? 0 : -ESRCH;
}

static bool fd_table_private(struct supervisor *sup, pid_t tid)
{
	long threads;
	pid_t tgid = tid; /* a process's only thread is its leader */
	if (sup->unix_state->task_nlink) {
		if (threads_by_nlink(tid) != 1)
			return false;
	} else if (thread_counts(tid, &tgid, &threads) < 0 || threads != 1) {
		return false;
	}
	if (!sup->unix_state->can_freeze)
		return true;
	VEC_FOREACH(&sup->procs, p)
	{
		if (*p == tgid || *p == sup->keeper)
			continue;
		long same = syscall(SYS_kcmp, tgid, *p, KCMP_FILES, 0, 0);
		if (same == 0)
			return false;
		if (same < 0 && errno != ESRCH)
			return false;
	}
	return true;
}

enum unix_name {
	NAME_NONE,     /* no address: the connected peer */
	NAME_PATH,     /* a pathname: decided here, performed on behalf */
	NAME_ABSTRACT, /* Landlock's scope holds it; the kernel may run it */
	NAME_OTHER,    /* unnamed, AF_UNSPEC, malformed: the kernel answers */
};

static enum unix_name classify(const struct sockaddr_storage *addr, size_t len)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)addr;
	if (len == 0)
		return NAME_NONE;
	if (sun->sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path))
		return NAME_OTHER;
	return sun->sun_path[0] ? NAME_PATH : NAME_ABSTRACT;
}

struct unix_call {
	int sock; /* our copy of the caller's socket */
	int domain, type;
	int nr;
	int flags;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t controllen;
	bool any_path;	   /* sendmmsg: one of the messages names a path */
	bool may_truncate; /* a stream send: a short count is the kernel's right */
	void *data;
	size_t len;
};

static void call_free(struct unix_call *c)
{
	if (c->sock >= 0)
		close(c->sock);
	free(c->data);
	c->sock = -1;
	c->data = NULL;
}

static int take_socket(pid_t tid, int fd, struct unix_call *c)
{
	_cleanup_close_ int pidfd = sup_task_pidfd(tid);
	if (pidfd < 0)
		return -ESRCH;
	c->sock = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (c->sock < 0)
		return errno == EBADF ? -EBADF : -EPERM;
	socklen_t len = sizeof(c->domain);
	if (getsockopt(c->sock, SOL_SOCKET, SO_DOMAIN, &c->domain, &len) < 0)
		return -ENOTSOCK;
	len = sizeof(c->type);
	if (getsockopt(c->sock, SOL_SOCKET, SO_TYPE, &c->type, &len) < 0)
		return -ENOTSOCK;
	return 0;
}

static int read_name(int mem, uint64_t name, uint64_t namelen, struct unix_call *c)
{
	if (!name || !namelen)
		return 0;
	if (namelen > sizeof(c->addr))
		return -EINVAL;
	c->addrlen = (socklen_t)namelen;
	return sup_mem_read(mem, name, &c->addr, namelen);
}

/* Copies one message: its name, its data (datagram sends only) and whether
 * it carries control data. */
static int read_msghdr(int mem, uint64_t at, struct unix_call *c, bool with_data)
{
	struct msghdr h;
	int r = sup_mem_read(mem, at, &h, sizeof(h));
	if (r < 0)
		return r;
	c->controllen = h.msg_controllen;
	if ((r = read_name(mem, (uint64_t)(uintptr_t)h.msg_name, h.msg_namelen, c)) < 0)
		return r;
	if (!with_data)
		return 0;
	if (h.msg_iovlen > UNIX_MAX_IOV)
		return -EMSGSIZE;
	_cleanup_free_ struct iovec *iov = calloc(h.msg_iovlen ? h.msg_iovlen : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (h.msg_iovlen && (r = sup_mem_read(mem, (uint64_t)(uintptr_t)h.msg_iov, iov,
					      h.msg_iovlen * sizeof(*iov))) < 0)
		return r;
	size_t total = 0;
	for (size_t i = 0; i < h.msg_iovlen; i++) {
		if (iov[i].iov_len > UNIX_MAX_DATA || total + iov[i].iov_len > UNIX_MAX_DATA) {
			if (!c->may_truncate)
				return -EMSGSIZE;
			iov[i].iov_len = UNIX_MAX_DATA - total;
			h.msg_iovlen = i + 1;
		}
		total += iov[i].iov_len;
	}
	c->data = malloc(total ? total : 1);
	if (!c->data)
		return -ENOMEM;
	for (size_t i = 0; i < h.msg_iovlen; i++) {
		if (iov[i].iov_len &&
		    (r = sup_mem_read(mem, (uint64_t)(uintptr_t)iov[i].iov_base,
				      (char *)c->data + c->len, iov[i].iov_len)) < 0)
			return r;
		c->len += iov[i].iov_len;
	}
	return 0;
}

/* Reads what REQ would do: the socket, then (for unix datagram sockets,
 * the only ones whose sends resolve a name) the destination. WITH_DATA
 * copies a pathname datagram's bytes too. */
static int read_call(const struct seccomp_notif *req, struct unix_call *c, bool with_data)
{
	pid_t tid = (pid_t)req->pid;
	const __u64 *a = req->data.args;
	int r = take_socket(tid, (int)a[0], c);
	if (r < 0)
		return r;
	c->nr = req->data.nr;
	bool names = c->domain == AF_UNIX && (c->nr == SYS_connect || c->type == SOCK_DGRAM);
	if (!names)
		return 0;
	_cleanup_close_ int mem = sup_mem_open(tid);
	if (mem < 0)
		return -EPERM;
	switch (c->nr) {
	case SYS_connect:
		if (a[2] > sizeof(c->addr))
			return -EINVAL;
		c->addrlen = (socklen_t)a[2];
		return a[2] ? sup_mem_read(mem, a[1], &c->addr, a[2]) : 0;
	case SYS_sendto:
		c->flags = (int)a[3];
		if ((r = read_name(mem, a[4], a[5], c)) < 0)
			return r;
		if (!with_data || classify(&c->addr, c->addrlen) != NAME_PATH)
			return 0;
		if (a[2] > UNIX_MAX_DATA)
			return -EMSGSIZE;
		c->len = (size_t)a[2];
		c->data = malloc(c->len ? c->len : 1);
		if (!c->data)
			return -ENOMEM;
		return c->len ? sup_mem_read(mem, a[1], c->data, c->len) : 0;
	case SYS_sendmsg:
		c->flags = (int)a[2];
		if ((r = read_msghdr(mem, a[1], c, false)) < 0)
			return r;
		if (!with_data || classify(&c->addr, c->addrlen) != NAME_PATH)
			return 0;
		c->addrlen = 0;
		return read_msghdr(mem, a[1], c, true);
	default: { /* sendmmsg: decided only under a freeze, never on behalf */
		/* Every message the kernel would send if continued (it caps
		 * vlen at UIO_MAXIOV), not only those ward sends on behalf: a
		 * pathname past the 64th was continued unseen (red6). */
		size_t vlen = a[2] < UNIX_KERNEL_MMSG ? (size_t)a[2] : UNIX_KERNEL_MMSG;
		for (size_t i = 0; i < vlen; i++) {
			struct unix_call m = {.sock = -1};
			if ((r = read_msghdr(mem, a[1] + i * sizeof(struct mmsghdr), &m, false)) <
			    0)
				return r;
			c->any_path |= classify(&m.addr, m.addrlen) == NAME_PATH;
		}
		return 0;
	}
	}
}

/* What the kernel may do with REQ itself, as read now: 1 yes, 0 no (a
 * pathname: ours to decide). */
static bool kernel_may_run(const struct unix_call *c)
{
	if (c->domain != AF_UNIX)
		return true; /* other layers hold IP and the rest */
	if (c->nr == SYS_sendmmsg)
		return !c->any_path;
	if (c->nr != SYS_connect && c->type != SOCK_DGRAM)
		return true; /* a stream send never resolves a name */
	return classify(&c->addr, c->addrlen) != NAME_PATH;
}

static const char *call_name(int nr)
{
	switch (nr) {
	case SYS_connect:
		return "connect";
	case SYS_sendto:
		return "sendto";
	case SYS_sendmsg:
		return "sendmsg";
	default:
		return "sendmmsg";
	}
}

static void emit_unix(struct supervisor *sup, const char *verdict, int nr, pid_t pid,
		      const char *path, const char *rule, int error)
{
	json_object *detail = json_object_new_object();
	if (detail) {
		json_object_object_add(detail, "category", json_object_new_string("unix"));
		if (path)
			json_object_object_add(detail, "path", json_object_new_string(path));
	}
	sup_emit(sup, verdict, call_name(nr), pid, rule, error, detail);
}

/* Freezes every writer of the caller's memory and fd table, reads the call
 * again and lets the kernel run it when it still may. */
static void continue_frozen_checked(struct supervisor *sup, const struct seccomp_notif *req)
{
	struct sup_frozen fz = {0};
	char why[240];
	if (sup_freeze(sup, (pid_t)req->pid, &fz, why, sizeof(why)) < 0) {
		sup_reply_errno(sup, req->id, EAGAIN);
		emit_unix(sup, "deny", req->data.nr, (pid_t)req->pid, NULL, why, EAGAIN);
		return;
	}
	struct unix_call c = {.sock = -1};
	int r = read_call(req, &c, false);
	/* An IP socket swapped in while we froze is the net rules' to decide. */
	bool ip = c.domain == AF_INET || c.domain == AF_INET6;
	bool may = r == 0 && kernel_may_run(&c) && !(ip && sup->net_rules);
	call_free(&c);
	if (may) {
		sup_continue_frozen(sup, req->id, &fz);
		return;
	}
	sup_release(sup, &fz);
	if (r < 0) {
		sup_reply_errno(sup, req->id, -r);
		return;
	}
	/* It named a path only once frozen: a race with another thread. */
	sup_reply_errno(sup, req->id, EACCES);
	emit_unix(sup, "deny", req->data.nr, (pid_t)req->pid, NULL,
		  c.nr == SYS_sendmmsg ? "unix: sendmmsg to a pathname socket (use sendmsg)"
				       : "unix: the destination changed while it was checked",
		  EACCES);
}

/* ---- resolving in the caller's view ---- */

struct unix_lookup {
	int root, cwd; /* the caller's, as O_PATH fds */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	int parent, sock; /* out: the directory holding the socket, and its inode */
};

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int replace_fd(int *cur, int fd)
{
	if (fd < 0)
		return -errno;
	close(*cur);
	*cur = fd;
	return 0;
}

/* Walks LK->path one component at a time from the caller's root or cwd, as
 * the kernel would for it: ".." never climbs above its root, symlinks are
 * followed inside that root, magic links (procfs) are refused. Runs as the
 * caller, so search permissions are its own. */
static int lookup_in_view(void *arg)
{
	struct unix_lookup *lk = arg;
	char rest[PATH_MAX * 2];
	snprintf(rest, sizeof(rest), "%s", lk->path);
	int cur = fcntl(rest[0] == '/' ? lk->root : lk->cwd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return -errno;
	int links = 0, r = 0;
	char *p = rest;
	for (;;) {
		if (*p == '/') {
			while (*p == '/')
				p++;
		}
		if (!*p) {
			/* "/" or a trailing slash: a directory is no socket. */
			r = -ECONNREFUSED;
			break;
		}
		char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		const char *after = p;
		while (*after == '/')
			after++;
		bool last = !*after;
		bool trailing_slash = last && *p == '/';
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (!same_file(cur, lk->root) &&
			    (r = replace_fd(&cur, openat(cur, "..",
							 O_PATH | O_DIRECTORY | O_CLOEXEC))) < 0)
				break;
			continue;
		}
		int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			break;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			struct statfs sfs;
			char target[PATH_MAX];
			ssize_t len = -1;
			if (fstatfs(fd, &sfs) == 0 && sfs.f_type != PROC_SUPER_MAGIC)
				len = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (len <= 0 || ++links > UNIX_MAX_LINKS) {
				r = -ELOOP;
				break;
			}
			target[len] = '\0';
			char joined[PATH_MAX * 2];
			if ((size_t)snprintf(joined, sizeof(joined), "%s%s", target, p) >=
			    sizeof(joined)) {
				r = -ENAMETOOLONG;
				break;
			}
			snprintf(rest, sizeof(rest), "%s", joined);
			p = rest;
			if (rest[0] == '/' &&
			    (r = replace_fd(&cur, fcntl(lk->root, F_DUPFD_CLOEXEC, 0))) < 0)
				break;
			continue;
		}
		if (last && !trailing_slash) {
			lk->parent = cur;
			lk->sock = fd;
			return 0;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			r = -ENOTDIR;
			break;
		}
		close(cur);
		cur = fd;
		if (last) {
			r = -ECONNREFUSED;
			break;
		}
	}
	close(cur);
	return r;
}

/* ---- the decision, by inode ---- */

/* The tmpfs superblocks mounted in the caller's mount namespace and not in
 * ward's: the world's private /tmp, /var/tmp, /dev/shm, HOME and /dev. */
static int load_private_devs(struct sup_unix *u, pid_t tid)
{
	char path[64], line[4096];
	VEC(dev_t) ours = {0};
	int r = 0;
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		if (pass)
			snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)tid);
		else
			snprintf(path, sizeof(path), "/proc/self/mountinfo");
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		if (!f) {
			r = -errno;
			break;
		}
		while (fgets(line, sizeof(line), f)) {
			unsigned maj, min;
			if (sscanf(line, "%*d %*d %u:%u", &maj, &min) != 2)
				continue;
			dev_t dev = makedev(maj, min);
			const char *sep = strstr(line, " - ");
			if (!pass) {
				if (VEC_PUSH(&ours, dev) < 0)
					r = -ENOMEM;
				continue;
			}
			if (!sep || strncmp(sep + 3, "tmpfs ", 6) != 0)
				continue;
			bool shared = false;
			VEC_FOREACH(&ours, d)
			shared |= *d == dev;
			if (!shared && VEC_PUSH(&u->private_devs, dev) < 0)
				r = -ENOMEM;
		}
	}
	VEC_FREE(&ours);
	if (r == 0)
		u->devs_loaded = true;
	return r;
}

struct unix_stat_root {
	dev_t dev;
	ino_t ino;
	const struct unix_root *root;
};

/* The root nearest to the socket decides; a stop beats an allow on the same
 * inode. Fills RULE; returns 0 allowed, 1 denied, -errno when the socket's
 * place cannot be established (denied). */
static int decide_inode(struct sup_unix *u, int parent, int sock, char *rule, size_t size)
{
	struct stat st;
	if (fstat(sock, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ECONNREFUSED;
	if (u->private_tmpfs) {
		VEC_FOREACH(&u->private_devs, d)
		{
			if (*d == st.st_dev) {
				snprintf(rule, size, "the sandbox's own tmpfs");
				return 0;
			}
		}
	}
	_cleanup_free_ struct unix_stat_root *roots =
		calloc(u->roots.len ? u->roots.len : 1, sizeof(*roots));
	if (!roots)
		return -ENOMEM;
	size_t n = 0;
	VEC_FOREACH(&u->roots, r)
	{
		struct stat rs;
		if (stat_nofollow(r->path, &rs) < 0)
			continue; /* absent now (or behind a new symlink): nothing lies in it */
		roots[n++] = (struct unix_stat_root){rs.st_dev, rs.st_ino, r};
	}
	const struct unix_root *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (roots[i].dev == st.st_dev && roots[i].ino == st.st_ino &&
		    (!found || found->allow))
			found = roots[i].root;
	_cleanup_close_ int cur = fcntl(parent, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return -errno;
	for (int depth = 0; !found && depth < UNIX_MAX_DEPTH; depth++) {
		struct stat ds, up_st;
		if (fstat(cur, &ds) < 0)
			return -errno;
		for (size_t i = 0; i < n; i++)
			if (roots[i].dev == ds.st_dev && roots[i].ino == ds.st_ino &&
			    (!found || found->allow))
				found = roots[i].root;
		if (found)
			break;
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0)
			return -errno;
		if (fstat(up, &up_st) < 0) {
			close(up);
			return -errno;
		}
		close(cur);
		cur = up;
		if (up_st.st_dev == ds.st_dev && up_st.st_ino == ds.st_ino) {
			snprintf(rule, size, "unix: socket outside every write grant and net.unix");
			return 1;
		}
	}
	if (!found)
		return -ELOOP;
	snprintf(rule, size, "%s", found->rule);
	if (!found->allow)
		snprintf(rule, size, "unix: socket in a grant without write (%s)", found->rule);
	return found->allow ? 0 : 1;
}

/* ---- acting on the caller's behalf ---- */

struct unix_job {
	struct supervisor *sup; /* only until the decision is made */
	uint64_t id;
	int listener; /* our own dup: the answer outlives sup_stop */
	pid_t pid;
	struct sup_caller caller;
	struct unix_lookup lk;
	struct unix_call call;
};

static void job_free(struct unix_job *job)
{
	call_free(&job->call);
	sup_caller_free(&job->caller);
	int fds[] = {job->listener, job->lk.root, job->lk.cwd, job->lk.parent, job->lk.sock};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(job);
}

static int perform_as_caller(void *arg)
{
	struct unix_job *job = arg;
	struct unix_call *c = &job->call;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/thread-self/fd/%d", job->lk.sock);
	socklen_t len =
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1);
	if (c->nr == SYS_connect)
		return connect(c->sock, (struct sockaddr *)&sun, len) < 0 ? -errno : 0;
	ssize_t sent = sendto(c->sock, c->data, c->len, c->flags | MSG_NOSIGNAL,
			      (struct sockaddr *)&sun, len);
	return sent < 0 ? -errno : (int)sent;
}

static void job_answer(struct unix_job *job, long result)
{
	struct seccomp_notif_resp resp = {.id = job->id};
	if (result < 0)
		resp.error = (int)result;
	else
		resp.val = result;
	ioctl(job->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void decided(struct sup_unix *u)
{
	pthread_mutex_lock(&u->lock);
	u->deciding--;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

static void *unix_worker(void *arg)
{
	struct unix_job *job = arg;
	struct supervisor *sup = job->sup;
	struct sup_unix *u = sup->unix_state;
	char rule[PATH_MAX + 400];
	long result;
	int r = sup_as_caller(&job->caller, lookup_in_view, &job->lk);
	if (r == 0) {
		pthread_mutex_lock(&u->lock);
		r = decide_inode(u, job->lk.parent, job->lk.sock, rule, sizeof(rule));
		pthread_mutex_unlock(&u->lock);
		if (r < 0 && r != -ECONNREFUSED) {
			snprintf(rule, sizeof(rule), "unix: cannot establish where '%s' lies (%s)",
				 job->lk.path, strerror(-r));
			r = 1;
		}
		if (r == 1 && sup->audit) {
			emit_unix(sup, "audit", job->call.nr, job->pid, job->lk.path, rule, EACCES);
			r = 0;
		} else if (r == 1) {
			emit_unix(sup, "deny", job->call.nr, job->pid, job->lk.path, rule, EACCES);
		}
	}
	job->sup = NULL;
	decided(u);
	/* Past here nothing of the supervisor's is used: a blocking connect
	 * may outlive it. */
	if (r < 0)
		result = r;
	else if (r == 1)
		result = -EACCES;
	else
		result = sup_as_caller(&job->caller, perform_as_caller, job);
	job_answer(job, result);
	job_free(job);
	return NULL;
}

static int open_view(pid_t tid, const char *what, int *out)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, what);
	*out = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return *out < 0 ? (errno == ENOENT ? -ESRCH : -EPERM) : 0;
}

/* A pathname destination: set up a worker that decides and acts. */
static void on_behalf(struct supervisor *sup, const struct seccomp_notif *req, struct unix_call *c)
{
	struct sup_unix *u = sup->unix_state;
	pid_t tid = (pid_t)req->pid;
	int r;
	struct unix_job *job = calloc(1, sizeof(*job));
	if (!job) {
		sup_reply_errno(sup, req->id, ENOMEM);
		return;
	}
	job->listener = job->lk.root = job->lk.cwd = job->lk.parent = job->lk.sock = -1;
	job->caller.root_fd = -1;
	job->call = *c;
	c->sock = -1;
	c->data = NULL;
	job->sup = sup;
	job->id = req->id;
	job->pid = tid;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&job->call.addr;
	size_t n = job->call.addrlen - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	memcpy(job->lk.path, sun->sun_path, n);
	job->lk.path[n] = '\0';
	if (job->call.controllen) {
		/* fds or credentials sent to a socket outside: not ours to lend */
		emit_unix(sup, "deny", job->call.nr, tid, job->lk.path,
			  "unix: control data (SCM_RIGHTS, SCM_CREDENTIALS) to a pathname socket",
			  EACCES);
		r = -EACCES;
		goto fail;
	}
	if (!u->devs_loaded && u->private_tmpfs && (r = load_private_devs(u, tid)) < 0)
		goto fail;
	if ((r = open_view(tid, "root", &job->lk.root)) < 0 ||
	    (r = open_view(tid, "cwd", &job->lk.cwd)) < 0)
		goto fail;
	if ((r = sup_caller_load(tid, -1, &job->caller)) < 0) {
		r = r == -ENOENT ? -ESRCH : -EPERM;
		goto fail;
	}
	/* Resolved from our fds of its root, not by chroot: the connect
	 * names the inode through ward's own /proc. */
	if (job->caller.root_fd >= 0)
		close(job->caller.root_fd);
	job->caller.root_fd = -1;
	job->listener = fcntl(sup->listener, F_DUPFD_CLOEXEC, 0);
	if (job->listener < 0) {
		r = -errno;
		goto fail;
	}
	/* Checked after the /proc lookups: the tid still is the caller. */
	if (!sup_notif_valid(sup, req->id)) {
		r = -ESRCH;
		goto fail;
	}
	pthread_mutex_lock(&u->lock);
	u->deciding++;
	pthread_mutex_unlock(&u->lock);
	pthread_t thread;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = -pthread_create(&thread, &attr, unix_worker, job);
	pthread_attr_destroy(&attr);
	if (r == 0)
		return;
	decided(u);
fail:
	sup_reply_errno(sup, req->id, -r);
	job_free(job);
}

/* An IP connect from a task whose fd table others share: made on its
 * behalf with the socket we checked, so no swap of the fd can matter (only
 * when no Landlock TCP rule would judge the connecting task). A blocking
 * connect runs on a thread of its own. */
struct ip_connect {
	int listener, sock;
	uint64_t id;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

static void ip_connect_answer(struct ip_connect *j, long r)
{
	struct seccomp_notif_resp resp = {.id = j->id, .error = (int)r};
	ioctl(j->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	close(j->sock);
	close(j->listener);
	free(j);
}

static void ip_connect_finish(struct ip_connect *j)
{
	ip_connect_answer(j, connect(j->sock, (struct sockaddr *)&j->addr, j->addrlen) < 0 ? -errno
											   : 0);
}

/* After a connect tried without waiting is in progress: a blocking connect
 * of a connecting socket waits for it and answers as the first would have
 * (0 or the socket's error); EALREADY is its SO_SNDTIMEO running out, which
 * the first call reports as EINPROGRESS. */
static void *ip_connect_thread(void *arg)
{
	struct ip_connect *j = arg;
	long r = connect(j->sock, (struct sockaddr *)&j->addr, j->addrlen) < 0 ? -errno : 0;
	ip_connect_answer(j, r == -EALREADY ? -EINPROGRESS : r);
	return NULL;
}

/* A blocking IP connect tried on the loop without waiting: the socket's
 * O_NONBLOCK is set for the two calls (only a thread of the caller using
 * the socket it is connecting in these microseconds could see it). Over
 * loopback the handshake is done once the first call returns, so the second
 * finds the socket connected; only one still in progress goes to a thread.
 * True when answered here. */
static bool ip_connect_now(struct ip_connect *j, int fl)
{
	if (fcntl(j->sock, F_SETFL, fl | O_NONBLOCK) < 0)
		return false;
	const struct sockaddr *to = (const struct sockaddr *)&j->addr;
	long r = connect(j->sock, to, j->addrlen) < 0 ? -errno : 0;
	if (r == -EINPROGRESS)
		r = connect(j->sock, to, j->addrlen) < 0 ? -errno : 0;
	fcntl(j->sock, F_SETFL, fl); /* cannot fail on an open socket */
	if (r == -EALREADY)
		return false;
	ip_connect_answer(j, r);
	return true;
}

static bool ip_connect_on_behalf(struct supervisor *sup, const struct seccomp_notif *req,
				 struct unix_call *c)
{
	const __u64 *a = req->data.args;
	if (a[2] == 0 || a[2] > sizeof(struct sockaddr_storage))
		return false;
	struct ip_connect *j = calloc(1, sizeof(*j));
	if (!j)
		return false;
	j->id = req->id;
	j->addrlen = (socklen_t)a[2];
	_cleanup_close_ int mem = sup_mem_open((pid_t)req->pid);
	j->listener = fcntl(sup->listener, F_DUPFD_CLOEXEC, 0);
	if (mem < 0 || j->listener < 0 || sup_mem_read(mem, a[1], &j->addr, a[2]) < 0 ||
	    !sup_notif_valid(sup, req->id)) {
		if (j->listener >= 0)
			close(j->listener);
		free(j);
		return false;
	}
	j->sock = c->sock;
	c->sock = -1;
	int fl = fcntl(j->sock, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK)) {
		ip_connect_finish(j);
		return true;
	}
	if (fl >= 0 && ip_connect_now(j, fl))
		return true;
	pthread_t thread;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&thread, &attr, ip_connect_thread, j);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		close(j->sock);
		close(j->listener);
		free(j);
		sup_reply_errno(sup, req->id, EAGAIN);
	}
	return true;
}

/* A call made on the caller's behalf from the socket we checked, with the
 * arguments we copied, by a thread that became the caller (so SO_PEERCRED
 * and SO_PASSCRED show its uid and gid, and ward's pid): a send the kernel
 * would not resolve from a task whose fd table others share, and any
 * connect or datagram send of a unix socket that names no path (abstract
 * where Landlock's scope does not judge it, none, AF_UNSPEC, malformed).
 * Nothing the kernel reads later can then differ from what was checked, and
 * nobody is frozen. Descriptors it passes (SCM_RIGHTS) are taken from it
 * with pidfd_getfd and passed as they are; other control data of another
 * level (IP_PKTINFO, UDP_SEGMENT) is copied; SCM_CREDENTIALS and the rest of
 * SOL_SOCKET name the caller's pid, which ward's thread cannot: not ours to
 * send (1 from take_control). */
#define UNIX_MAX_CONTROL 4096
#define UNIX_MAX_RIGHTS 253 /* SCM_MAX_FD */

struct send_msg {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	void *data;
	size_t len;
	size_t off;			/* a stream's bytes already sent (tried without waiting) */
	char control[UNIX_MAX_CONTROL]; /* other levels' control data, verbatim */
	size_t controllen;
};

struct send_job {
	int listener;
	uint64_t id;
	pid_t tid;
	int nr;
	struct sup_caller caller;
	int sock;
	struct send_msg *msgs; /* one, or sendmmsg's first UNIX_MAX_MMSG */
	size_t nmsgs;
	int mem;	  /* sendmmsg: the caller's memory, for each msg_len */
	uint64_t mmsg_at; /* sendmmsg: its array */
	int fds[UNIX_MAX_RIGHTS];
	size_t nfds;
	int flags;
	size_t first; /* messages already sent (tried without waiting) */
	int stop;     /* the errno that ended the last send_as_caller, or 0 */
};

static void send_job_free(struct send_job *j)
{
	for (size_t i = 0; i < j->nfds; i++)
		close(j->fds[i]);
	for (size_t i = 0; i < j->nmsgs; i++)
		free(j->msgs[i].data);
	free(j->msgs);
	sup_caller_free(&j->caller);
	int fds[] = {j->listener, j->sock, j->mem};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(j);
}

static ssize_t send_one(struct send_job *j, struct send_msg *msg, bool rights)
{
	struct iovec iov = {.iov_base = (char *)msg->data + msg->off,
			    .iov_len = msg->len - msg->off};
	union {
		char buf[CMSG_SPACE(sizeof(int) * UNIX_MAX_RIGHTS) + UNIX_MAX_CONTROL];
		struct cmsghdr align;
	} control;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (msg->addrlen) {
		m.msg_name = &msg->addr;
		m.msg_namelen = msg->addrlen;
	}
	size_t used = 0;
	if (rights && j->nfds) {
		struct cmsghdr *cm = (struct cmsghdr *)control.buf;
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * j->nfds);
		memcpy(CMSG_DATA(cm), j->fds, sizeof(int) * j->nfds);
		used = CMSG_SPACE(sizeof(int) * j->nfds);
	}
	if (msg->controllen && !msg->off) { /* went with the first bytes */
		memcpy(control.buf + used, msg->control, msg->controllen);
		used += msg->controllen;
	}
	if (used) {
		m.msg_control = control.buf;
		m.msg_controllen = used;
	}
	return sendmsg(j->sock, &m, j->flags | MSG_NOSIGNAL);
}

static int send_as_caller(void *arg)
{
	struct send_job *j = arg;
	if (j->nr == SYS_connect)
		return connect(j->sock, (struct sockaddr *)&j->msgs[0].addr, j->msgs[0].addrlen) < 0
			       ? -errno
			       : 0;
	ssize_t sent = 0;
	size_t done = j->first;
	int e = 0;
	for (; done < j->nmsgs; done++) {
		sent = send_one(j, &j->msgs[done], j->nr != SYS_sendmmsg);
		if (sent < 0) {
			e = errno;
			break;
		}
		if (j->nr == SYS_sendmmsg) {
			/* The kernel writes each message's count back. */
			unsigned len = (unsigned)sent;
			if (sup_mem_write(j->mem,
					  j->mmsg_at + done * sizeof(struct mmsghdr) +
						  offsetof(struct mmsghdr, msg_len),
					  &len, sizeof(len)) < 0) {
				e = EFAULT;
				break;
			}
		}
	}
	j->stop = e;
	if (e == EPIPE && !(j->flags & MSG_NOSIGNAL) && !j->msgs[0].off) {
		pid_t tgid = j->caller.tgid;
		long threads;
		if (tgid > 0 || thread_counts(j->tid, &tgid, &threads) == 0)
			syscall(SYS_tgkill, tgid, j->tid, SIGPIPE); /* as the kernel would */
	}
	if (j->nr == SYS_sendmmsg)
		return done ? (int)done : -e;
	/* The rest of a stream send tried without waiting: the bytes sent
	 * then count, as the kernel counts a send an error ends. */
	size_t before = j->msgs[0].off;
	if (before)
		return (int)(before + (sent > 0 ? (size_t)sent : 0));
	return e ? -e : (int)sent;
}

static void *send_thread(void *arg)
{
	struct send_job *j = arg;
	long r = sup_as_caller(&j->caller, send_as_caller, j);
	struct seccomp_notif_resp resp = {.id = j->id};
	if (r < 0)
		resp.error = (int)r;
	else
		resp.val = r;
	ioctl(j->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	send_job_free(j);
	return NULL;
}

/* Copies the control data of the msghdr H: SCM_RIGHTS' descriptors taken
 * from the caller (RIGHTS false: any SOL_SOCKET message is not ours), other
 * levels verbatim into MSG. 0, 1 (not ours to send), or -errno. */
static int take_control(int mem, int pidfd, const struct msghdr *h, struct send_job *j,
			struct send_msg *msg, bool rights)
{
	if (!h->msg_controllen)
		return 0;
	if (h->msg_controllen > UNIX_MAX_CONTROL)
		return 1;
	char buf[UNIX_MAX_CONTROL];
	int r = sup_mem_read(mem, (uint64_t)(uintptr_t)h->msg_control, buf, h->msg_controllen);
	if (r < 0)
		return r;
	struct msghdr local = {.msg_control = buf, .msg_controllen = h->msg_controllen};
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&local); cm; cm = CMSG_NXTHDR(&local, cm)) {
		if (cm->cmsg_len < CMSG_LEN(0))
			return 1;
		if (cm->cmsg_level != SOL_SOCKET) {
			size_t space = CMSG_SPACE(cm->cmsg_len - CMSG_LEN(0));
			if (msg->controllen + space > sizeof(msg->control))
				return 1;
			memset(msg->control + msg->controllen, 0, space);
			memcpy(msg->control + msg->controllen, cm, cm->cmsg_len);
			msg->controllen += space;
			continue;
		}
		if (!rights || cm->cmsg_type != SCM_RIGHTS)
			return 1;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (j->nfds == UNIX_MAX_RIGHTS)
				return -EINVAL;
			int ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
			if (ours < 0)
				return -EBADF;
			j->fds[j->nfds++] = ours;
		}
	}
	return 0;
}

/* Reads the message at AT into MSG (name, data, control). */
static int take_msghdr(int mem, int pidfd, uint64_t at, struct send_job *j, struct send_msg *msg,
		       bool stream, bool rights)
{
	struct msghdr h;
	int r = sup_mem_read(mem, at, &h, sizeof(h));
	if (r < 0)
		return r;
	if ((r = take_control(mem, pidfd, &h, j, msg, rights)) != 0)
		return r;
	struct unix_call body = {.sock = -1, .may_truncate = stream};
	r = read_msghdr(mem, at, &body, true);
	msg->data = body.data;
	msg->len = body.len;
	msg->addr = body.addr;
	msg->addrlen = body.addrlen;
	return r;
}

/* May a name the kernel would resolve itself be used from ward's thread?
 * A path never (on_behalf decides it); an abstract name only where
 * Landlock's scope does not judge the caller, or the name lives in the
 * sandbox's own network namespace (the socket's is the caller's). */
static bool name_ours(const struct sup_unix *u, int sock, pid_t tid,
		      const struct sockaddr_storage *addr, socklen_t len)
{
	enum unix_name name = classify(addr, len);
	if (name == NAME_PATH)
		return false;
	if (name != NAME_ABSTRACT || !u->scope_abstract)
		return true;
	if (!u->own_netns)
		return false;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)tid);
	struct stat caller, own;
	_cleanup_close_ int ns = ioctl(sock, SIOCGSKNS);
	return ns >= 0 && fstat(ns, &own) == 0 && stat(path, &caller) == 0 &&
	       own.st_dev == caller.st_dev && own.st_ino == caller.st_ino;
}

static int load_caller(struct send_job *j)
{
	if (sup_caller_load(j->tid, -1, &j->caller) < 0)
		return -EPERM;
	if (j->caller.root_fd >= 0)
		close(j->caller.root_fd);
	j->caller.root_fd = -1;
	return 0;
}

/* Builds the job for REQ on C's socket: 0 (J set), NOT_OURS_CONTROL
 * (control data of SOL_SOCKET but SCM_RIGHTS), NOT_OURS_SCOPE (an abstract
 * name Landlock's scope must judge as the caller), or -errno to answer. */
#define NOT_OURS_CONTROL 1
#define NOT_OURS_SCOPE 2
#define NOT_OURS_TCP 3 /* an IP connect Landlock's TCP rules judge as the caller */
#define NOT_OURS_BPF 4 /* an IP call the BPF programs judge as the caller */
static int copy_call(struct supervisor *sup, const struct seccomp_notif *req, struct unix_call *c,
		     struct send_job *j)
{
	pid_t tid = (pid_t)req->pid;
	const __u64 *a = req->data.args;
	bool stream = c->type != SOCK_DGRAM;
	_cleanup_close_ int mem = sup_mem_open(tid);
	_cleanup_close_ int pidfd = sup_task_pidfd(tid);
	if (mem < 0 || pidfd < 0)
		return -EPERM;
	size_t count = 1;
	if (c->nr == SYS_sendmmsg) {
		count = a[2] < UNIX_MAX_MMSG ? (size_t)a[2] : UNIX_MAX_MMSG;
		if (!count)
			return -EINVAL; /* not reached: answered 0 before */
	}
	j->msgs = calloc(count, sizeof(*j->msgs));
	if (!j->msgs)
		return -ENOMEM;
	j->nmsgs = count;
	int r = 0;
	switch (c->nr) {
	case SYS_connect:
		if (a[2] > sizeof(j->msgs[0].addr))
			return -EINVAL;
		j->msgs[0].addrlen = (socklen_t)a[2];
		if (a[2] && (r = sup_mem_read(mem, a[1], &j->msgs[0].addr, a[2])) < 0)
			return r;
		break;
	case SYS_sendto: {
		j->flags = (int)a[3];
		struct send_msg *m = &j->msgs[0];
		if (a[5] > sizeof(m->addr))
			return -EINVAL;
		m->addrlen = (socklen_t)a[5];
		if (a[4] && a[5] && (r = sup_mem_read(mem, a[4], &m->addr, a[5])) < 0)
			return r;
		if (!a[4])
			m->addrlen = 0;
		m->len = (size_t)a[2];
		if (m->len > UNIX_MAX_DATA) {
			if (!stream)
				return -EMSGSIZE;
			m->len = UNIX_MAX_DATA;
		}
		m->data = malloc(m->len ? m->len : 1);
		if (!m->data)
			return -ENOMEM;
		if (m->len && (r = sup_mem_read(mem, a[1], m->data, m->len)) < 0)
			return r;
		break;
	}
	case SYS_sendmsg:
		j->flags = (int)a[2];
		if ((r = take_msghdr(mem, pidfd, a[1], j, &j->msgs[0], stream, true)) != 0)
			return r;
		break;
	default: /* sendmmsg */
		j->flags = (int)a[3];
		for (size_t i = 0; i < count; i++)
			if ((r = take_msghdr(mem, pidfd, a[1] + i * sizeof(struct mmsghdr), j,
					     &j->msgs[i], stream, false)) != 0)
				return r;
		j->mmsg_at = a[1];
		if ((j->mem = fcntl(mem, F_DUPFD_CLOEXEC, 0)) < 0)
			return -errno;
		break;
	}
	/* Only a unix datagram send or a connect resolves the name it carries;
	 * elsewhere the kernel ignores it or fails the same on our copy. */
	bool names = c->domain == AF_UNIX && (c->nr == SYS_connect || !stream);
	for (size_t i = 0; names && i < count; i++)
		if (!name_ours(sup->unix_state, c->sock, tid, &j->msgs[i].addr, j->msgs[i].addrlen))
			return NOT_OURS_SCOPE;
	/* An IP send is tried on the loop first, without the caller's
	 * credentials (try_without_waiting): loaded if a thread sends it. */
	if ((c->domain == AF_UNIX || c->nr == SYS_connect) && (r = load_caller(j)) < 0)
		return r;
	j->listener = fcntl(sup->listener, F_DUPFD_CLOEXEC, 0);
	if (j->listener < 0 || !sup_notif_valid(sup, req->id))
		return -ESRCH;
	return 0;
}

/* An IP send carries no credentials, so it is made here, on the loop, when
 * it cannot block: MSG_DONTWAIT (the socket's own flags stay as they are).
 * A send that would block on a blocking socket is left to a thread, from
 * where this one stopped: nothing (EAGAIN), the next message of a datagram
 * sendmmsg, the rest of a stream's bytes. True when answered here. */
static bool try_without_waiting(struct supervisor *sup, const struct seccomp_notif *req,
				const struct unix_call *c, struct send_job *j)
{
	bool stream = c->type != SOCK_DGRAM;
	int fl = fcntl(j->sock, F_GETFL);
	bool nonblocking = (fl >= 0 && (fl & O_NONBLOCK)) || (j->flags & MSG_DONTWAIT);
	/* A stream sendmmsg may stop inside a message: the thread does it all. */
	if (!nonblocking && stream && c->nr == SYS_sendmmsg)
		return false;
	int flags = j->flags;
	j->flags |= MSG_DONTWAIT;
	int sent = send_as_caller(j);
	j->flags = flags;
	bool would_block = j->stop == EAGAIN || j->stop == EWOULDBLOCK;
	if (!nonblocking) {
		if (c->nr == SYS_sendmmsg && would_block) {
			j->first = sent > 0 ? (size_t)sent : 0;
			return false;
		}
		if (c->nr != SYS_sendmmsg && would_block && sent < 0)
			return false;
		if (c->nr != SYS_sendmmsg && stream && sent >= 0 && (size_t)sent < j->msgs[0].len) {
			j->msgs[0].off = (size_t)sent;
			return false;
		}
	}
	if (sent < 0)
		sup_reply_errno(sup, req->id, -sent);
	else
		sup_reply_value(sup, req->id, sent);
	send_job_free(j);
	return true;
}

/* 0: answered (or a worker will answer); else why it is not ours. */
static int copy_on_behalf(struct supervisor *sup, const struct seccomp_notif *req,
			  struct unix_call *c)
{
	struct send_job *j = calloc(1, sizeof(*j));
	if (!j) {
		sup_reply_errno(sup, req->id, ENOMEM);
		return 0;
	}
	j->listener = j->sock = j->mem = -1;
	j->caller.root_fd = -1;
	j->id = req->id;
	j->tid = (pid_t)req->pid;
	j->nr = c->nr;
	int r = copy_call(sup, req, c, j);
	if (r != 0) {
		send_job_free(j);
		if (r > 0)
			return r;
		sup_reply_errno(sup, req->id, -r);
		return 0;
	}
	j->sock = c->sock;
	c->sock = -1;
	if (c->domain != AF_UNIX && c->nr != SYS_connect) {
		if (try_without_waiting(sup, req, c, j))
			return 0;
		if (load_caller(j) < 0) {
			/* What was sent without waiting stands. */
			if (j->first || j->msgs[0].off)
				sup_reply_value(sup, req->id,
						j->first ? (long)j->first : (long)j->msgs[0].off);
			else
				sup_reply_errno(sup, req->id, EPERM);
			send_job_free(j);
			return 0;
		}
	}
	pthread_t thread;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&thread, &attr, send_thread, j);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		send_job_free(j);
		sup_reply_errno(sup, req->id, EAGAIN);
	}
	return 0;
}

/* What neither the kernel alone nor ward's thread may run: frozen where
 * every process is known (plan.sup_unix.may_freeze tracks forks), else
 * refused. */
static void freeze_or_refuse(struct supervisor *sup, const struct seccomp_notif *req,
			     const struct unix_call *c, int why)
{
	if (sup->unix_state->can_freeze) {
		continue_frozen_checked(sup, req);
		return;
	}
	/* EPERM as Landlock's scope answers; EACCES as the unix rule does. */
	int e = why == NOT_OURS_SCOPE ? EPERM : EACCES;
	sup_reply_errno(sup, req->id, e);
	emit_unix(sup, "deny", c->nr, (pid_t)req->pid, NULL,
		  why == NOT_OURS_SCOPE ? "unix: an abstract name on a socket from outside the "
					  "sandbox's network"
		  : why == NOT_OURS_TCP ? "unix: an IP connect Landlock's TCP rules judge, from a "
					  "task whose fd table others share"
		  : why == NOT_OURS_BPF ? "unix: an IP send the BPF programs judge, from a task "
					  "whose fd table others share"
					: "unix: control data of SOL_SOCKET other than SCM_RIGHTS "
					  "(SCM_CREDENTIALS) "
					  "on a send ward makes on the caller's behalf",
		  e);
}

bool sup_unix_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	struct unix_call c = {.sock = -1};
	int r = read_call(req, &c, true);
	if (r < 0) {
		call_free(&c);
		sup_reply_errno(sup, req->id, -r);
		return true;
	}
	bool ip = c.domain == AF_INET || c.domain == AF_INET6;
	/* Address rules, runtime denials or a callback judging the network:
	 * sup_net.c decides and acts on a copy. */
	if (ip && (sup->net_rules || sup_callback_wants(sup, WARD_SUP_NETWORK))) {
		call_free(&c);
		return false;
	}
	if (c.nr == SYS_sendmmsg && c.any_path) {
		call_free(&c);
		sup_reply_errno(sup, req->id, EACCES);
		emit_unix(sup, "deny", SYS_sendmmsg, (pid_t)req->pid, NULL,
			  "unix: sendmmsg to a pathname socket (use sendmsg)", EACCES);
		return true;
	}
	if (!kernel_may_run(&c)) {
		on_behalf(sup, req, &c);
		call_free(&c);
		return true;
	}
	/* Only the socket's identity decides a stream send or another
	 * family's call: continued when nobody can swap the fd. A name (none,
	 * abstract, other) in memory is another matter: made on the caller's
	 * behalf with our copy, so no writer of its memory can matter. */
	bool needs_memory = c.domain == AF_UNIX && (c.nr == SYS_connect || c.type == SOCK_DGRAM);
	if (!needs_memory && fd_table_private(sup, (pid_t)req->pid) &&
	    sup_notif_valid(sup, req->id)) {
		call_free(&c);
		sup_reply_continue(sup, req->id);
		return true;
	}
	int why = 0;
	if (c.nr == SYS_sendmmsg && req->data.args[2] == 0)
		sup_reply_value(sup, req->id, 0); /* no message: nothing sent */
	else if (ip && c.nr == SYS_connect && !sup->unix_state->ip_connect_ours)
		why = NOT_OURS_TCP; /* plan.sup_unix.may_freeze: frozen */
	else if (ip && c.nr != SYS_connect && !sup->unix_state->ip_send_ours)
		why = NOT_OURS_BPF; /* plan.sup_unix.may_freeze: frozen */
	else if (!(ip && c.nr == SYS_connect && ip_connect_on_behalf(sup, req, &c)))
		why = copy_on_behalf(sup, req, &c);
	if (why)
		freeze_or_refuse(sup, req, &c, why);
	call_free(&c);
	return true;
}
