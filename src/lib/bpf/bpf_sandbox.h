/* bpf_sandbox.h — the state of one sandbox in the BPF layer, shared by
 * bpf_sandbox.c (setup, teardown) and bpf_events.c (its ring buffer).
 * Internal to src/lib/bpf.
 */
#ifndef WARD_BPF_SANDBOX_H
#define WARD_BPF_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "../../bpf/ward_bpf.h"
#include "events/events.h"

struct ring_buffer;

/* The inode of an fs/exec rule and the path it was resolved from, so an
 * event that names the inode can name the file (the kernel sends dev/ino). */
struct bpf_inode_path {
	uint64_t dev, ino; /* dev in the kernel's encoding */
	uint32_t rule_id;  /* the rule that put it in the map */
	char *path;
};

struct bpf_sandbox {
	uint64_t cgid;	    /* the v2 cgroup id: the key in every map */
	int cgroup_fd;	    /* our dup of the attach point, -1 when none */
	int *prog_fds;	    /* bpf_progs_count, -1 when not opened */
	bool *attached;	    /* bpf_progs_count: attached to cgroup_fd by us */
	bool entry_written; /* maps may hold entries of ours */
	int ring_fd;
	int ring_slot; /* our slot in the pinned ring pool, -1 when none */
	struct ring_buffer *ring;
	struct event_sink *sink;
	char **rule_texts; /* the rules placed on BPF, by rule id (net, fs, exec); NULL gaps */
	size_t nrules;
	struct bpf_inode_path *inode_paths; /* one per inode rule written */
	size_t ninode_paths;
	uint64_t drops_reported;
	int polled; /* events of the current poll */
};

/* Turns one ring buffer record into a JSON event. */
void bpf_sandbox_report(struct bpf_sandbox *sb, const struct ward_event *ev);

#endif
