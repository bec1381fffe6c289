/* sup_listen.c — listen(): the kernel binds an unbound TCP socket to an
 * ephemeral port inside listen(), where Landlock's bind hook never runs.
 * Decides on the socket object pinned with pidfd_getfd and listens on that
 * copy on the caller's behalf: it never answers "continue", since the fd
 * number may name another socket by the time the kernel looks again.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define LISTEN_RULE "net: no TCP listen without bind"

/* An IPv4/IPv6 socket of a type listen() accepts: the kernel autobinds it. */
static bool autobinds(int sock)
{
	int domain = 0, type = 0;
	socklen_t dl = sizeof(domain), tl = sizeof(type);
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return false;
	return (domain == AF_INET || domain == AF_INET6) &&
	       (type == SOCK_STREAM || type == SOCK_SEQPACKET);
}

/* Its local port, 0 when it was never bound; -errno when unknown. */
static int local_port(int sock)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);
	if (getsockname(sock, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -EAFNOSUPPORT;
}

struct listen_call {
	int sock, backlog;
};

static int listen_pinned(void *arg)
{
	struct listen_call *c = arg;
	return listen(c->sock, c->backlog) < 0 ? -errno : 0;
}

static json_object *listen_detail(int sock)
{
	int domain = 0;
	socklen_t dl = sizeof(domain);
	getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dl);
	json_object *detail = json_object_new_object();
	if (detail) {
		json_object_object_add(detail, "category", json_object_new_string("net"));
		json_object_object_add(detail, "reason",
				       json_object_new_string("listen without bind"));
		json_object_object_add(detail, "port", json_object_new_int(0));
		json_object_object_add(detail, "family",
				       json_object_new_string(domain == AF_INET ? "ipv4" : "ipv6"));
	}
	return detail;
}

void sup_listen_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	pid_t tid = (pid_t)req->pid;
	_cleanup_close_ int pidfd = sup_task_pidfd(tid);
	if (pidfd < 0) {
		sup_reply_errno(sup, req->id, ESRCH);
		return;
	}
	/* From here on only this object counts, whatever the fd number names. */
	struct listen_call call = {.backlog = (int)req->data.args[1]};
	call.sock = (int)syscall(SYS_pidfd_getfd, pidfd, (int)req->data.args[0], 0);
	if (call.sock < 0) {
		sup_reply_errno(sup, req->id, errno == EBADF ? EBADF : EPERM);
		return;
	}
	_cleanup_close_ int sock = call.sock;
	int domain = 0;
	socklen_t dl = sizeof(domain);
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0) {
		sup_reply_errno(sup, req->id, errno == ENOTSOCK ? ENOTSOCK : EPERM);
		return;
	}
	if (autobinds(sock)) {
		int port = local_port(sock);
		if (port <= 0) {
			sup_emit(sup, sup->audit ? "audit" : "deny", "listen", tid, LISTEN_RULE,
				 EACCES, listen_detail(sock));
			if (!sup->audit) {
				sup_reply_errno(sup, req->id, EACCES);
				return;
			}
		}
	}
	if (!sup_notif_valid(sup, req->id))
		return;
	int r;
	if (domain == AF_INET || domain == AF_INET6) {
		/* An IP socket carries no credentials of its listener. */
		r = listen_pinned(&call);
	} else {
		/* A unix socket's listener hands its credentials to every peer
		 * (SO_PEERCRED): listen as the caller, never as ward. */
		struct sup_caller caller;
		r = sup_caller_load(tid, -1, &caller);
		if (r == 0)
			r = sup_as_caller(&caller, listen_pinned, &call);
		sup_caller_free(&caller);
		if (r < 0 && r != -EADDRINUSE && r != -EINVAL && r != -EOPNOTSUPP)
			r = r == -EPERM || r == -EACCES ? r : -EAGAIN;
	}
	if (r < 0)
		sup_reply_errno(sup, req->id, -r);
	else
		sup_reply_value(sup, req->id, 0);
}
