/* sup_net.c — connect, sendto, sendmsg and sendmmsg on IP sockets: decide on
 * a copy of the destination and perform the call on the child's behalf with
 * its socket (pidfd_getfd), so the kernel never reads the checked sockaddr
 * again. Other socket families are answered "continue" only with every
 * writer of the caller's memory and file table frozen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define SUP_NET_MAX_DATA (1u << 20) /* bytes copied per call; a stream send may be partial */
#define SUP_NET_MAX_MSGS 64	    /* sendmmsg messages per call; the rest is a short count */
#define SUP_NET_MAX_IOV 1024

struct net_msg {
	struct sockaddr_storage addr;
	socklen_t addrlen; /* 0: none (the connected peer) */
	void *data;
	size_t len;
	uint64_t len_addr; /* sendmmsg: where msg_len goes in the child */
};

/* One on-behalf call. It runs on the supervisor thread when it cannot block
 * (a non-blocking socket or call, a datagram connect), else on a worker of
 * the pool: a blocking connect or send must not stall the other
 * notifications. It owns every fd and buffer it holds. */
struct net_job {
	struct net_job *next;
	int sock, mem;
	uint64_t id;
	int nr, flags;
	size_t nmsgs;
	struct net_msg msgs[SUP_NET_MAX_MSGS];
};

/* Workers live as long as the supervisor and wait for jobs; one is added
 * only when none is idle, so a hung connect never starves the others and
 * steady traffic starts no thread. The pool outlives sup_stop while a
 * worker is still inside a call: the last one out frees it. */
struct sup_net_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct net_job *head, *tail;
	unsigned idle, refs;
	bool quit;
	int listener; /* our own dup: answers after sup_stop go nowhere harmful */
};

#define SUP_NET_IDLE_MAX 4 /* idle workers kept; more exit after their job */

static void net_job_free(struct net_job *job)
{
	for (size_t i = 0; i < job->nmsgs; i++)
		free(job->msgs[i].data);
	if (job->sock >= 0)
		close(job->sock);
	if (job->mem >= 0)
		close(job->mem);
	free(job);
}

static void job_reply(int listener, struct net_job *job, long result)
{
	struct seccomp_notif_resp resp = {.id = job->id};
	if (result < 0)
		resp.error = (int)result;
	else
		resp.val = result;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* Performs the call with EXTRA_FLAGS added to each send; the result as the
 * syscall would return it (-errno on failure). */
static long job_perform(struct net_job *job, int extra_flags)
{
	long result = 0;
	if (job->nr == SYS_connect) {
		struct net_msg *m = &job->msgs[0];
		return connect(job->sock, (struct sockaddr *)&m->addr, m->addrlen) < 0 ? -errno : 0;
	}
	size_t sent = 0;
	for (; sent < job->nmsgs; sent++) {
		struct net_msg *m = &job->msgs[sent];
		ssize_t r = sendto(job->sock, m->data, m->len, job->flags | extra_flags,
				   m->addrlen ? (struct sockaddr *)&m->addr : NULL, m->addrlen);
		if (r < 0) {
			if (job->nr != SYS_sendmmsg || sent == 0)
				result = -errno;
			break;
		}
		if (job->nr != SYS_sendmmsg)
			return r;
		unsigned int len = (unsigned int)r;
		sup_mem_write(job->mem, m->len_addr, &len, sizeof(len));
	}
	if (job->nr == SYS_sendmmsg && result == 0)
		result = (long)sent;
	return result;
}

static void pool_unref(struct sup_net_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	bool last = --pool->refs == 0;
	pthread_mutex_unlock(&pool->lock);
	if (!last)
		return;
	while (pool->head) {
		struct net_job *job = pool->head;
		pool->head = job->next;
		job_reply(pool->listener, job, -EAGAIN);
		net_job_free(job);
	}
	close(pool->listener);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

static void *pool_worker(void *arg)
{
	struct sup_net_pool *pool = arg;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->head && !pool->quit)
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (!pool->head)
			break;
		struct net_job *job = pool->head;
		pool->head = job->next;
		if (!pool->head)
			pool->tail = NULL;
		pool->idle--;
		pthread_mutex_unlock(&pool->lock);
		job_reply(pool->listener, job, job_perform(job, 0));
		net_job_free(job);
		pthread_mutex_lock(&pool->lock);
		if (pool->idle >= SUP_NET_IDLE_MAX)
			break;
		pool->idle++;
	}
	pthread_mutex_unlock(&pool->lock);
	pool_unref(pool);
	return NULL;
}

