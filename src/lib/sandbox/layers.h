/* layers.h — the table of ward's layers as spawn, child and monitor drive
 * them: each row has the same few operations, each run in one documented
 * order (the rows of sandbox_layers[] in layers_table.c). A layer reads only
 * its section of the plan; adding one is one file, one row in that table and
 * its placement in the planner (docs/architecture.md, "The layer table").
 */
#ifndef WARD_SANDBOX_LAYERS_H
#define WARD_SANDBOX_LAYERS_H

#include <stdbool.h>

#include "sandbox/sandbox.h"

/* Everything that lives only until the child has exec'd. */
struct spawn_work {
	char **envp;
	const char *cwd; /* the policy's start directory (the own root needs it) */
	int landlock_fd;
	struct seccomp_program seccomp;
	int seccomp_pipe[2]; /* the filter, built while the child sets up; -1: built before */
	struct seccomp_program sup_filter;
	bool supervised;
	int sup_pair[2];
	struct rlimit_set rlimits;
	int sync_pipe[2];
	int report_pipe[2];
	struct pass_fds pass;
	int cg_tasks[8]; /* v1 "tasks" files the child joins itself through */
	int n_cg_tasks;
	int cg_tasks_fd;     /* the one the child joins through, or -1 */
	bool born_in_cgroup; /* clone3 put the child in the v2 cgroup */
	pid_t program;	     /* the process the supervisor takes the listener from */
	struct world_setup world;
};

/* When a layer's child step runs (child.c, numbered steps). */
enum layer_child_phase {
	CHILD_NONE = 0,
	CHILD_MOUNTS,  /* step 4: namespaces, the own root, masks (still privileged) */
	CHILD_LIMITS,  /* step 5: before no_new_privs, while limits may be set */
	CHILD_CONFINE, /* steps 7-9: after no_new_privs, in table order, seccomp last */
};

struct sandbox_layer {
	const char *name;
	/* Does the plan give this layer anything to do? */
	bool (*wanted)(const struct plan *plan);
	/* Parent, before clone: build what the child will enforce or what
	 * enforces from outside (cgroup, maps, filters). */
	int (*prepare)(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
	/* Parent, after clone and before the child is released: place it. */
	int (*attach)(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
	/* Parent, right after the release, while the child sets up (it runs
	 * on the other core): build what the child needs only at its confine
	 * steps. A failure kills the child, which never gets that far. */
	int (*released)(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
	/* Parent, after the release, before the program's exec completes. */
	int (*start)(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
	/* Child, async-signal-safe: 0 or a negative errno; *STAGE the step
	 * (enum child_stage), *STEP which part of it (world_step_name). */
	enum layer_child_phase child_phase;
	int (*enforce)(const struct child_setup *s, int *stage, int *step);
	/* Monitor: a pollable fd of its events (-1: none), and its drain. */
	int (*event_fd)(struct ward_sandbox *sb);
	void (*poll_events)(struct ward_sandbox *sb);
	/* Monitor, after the program is reaped and before the exit event:
	 * the layer's last decisions are reported now or never. */
	void (*finish)(struct ward_sandbox *sb);
	/* The one teardown (reverse table order); safe after a failed
	 * prepare and when called twice. True when it removed something. */
	bool (*destroy)(struct ward_sandbox *sb);
	/* After exec (or a failed spawn): what only the start needed. */
	void (*release_work)(struct spawn_work *w);
	/* WARD_TRACE_PHASES names (core/trace.h) after prepare and destroy. */
	const char *prepared, *destroyed;
};

#define LAYERS_MAX 16 /* rows the monitor can poll */
extern const struct sandbox_layer sandbox_layers[];
extern const size_t sandbox_layers_count;

/* Parent: prepare every wanted layer in table order; stops at the first
 * failure (the caller tears down). */
int layers_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
int layers_attach(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
int layers_released(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
int layers_start(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err);
/* Child, async-signal-safe: every layer's step of PHASE, in table order. */
int layers_child_enforce(const struct child_setup *s, enum layer_child_phase phase, int *stage,
			 int *step);
/* Monitor: up to MAX event fds of the layers (-1 where none), in table order. */
size_t layers_event_fds(struct ward_sandbox *sb, int *fds, size_t max);
void layers_poll_events(struct ward_sandbox *sb, size_t index);
void layers_finish(struct ward_sandbox *sb);
/* Every layer's destroy, in reverse table order. */
void layers_destroy(struct ward_sandbox *sb);
void layers_release_work(struct spawn_work *w);

/* monitor.c: the one teardown, after a finished run and after a failed or
 * abandoned spawn alike: every layer's destroy (reverse table order), then
 * the private directory, removed only when no process can be left. */
void sandbox_teardown(struct ward_sandbox *sb);

#endif
