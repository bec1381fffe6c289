/* bpf_layer.h — ward's BPF layer as the plan and the spawn path see it:
 * what this host can load, and a sandbox's entries in the shared pinned
 * maps (added at start, removed at exit, collected when their ward died).
 * Nothing here claims a class of rules it does not enforce and test.
 */
#ifndef WARD_BPF_LAYER_H
#define WARD_BPF_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ward.h"

struct event_sink;
struct net_rule;
struct plan;

/* What this host can do, by trying (programs loaded once and pinned). */
bool bpf_layer_lsm_usable(char *why, size_t why_size);	      /* LSM programs load+attach here */
bool bpf_layer_cgroup_net_usable(char *why, size_t why_size); /* cgroup sock_addr programs */

/* Only kinds that are fully implemented AND tested return true. */
enum bpf_rule_kind { BPF_RULE_FS, BPF_RULE_EXEC, BPF_RULE_NET, BPF_RULE_KERNEL, BPF_RULE_UNIX };
bool bpf_layer_lsm_enforces(enum bpf_rule_kind kind);
/* Escalation (policy kill_after) is counted and done by the LSM hooks only
 * (bpf_send_signal on the offender); the cgroup sock_addr programs never
 * kill. True when every LSM program is attached here. A plan that has
 * kill_after but no LSM rule must say so: bpf_sandbox_create refuses it. */
bool bpf_layer_can_escalate(void);

struct bpf_sandbox;

/* Adds map entries for one sandbox, keyed by its v2 cgroup id; attaches the
 * cgroup programs to CGROUP_FD when plan->cgroup_bpf_net. SINK receives the
 * sandbox's events (may be NULL). */
int bpf_sandbox_create(const struct plan *plan, uint64_t cgroup_id, int cgroup_fd,
		       struct event_sink *sink, struct bpf_sandbox **out, ward_error *err);
/* An epoll-able fd that is readable when events wait, -1 if none. */
int bpf_sandbox_event_fd(struct bpf_sandbox *sb);
/* Drains the ring buffer into JSON events and reports drops. Returns the
 * number of events, or a negative errno. */
int bpf_sandbox_poll_events(struct bpf_sandbox *sb);
/* Replaces the sandbox's address rules OLD (what it was given) by RULES in
 * place (a host name re-resolved): new prefixes are added, changed ones
 * rewritten, prefixes of no rule removed. The programs stay attached. */
struct plan_net_rule;
int bpf_sandbox_update_net(struct bpf_sandbox *sb, const struct plan_net_rule *old, size_t nold,
			   const struct plan_net_rule *rules, size_t count, ward_error *err);
/* Removes the sandbox's map entries and detaches its programs; frees SB. */
void bpf_sandbox_destroy(struct bpf_sandbox *sb);

/* Removes the entries of sandboxes whose cgroup no longer exists. Returns
 * how many sandboxes were collected, or a negative errno. */
int bpf_gc_stale(void);

/* `ward bpf status|load|unload` */
int bpf_status_print(FILE *out);
int bpf_load_pinned(ward_error *err);
int bpf_unload_pinned(ward_error *err);

#endif