/* Queues JOB for a worker, starting one when none is idle. */
static int pool_submit(struct supervisor *sup, struct net_job *job)
{
	struct sup_net_pool *pool = sup->net_pool;
	if (!pool) {
		pool = calloc(1, sizeof(*pool));
		if (!pool)
			return -ENOMEM;
		pool->listener = fcntl(sup->listener, F_DUPFD_CLOEXEC, 0);
		if (pool->listener < 0) {
			free(pool);
			return -errno;
		}
		pthread_mutex_init(&pool->lock, NULL);
		pthread_cond_init(&pool->cond, NULL);
		pool->refs = 1; /* the supervisor's */
		sup->net_pool = pool;
	}
	pthread_mutex_lock(&pool->lock);
	if (!pool->idle) {
		pthread_t thread;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		int r = pthread_create(&thread, &attr, pool_worker, pool);
		pthread_attr_destroy(&attr);
		if (r != 0) {
			pthread_mutex_unlock(&pool->lock);
			return -r;
		}
		pool->refs++;
		pool->idle++;
	}
	job->next = NULL;
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

void sup_net_stop(struct supervisor *sup)
{
	struct sup_net_pool *pool = sup->net_pool;
	if (!pool)
		return;
	sup->net_pool = NULL;
	pthread_mutex_lock(&pool->lock);
	pool->quit = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	pool_unref(pool);
}

/* Runs JOB now when it cannot block, else hands it to the pool. A blocking
 * datagram send is tried once without waiting: it is all or nothing, so
 * EAGAIN means nothing was sent and the pool may wait for room. A stream
 * send is never tried so: a short count would reach a caller that blocked
 * for the whole. */
static void net_job_run(struct supervisor *sup, struct net_job *job, enum net_proto proto)
{
	int fl = fcntl(job->sock, F_GETFL);
	bool nonblocking = (fl >= 0 && (fl & O_NONBLOCK)) || (job->flags & MSG_DONTWAIT);
	long result;
	if (nonblocking || (job->nr == SYS_connect && proto == NET_PROTO_UDP)) {
		result = job_perform(job, 0);
	} else if (proto == NET_PROTO_UDP && job->nr != SYS_connect) {
		result = job_perform(job, MSG_DONTWAIT);
		if (result == -EAGAIN && job->nr != SYS_sendmmsg)
			goto pool;
	} else {
		goto pool;
	}
	job_reply(sup->listener, job, result);
	net_job_free(job);
	return;
pool:
	if (pool_submit(sup, job) < 0) {
		sup_reply_errno(sup, job->id, EAGAIN);
		net_job_free(job);
	}
}

static enum net_proto sock_proto(int sock)
{
	int type = 0;
	socklen_t len = sizeof(type);
	getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len);
	return type == SOCK_STREAM  ? NET_PROTO_TCP
	       : type == SOCK_DGRAM ? NET_PROTO_UDP
				    : NET_PROTO_ANY;
}

static const char *syscall_name(int nr)
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

static json_object *addr_detail(const struct sup_sockaddr *a, char *text, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "";
	inet_ntop(a->family, a->addr, ip, sizeof(ip));
	snprintf(text, size, "%s", ip);
	json_object *detail = json_object_new_object();
	if (detail) {
		json_object_object_add(detail, "address", json_object_new_string(ip));
		json_object_object_add(detail, "port", json_object_new_int(a->port));
		json_object_object_add(
			detail, "family",
			json_object_new_string(a->family == AF_INET ? "ipv4" : "ipv6"));
	}
	return detail;
}

