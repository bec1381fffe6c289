/* audit_probe.c — whether the kernel's audit subsystem is on, so `ward
 * features` can say whether Landlock's denial records (ABI 7) reach the
 * audit log. Asking (AUDIT_GET) needs CAP_AUDIT_CONTROL; without it the
 * answer is "unknown", never a guess.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "host/features.h"

int audit_enabled_probe(char *why, size_t why_size)
{
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0) {
		snprintf(why, why_size, "no audit netlink socket: %s", strerror(errno));
		return -errno;
	}
	struct {
		struct nlmsghdr nh;
		char pad[16];
	} req = {.nh = {.nlmsg_len = NLMSG_LENGTH(0),
			.nlmsg_type = AUDIT_GET,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1}};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		snprintf(why, why_size, "cannot ask the audit subsystem: %s", strerror(errno));
		return -errno;
	}
	for (int tries = 0; tries < 4; tries++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 1000) <= 0)
			break;
		char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(struct nlmsghdr))
			break;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				if (e->error == 0)
					continue; /* the ack; the status follows */
				snprintf(why, why_size, "cannot ask the audit subsystem: %s",
					 strerror(-e->error));
				return e->error;
			}
			if (nh->nlmsg_type == AUDIT_GET &&
			    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct audit_status))) {
				struct audit_status st;
				memcpy(&st, NLMSG_DATA(nh), sizeof(st));
				snprintf(why, why_size, "%s",
					 st.enabled ? "audit is on"
						    : "audit is off (auditctl -e 1 turns it on)");
				return st.enabled ? 1 : 0;
			}
		}
	}
	snprintf(why, why_size, "no answer from the audit subsystem");
	return -ETIMEDOUT;
}
