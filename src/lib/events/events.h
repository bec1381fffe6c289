/* events.h — the structured events of docs/events.md. Every layer that
 * observes something (ward's monitor, the supervisor, the BPF ring buffer)
 * builds a json-c object and hands it to event_emit(), which stamps it with
 * the time and the sandbox id and passes one JSON line to the user.
 */
#ifndef WARD_EVENTS_H
#define WARD_EVENTS_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/vec.h"

#include "ward.h"

/* Who emits: the monitor (start, warnings, limits, exit, and the BPF ring
 * buffer, drained in its wait loop), and the supervisor's thread (its
 * decisions). event_emit() serialises them: FN is called by one thread at a
 * time, once per event, with one complete line. A HELD sink (the spawn path
 * holds it until the program runs) queues events, so that `start` comes
 * first; event_sink_open() emits the start event, then the queue. After
 * event_sink_close() (the monitor calls it right after the exit event)
 * nothing is delivered. A zeroed sink delivers at once (the lock is
 * PTHREAD_MUTEX_INITIALIZER). */
struct event_sink {
	ward_event_fn fn; /* NULL: events are dropped */
	void *userdata;
	char sandbox_id[40];
	pthread_mutex_t lock;
	bool held;	    /* queue until event_sink_open */
	bool closed;	    /* drop everything */
	VEC(char *) queued; /* lines emitted while held */
	/* Called for every "deny" event, from whichever thread emits it. */
	void (*on_denial)(void *ctx);
	void *denial_ctx;
};

/* Emits FIRST (the start event), then what was queued; stops holding. */
void event_sink_open(struct event_sink *sink, json_object *first);
/* The same in two steps: OBJ stamped (time, sandbox) as the line to send
 * first (NULL when the sink has no consumer; OBJ is consumed), then the
 * opening with it (FIRST is freed). */
char *event_line(struct event_sink *sink, json_object *obj);
void event_sink_open_line(struct event_sink *sink, char *first);
/* No event is delivered after this (the queue is dropped); waits for one
 * being delivered. */
void event_sink_close(struct event_sink *sink);

/* Creates {"type": TYPE}; the caller adds fields, then emits. */
json_object *event_new(const char *type);
/* Adds "time" (RFC 3339, UTC, microseconds) and "sandbox", renders, calls
 * the sink, and releases OBJ in every case. */
void event_emit(struct event_sink *sink, json_object *obj);

/* A "deny" (or "audit") event: LAYER made VERDICT on an operation.
 * Fields may be NULL/0 when unknown. Extra fields go into DETAIL, which this
 * function takes ownership of (may be NULL). */
void event_emit_decision(struct event_sink *sink, const char *verdict, const char *layer,
			 const char *operation, int pid, const char *rule, int error,
			 json_object *detail);

#endif