/* The verdict on one destination: runtime denials, then the policy's rules,
 * then the callback. Returns 0 to allow or a positive errno. */
static int decide(struct supervisor *sup, const struct seccomp_notif *req,
		  const struct sup_sockaddr *a, enum net_proto proto)
{
	char rule_text[400], ip[INET6_ADDRSTRLEN];
	const char *name = syscall_name(req->data.nr);
	pthread_mutex_lock(&sup->rules_lock);
	const struct net_rule *r =
		sup_net_match(sup->net_runtime.items, sup->net_runtime.len, a, proto, true);
	if (r)
		snprintf(rule_text, sizeof(rule_text), "net deny %s (callback)", r->text);
	pthread_mutex_unlock(&sup->rules_lock);
	if (r) {
		sup_emit(sup, "deny", name, (pid_t)req->pid, rule_text, EACCES,
			 addr_detail(a, ip, sizeof(ip)));
		return EACCES;
	}
	if (sup->net_rules) {
		/* Exactly the address rules the plan placed on the supervisor
		 * (as re-resolved since), read under the lock the updates take. */
		char where[300];
		pthread_mutex_lock(&sup->rules_lock);
		const struct plan_net_rule *placed =
			sup_net_match_plan(sup->net_placed.items, sup->net_placed.len, a, proto);
		r = placed ? &placed->rule : NULL;
		bool any_allow = false;
		VEC_FOREACH(&sup->net_placed, n)
		any_allow |= !n->rule.deny;
		bool denied = (r && r->deny) || (!r && any_allow);
		if (denied && r)
			snprintf(rule_text, sizeof(rule_text), "net deny %s (%s)", r->text,
				 ward_loc_format(r->loc, where, sizeof(where)));
		else if (denied)
			snprintf(rule_text, sizeof(rule_text), "net: no allow rule matches");
		pthread_mutex_unlock(&sup->rules_lock);
		if (denied) {
			/* Audit mode: the policy's rules report what they would
			 * deny; the callback and runtime denials still decide. */
			sup_emit(sup, sup->audit ? "audit" : "deny", name, (pid_t)req->pid,
				 rule_text, EACCES, addr_detail(a, ip, sizeof(ip)));
			if (!sup->audit)
				return EACCES;
		}
	}
	if (!sup_callback_wants(sup, WARD_SUP_NETWORK))
		return 0;
	pid_t tgid = sup_proc_tgid((pid_t)req->pid);
	struct ward_sup_event ev = {
		.syscall = name,
		.category = WARD_SUP_NETWORK,
		.pid = tgid,
		.ppid = sup_proc_ppid(tgid),
		.family = a->family,
		.port = a->port,
		.protocol = proto == NET_PROTO_TCP   ? IPPROTO_TCP
			    : proto == NET_PROTO_UDP ? IPPROTO_UDP
						     : 0,
	};
	inet_ntop(a->family, a->addr, ev.address, sizeof(ev.address));
	struct ward_verdict v;
	const char *decider = "callback";
	if (!sup_callback_ask(sup, &ev, &v)) {
		v.kind = WARD_VERDICT_DENY;
		v.error = EPERM;
		decider = sup_callback_no_verdict(sup);
	}
	switch (v.kind) {
	case WARD_VERDICT_ALLOW:
		return 0;
	case WARD_VERDICT_AUDIT:
		sup_emit(sup, "audit", name, (pid_t)req->pid, decider, 0,
			 addr_detail(a, ip, sizeof(ip)));
		return 0;
	case WARD_VERDICT_KILL:
		sup_kill_sandbox(sup, "callback verdict: kill");
		sup_emit(sup, "kill", name, (pid_t)req->pid, decider, EPERM,
			 addr_detail(a, ip, sizeof(ip)));
		return EPERM;
	case WARD_VERDICT_DENY:
	default: {
		int e = v.kind == WARD_VERDICT_DENY && v.error > 0 ? v.error : EPERM;
		sup_emit(sup, "deny", name, (pid_t)req->pid, decider, e,
			 addr_detail(a, ip, sizeof(ip)));
		return e;
	}
	}
}

