/* events.h — the structured events of docs/events.md. Every layer that
 * observes something (ward's monitor, the supervisor, the BPF ring buffer)
 * builds a json-c object and hands it to event_emit(), which stamps it with
 * the time and the sandbox id and passes one JSON line to the user.
 */
#ifndef WARD_EVENTS_H
#define WARD_EVENTS_H

#include <json-c/json.h>

#include "ward.h"

struct event_sink {
	ward_event_fn fn; /* NULL: events are dropped */
	void *userdata;
	char sandbox_id[40];
	/* Called for every "deny" event, from whichever thread emits it. */
	void (*on_denial)(void *ctx);
	void *denial_ctx;
};

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
