/* live.h — running sandboxes as `ward ps` sees them. While a sandbox runs,
 * its ward publishes a record in the owner's runtime directory and removes it
 * at the end; a record whose ward is gone is stale and never shown. Records
 * only describe: nothing here is ever consulted for enforcement, and control
 * (kill, freeze) is checked by the kernel against the caller's own rights.
 */
#ifndef WARD_SANDBOX_LIVE_H
#define WARD_SANDBOX_LIVE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct ward_sandbox;

/* ---- live_registry.c ---- */
/* Publishes SB (started with ARGV, named NAME or NULL). Best effort: a
 * sandbox runs whether or not it can be listed. */
void live_publish(struct ward_sandbox *sb, const char *name, char *const argv[]);
/* Counts one denial in SB's record (one pwrite). */
void live_count_denial(struct ward_sandbox *sb);
void live_unpublish(struct ward_sandbox *sb);

/* The records of the running sandboxes the caller may see (its own; root:
 * every user's), as a json-c array of objects; stale records are skipped
 * (and removed when they are the caller's). */
int live_records(json_object **out, ward_error *err);

/* A process still the one a record named: PID alive with start time START
 * (field 22 of /proc/PID/stat). */
bool live_process_matches(pid_t pid, unsigned long long start);
/* Whether every uid of PID (real, effective, saved, fs) is UID. */
bool live_process_owned_by(pid_t pid, uid_t uid);
int live_process_start(pid_t pid, unsigned long long *start);
/* PID's parent, or -1. */
pid_t live_process_parent(pid_t pid);

/* ---- live_figures.c ---- */
/* Adds the live figures of RECORD (cpu, memory, tasks, with their source:
 * "cgroup" or "proc") to RECORD. */
void live_add_figures(json_object *record);

/* ---- live_control.c ---- */
/* ACTION ("kill", "freeze", "thaw") on RECORD's sandbox. */
int live_control(json_object *record, const char *action, ward_error *err);

#endif
