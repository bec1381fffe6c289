/* bpf_events.c — a sandbox's ring buffer records turned into the JSON
 * "deny"/"audit" events of docs/events.md, and its lost records reported
 * as "events-dropped". Only reports: the verdict was made in the kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include <bpf/libbpf.h>

#include "bpf/bpf_internal.h"
#include "bpf/bpf_sandbox.h"
#include "core/cleanup.h"

struct hook_info {
	const char *name; /* the program's section */
	const char *operation;
	bool cgroup; /* cgroup-bpf, else bpf-lsm */
	int error;   /* the errno the program answers, 0: EPERM */
};

static const struct hook_info hooks[WARD_HOOK_COUNT_] = {
	[WARD_HOOK_CONNECT4] = {"cgroup/connect4", "connect", true},
	[WARD_HOOK_CONNECT6] = {"cgroup/connect6", "connect", true},
	[WARD_HOOK_SENDMSG4] = {"cgroup/sendmsg4", "sendmsg", true},
	[WARD_HOOK_SENDMSG6] = {"cgroup/sendmsg6", "sendmsg", true},
	[WARD_HOOK_BIND4] = {"cgroup/bind4", "bind", true},
	[WARD_HOOK_BIND6] = {"cgroup/bind6", "bind", true},
	[WARD_HOOK_FILE_OPEN] = {"lsm/file_open", "open", false},
	[WARD_HOOK_INODE_PERMISSION] = {"lsm/inode_permission", "open", false},
	[WARD_HOOK_BPRM_CHECK] = {"lsm/bprm_check_security", "exec", false},
	[WARD_HOOK_MMAP_FILE] = {"lsm/mmap_file", "mmap-exec", false},
	[WARD_HOOK_SOCKET_CREATE] = {"lsm/socket_create", "socket", false},
	[WARD_HOOK_SOCKET_CONNECT] = {"lsm/socket_connect", "connect", false},
	[WARD_HOOK_SOCKET_SENDMSG] = {"lsm/socket_sendmsg", "sendmsg", false},
	[WARD_HOOK_SOCKET_BIND] = {"lsm/socket_bind", "bind", false},
	[WARD_HOOK_SOCKET_LISTEN] = {"lsm/socket_listen", "listen", false},
	[WARD_HOOK_SOCKET_ACCEPT] = {"lsm/socket_accept", "accept", false},
	[WARD_HOOK_PTRACE] = {"lsm/ptrace_access_check", "ptrace", false},
	[WARD_HOOK_BPF] = {"lsm/bpf", "bpf", false},
	[WARD_HOOK_KERNEL_READ_FILE] = {"lsm/kernel_read_file", "module-load", false},
	[WARD_HOOK_KERNEL_LOAD_DATA] = {"lsm/kernel_load_data", "module-load", false},
	[WARD_HOOK_SB_MOUNT] = {"lsm/sb_mount", "mount", false},
	[WARD_HOOK_UNIX_STREAM_CONNECT] = {"lsm/unix_stream_connect", "connect", false, EACCES},
	[WARD_HOOK_UNIX_MAY_SEND] = {"lsm/unix_may_send", "sendmsg", false, EACCES},
};

static const char *proto_name(uint8_t proto)
{
	return proto == WARD_PROTO_TCP ? "tcp" : proto == WARD_PROTO_UDP ? "udp" : "other";
}

static void add_network(json_object *detail, const struct ward_event *ev)
{
	char text[INET6_ADDRSTRLEN] = "";
	int family = ev->family == AF_INET ? AF_INET : AF_INET6;
	inet_ntop(family, ev->addr, text, sizeof(text));
	json_object_object_add(detail, "family",
			       json_object_new_string(family == AF_INET ? "inet" : "inet6"));
	json_object_object_add(detail, "address", json_object_new_string(text));
	json_object_object_add(detail, "port", json_object_new_int(ev->port));
	json_object_object_add(detail, "protocol", json_object_new_string(proto_name(ev->proto)));
}

/* The file's path when the inode is a rule's own; for a file found by a
 * "beneath" rule, the directory it lies under. Resolved from the policy in
 * user space: the kernel only sent dev/ino, and re-walking names now would
 * race the filesystem, so no path is guessed. */
static void add_path(json_object *detail, const struct bpf_sandbox *sb, const struct ward_event *ev)
{
	const char *beneath = NULL;
	for (size_t i = 0; i < sb->ninode_paths; i++) {
		const struct bpf_inode_path *p = &sb->inode_paths[i];
		if (p->dev == ev->dev && p->ino == ev->ino) {
			json_object_object_add(detail, "path", json_object_new_string(p->path));
			return;
		}
		if (p->rule_id == ev->rule_id && !beneath)
			beneath = p->path;
	}
	if (beneath)
		json_object_object_add(detail, "beneath", json_object_new_string(beneath));
}