/* Copies one message's destination and data out of the child. */
static int copy_msg(int mem, uint64_t name, uint32_t namelen, const struct iovec *iov,
		    size_t iovlen, struct net_msg *m)
{
	if (name && namelen) {
		if (namelen > sizeof(m->addr))
			return -EINVAL;
		int r = sup_mem_read(mem, name, &m->addr, namelen);
		if (r < 0)
			return r;
		m->addrlen = namelen;
	}
	size_t total = 0;
	for (size_t i = 0; i < iovlen; i++)
		total += iov[i].iov_len;
	if (total > SUP_NET_MAX_DATA)
		total = SUP_NET_MAX_DATA;
	m->data = malloc(total ? total : 1);
	if (!m->data)
		return -ENOMEM;
	for (size_t i = 0; i < iovlen && m->len < total; i++) {
		size_t n = iov[i].iov_len;
		if (n > total - m->len)
			n = total - m->len;
		int r = sup_mem_read(mem, (uint64_t)(uintptr_t)iov[i].iov_base,
				     (char *)m->data + m->len, n);
		if (r < 0)
			return r;
		m->len += n;
	}
	return 0;
}

static int copy_msghdr(int mem, uint64_t addr, struct net_msg *m)
{
	struct msghdr h;
	int r = sup_mem_read(mem, addr, &h, sizeof(h));
	if (r < 0)
		return r;
	/* Control messages would need per-type vetting (fd passing, IP
	 * options that need privileges we have and the child lacks). */
	if (h.msg_controllen)
		return -EOPNOTSUPP;
	if (h.msg_iovlen > SUP_NET_MAX_IOV)
		return -EMSGSIZE;
	_cleanup_free_ struct iovec *iov = calloc(h.msg_iovlen ? h.msg_iovlen : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (h.msg_iovlen && (r = sup_mem_read(mem, (uint64_t)(uintptr_t)h.msg_iov, iov,
					      h.msg_iovlen * sizeof(*iov))) < 0)
		return r;
	return copy_msg(mem, (uint64_t)(uintptr_t)h.msg_name, h.msg_namelen, iov, h.msg_iovlen, m);
}

static int build_job(struct net_job *job, const struct seccomp_notif *req)
{
	const __u64 *a = req->data.args;
	switch (req->data.nr) {
	case SYS_connect:
		job->nmsgs = 1;
		if (a[2] > sizeof(job->msgs[0].addr) || a[2] == 0)
			return -EINVAL;
		job->msgs[0].addrlen = (socklen_t)a[2];
		return sup_mem_read(job->mem, a[1], &job->msgs[0].addr, a[2]);
	case SYS_sendto: {
		struct iovec iov = {(void *)(uintptr_t)a[1], (size_t)a[2]};
		job->nmsgs = 1;
		job->flags = (int)a[3];
		return copy_msg(job->mem, a[4], (uint32_t)a[5], &iov, 1, &job->msgs[0]);
	}
	case SYS_sendmsg:
		job->nmsgs = 1;
		job->flags = (int)a[2];
		return copy_msghdr(job->mem, a[1], &job->msgs[0]);
	default: { /* sendmmsg */
		size_t vlen = a[2] < SUP_NET_MAX_MSGS ? (size_t)a[2] : SUP_NET_MAX_MSGS;
		job->flags = (int)a[3];
		for (size_t i = 0; i < vlen; i++) {
			uint64_t hdr = a[1] + i * sizeof(struct mmsghdr);
			job->msgs[i].len_addr = hdr + offsetof(struct mmsghdr, msg_len);
			job->nmsgs = i + 1;
			int r = copy_msghdr(job->mem, hdr, &job->msgs[i]);
			if (r < 0)
				return r;
		}
		return vlen ? 0 : -EINVAL;
	}
	}
}

static bool is_ip_socket(int sock, bool *is_socket)
{
	int domain = 0;
	socklen_t len = sizeof(domain);
	*is_socket = getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0;
	return *is_socket && (domain == AF_INET || domain == AF_INET6);
}

/* A non-IP socket (unix, netlink): acting on its behalf would lend it our
 * credentials (SO_PEERCRED, SCM_CREDENTIALS), so the kernel runs the call
 * itself, with every thread that could swap the fd or rewrite the memory
 * frozen until it is done. */
static void continue_frozen(struct supervisor *sup, const struct seccomp_notif *req)
{
	struct sup_frozen fz = {0};
	char why[240];
	if (sup_freeze(sup, (pid_t)req->pid, &fz, why, sizeof(why)) < 0) {
		sup_reply_errno(sup, req->id, EAGAIN);
		sup_emit(sup, "deny", syscall_name(req->data.nr), (pid_t)req->pid, why, EAGAIN,
			 NULL);
		return;
	}
	sup_continue_frozen(sup, req->id, &fz);
}

/* The fast copy of build_job for a connect or a one-buffer sendto with an
 * address; -ENOSYS (JOB untouched) for every other call, or when
 * process_vm_readv is refused (-EPERM, -ESRCH: /proc/TID/mem decides). */
static int vm_copy(struct net_job *job, const struct seccomp_notif *req, pid_t tid)
{
	const __u64 *args = req->data.args;
	struct net_msg *m = &job->msgs[0];
	struct iovec local[2], remote[2];
	size_t n = 0;
	if (req->data.nr == SYS_connect) {
		if (!args[2] || args[2] > sizeof(m->addr))
			return -ENOSYS;
		local[0] = (struct iovec){&m->addr, (size_t)args[2]};
		remote[0] = (struct iovec){(void *)(uintptr_t)args[1], (size_t)args[2]};
		n = 1;
	} else if (req->data.nr == SYS_sendto) {
		if (!args[4] || !args[5] || args[5] > sizeof(m->addr))
			return -ENOSYS;
		size_t len = args[2] < SUP_NET_MAX_DATA ? (size_t)args[2] : SUP_NET_MAX_DATA;
		void *data = malloc(len ? len : 1);
		if (!data)
			return -ENOMEM;
		local[0] = (struct iovec){&m->addr, (size_t)args[5]};
		remote[0] = (struct iovec){(void *)(uintptr_t)args[4], (size_t)args[5]};
		local[1] = (struct iovec){data, len};
		remote[1] = (struct iovec){(void *)(uintptr_t)args[1], len};
		n = len ? 2 : 1;
		int r = sup_vm_read(tid, local, remote, n);
		if (r < 0 && r != -EFAULT) {
			free(data);
			return r == -EPERM || r == -ESRCH ? -ENOSYS : r;
		}
		job->nmsgs = 1;
		job->flags = (int)args[3];
		m->addrlen = (socklen_t)args[5];
		m->data = data;
		m->len = len;
		return r;
	} else {
		return -ENOSYS;
	}
	int r = sup_vm_read(tid, local, remote, n);
	if (r < 0 && r != -EFAULT)
		return r == -EPERM || r == -ESRCH ? -ENOSYS : r;
	job->nmsgs = 1;
	m->addrlen = (socklen_t)args[2];
	return r;
}

void sup_net_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	pid_t tid = (pid_t)req->pid;
	if (sup->unix_state && sup_unix_notified(sup, req))
		return;
	/* sendto without an address goes to the connected peer, checked at
	 * connect: the address pointer is a register, not memory. */
	if (req->data.nr == SYS_sendto && req->data.args[4] == 0) {
		sup_reply_continue(sup, req->id);
		return;
	}
	struct net_job *job = calloc(1, sizeof(*job));
	if (!job) {
		sup_reply_errno(sup, req->id, ENOMEM);
		return;
	}
	job->sock = job->mem = -1;
	job->id = req->id;
	job->nr = req->data.nr;
	_cleanup_close_ int pidfd = sup_task_pidfd(tid);
	if (pidfd < 0) {
		sup_reply_errno(sup, req->id, ESRCH);
		net_job_free(job);
		return;
	}
	job->sock = (int)syscall(SYS_pidfd_getfd, pidfd, (int)req->data.args[0], 0);
	if (job->sock < 0) {
		sup_reply_errno(sup, req->id, errno == EBADF ? EBADF : EPERM);
		net_job_free(job);
		return;
	}
	bool is_socket;
	if (!is_ip_socket(job->sock, &is_socket)) {
		net_job_free(job);
		if (!is_socket)
			sup_reply_errno(sup, req->id, ENOTSOCK);
		else
			continue_frozen(sup, req);
		return;
	}
	/* A connect (its sockaddr) or a sendto with an address (the sockaddr
	 * and the data) is copied with one process_vm_readv instead of
	 * opening, reading and closing /proc/TID/mem. Valid afterwards means
	 * the copy came from the caller (still blocked here, its tid used by
	 * nobody else). Anything else reads through /proc/TID/mem. */
	int r = vm_copy(job, req, tid);
	if (r == 0 || r == -EFAULT) {
		if (!sup_notif_valid(sup, req->id)) {
			sup_reply_errno(sup, req->id, EPERM);
			net_job_free(job);
			return;
		}
	}
	if (r == -ENOSYS) {
		job->mem = sup_mem_open(tid);
		if (job->mem < 0 || !sup_notif_valid(sup, req->id)) {
			sup_reply_errno(sup, req->id, EPERM);
			net_job_free(job);
			return;
		}
		r = build_job(job, req);
	}
	if (r < 0) {
		sup_reply_errno(sup, req->id, -r);
		net_job_free(job);
		return;
	}
	enum net_proto proto = sock_proto(job->sock);
	for (size_t i = 0; i < job->nmsgs; i++) {
		struct sup_sockaddr a;
		if (!job->msgs[i].addrlen)
			continue;
		if (sup_sockaddr_parse(&job->msgs[i].addr, job->msgs[i].addrlen, &a) < 0) {
			/* AF_UNSPEC dissolves an association; it goes nowhere. */
			if (job->msgs[i].addr.ss_family == AF_UNSPEC)
				continue;
			sup_reply_errno(sup, req->id, EAFNOSUPPORT);
			net_job_free(job);
			return;
		}
		int e = decide(sup, req, &a, proto);
		if (e) {
			sup_reply_errno(sup, req->id, e);
			net_job_free(job);
			return;
		}
	}
	net_job_run(sup, job, proto);
}

void sup_net_placed_free(struct supervisor *sup)
{
	VEC_FOREACH(&sup->net_placed, n)
	free(n->rule.text);
	VEC_FREE(&sup->net_placed);
}

int sup_update_net(struct supervisor *sup, const struct plan_net_rule *rules, size_t count)
{
	struct plan_net_rule *copy = calloc(count ? count : 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		copy[i] = rules[i];
		copy[i].rule.text = strdup(rules[i].rule.text ? rules[i].rule.text : "");
		if (!copy[i].rule.text) {
			while (i--)
				free(copy[i].rule.text);
			free(copy);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&sup->rules_lock);
	VEC_FOREACH(&sup->net_placed, n)
	free(n->rule.text);
	free(sup->net_placed.items);
	sup->net_placed.items = copy;
	sup->net_placed.len = count;
	sup->net_placed.cap = count ? count : 1;
	pthread_mutex_unlock(&sup->rules_lock);
	return 0;
}