static void add_inode(json_object *detail, const struct ward_event *ev)
{
	/* The kernel's s_dev encoding, shown as the major:minor users know. */
	char dev[32];
	snprintf(dev, sizeof(dev), "%llu:%llu", (unsigned long long)(ev->dev >> 20),
		 (unsigned long long)(ev->dev & 0xfffff));
	json_object_object_add(detail, "device", json_object_new_string(dev));
	json_object_object_add(detail, "inode", json_object_new_int64((int64_t)ev->ino));
	json_object *access = json_object_new_array();
	if (ev->mask & WARD_ACC_READ)
		json_object_array_add(access, json_object_new_string("read"));
	if (ev->mask & WARD_ACC_WRITE)
		json_object_array_add(access, json_object_new_string("write"));
	if (ev->mask & WARD_ACC_EXEC)
		json_object_array_add(access, json_object_new_string("exec"));
	if (ev->mask & WARD_ACC_CREATE)
		json_object_array_add(access, json_object_new_string("create"));
	json_object_object_add(detail, "access", access);
}

void bpf_sandbox_report(struct bpf_sandbox *sb, const struct ward_event *ev)
{
	if (ev->hook == 0 || ev->hook >= WARD_HOOK_COUNT_)
		return;
	const struct hook_info *hook = &hooks[ev->hook];
	json_object *detail = json_object_new_object();
	if (!detail)
		return;
	char comm[sizeof(ev->comm) + 1];
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(ev->comm), ev->comm);
	json_object_object_add(detail, "hook", json_object_new_string(hook->name));
	json_object_object_add(detail, "comm", json_object_new_string(comm));
	json_object_object_add(detail, "tid", json_object_new_int((int)ev->pid));
	json_object_object_add(detail, "cgroup", json_object_new_int64((int64_t)ev->cgid));
	bool unix_peer = ev->family == AF_UNIX;
	if (unix_peer)
		json_object_object_add(detail, "family", json_object_new_string("unix"));
	else if (ev->family)
		add_network(detail, ev);
	if (ev->ino && unix_peer) {
		char dev[32];
		snprintf(dev, sizeof(dev), "%llu:%llu", (unsigned long long)(ev->dev >> 20),
			 (unsigned long long)(ev->dev & 0xfffff));
		json_object_object_add(detail, "device", json_object_new_string(dev));
		json_object_object_add(detail, "inode", json_object_new_int64((int64_t)ev->ino));
	} else if (ev->ino) {
		add_inode(detail, ev);
		add_path(detail, sb, ev);
	}

	const char *rule = "default deny";
	if (unix_peer)
		rule = ev->mask & WARD_UNIX_STOP
			       ? "unix: socket in a grant without write, or denied"
			       : "unix: socket outside every write grant and net.unix, not made "
				 "in the sandbox";
	if (ev->rule_id != WARD_RULE_DEFAULT && ev->rule_id < sb->nrules &&
	    sb->rule_texts[ev->rule_id])
		rule = sb->rule_texts[ev->rule_id];
	const char *verdict = ev->verdict == WARD_EV_AUDIT ? "audit" : "deny";
	event_emit_decision(sb->sink, verdict, hook->cgroup ? "cgroup-bpf" : "bpf-lsm",
			    hook->operation, (int)ev->tgid, rule, hook->error ? hook->error : EPERM,
			    detail);
}

/* Reports records the programs could not queue since the last report. */
static void report_drops(struct bpf_sandbox *sb)
{
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_sandboxes");
	struct ward_sandbox_cfg cfg;
	if (fd < 0 || bpf_map_lookup_elem(fd, &sb->cgid, &cfg) < 0)
		return;
	if (cfg.drops <= sb->drops_reported)
		return;
	json_object *obj = event_new("events-dropped");
	if (!obj)
		return;
	json_object_object_add(obj, "layer", json_object_new_string("bpf"));
	json_object_object_add(obj, "count",
			       json_object_new_int64((int64_t)(cfg.drops - sb->drops_reported)));
	sb->drops_reported = cfg.drops;
	event_emit(sb->sink, obj);
}

int bpf_sandbox_poll_events(struct bpf_sandbox *sb)
{
	if (!sb || !sb->ring)
		return 0;
	sb->polled = 0;
	int r = ring_buffer__consume(sb->ring);
	if (sb->entry_written)
		report_drops(sb);
	return r < 0 ? r : sb->polled;
}
