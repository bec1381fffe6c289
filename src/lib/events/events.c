/* events.c — stamping and delivering JSON events. Delivery is synchronous
 * and never blocks enforcement: a sink that fails loses the event, not the
 * decision, which the kernel has already made. */
#include "events/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_object *event_new(const char *type)
{
	json_object *obj = json_object_new_object();
	if (obj)
		json_object_object_add(obj, "type", json_object_new_string(type));
	return obj;
}

static void add_time(json_object *obj)
{
	struct timespec ts;
	struct tm tm;
	char stamp[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%06ldZ", ts.tv_nsec / 1000);
	json_object_object_add(obj, "time", json_object_new_string(stamp));
}

static const char *stamp(struct event_sink *sink, json_object *obj)
{
	add_time(obj);
	if (sink->sandbox_id[0])
		json_object_object_add(obj, "sandbox", json_object_new_string(sink->sandbox_id));
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
}

void event_emit(struct event_sink *sink, json_object *obj)
{
	if (!obj)
		return;
	if (sink && sink->fn) {
		const char *line = stamp(sink, obj);
		pthread_mutex_lock(&sink->lock);
		if (sink->closed) {
			/* dropped: after exit */
		} else if (sink->held) {
			char *copy = strdup(line);
			if (copy && VEC_PUSH(&sink->queued, copy) < 0)
				free(copy); /* lost, as a failing sink loses it */
		} else {
			sink->fn(line, sink->userdata);
		}
		pthread_mutex_unlock(&sink->lock);
	}
	json_object_put(obj);
}

static void drop_queue(struct event_sink *sink)
{
	VEC_FOREACH(&sink->queued, q)
	free(*q);
	VEC_FREE(&sink->queued);
}

char *event_line(struct event_sink *sink, json_object *obj)
{
	char *line = obj && sink->fn ? strdup(stamp(sink, obj)) : NULL;
	json_object_put(obj);
	return line;
}

void event_sink_open_line(struct event_sink *sink, char *first)
{
	pthread_mutex_lock(&sink->lock);
	if (!sink->closed && sink->fn) {
		if (first)
			sink->fn(first, sink->userdata);
		VEC_FOREACH(&sink->queued, q)
		sink->fn(*q, sink->userdata);
	}
	drop_queue(sink);
	sink->held = false;
	pthread_mutex_unlock(&sink->lock);
	free(first);
}

void event_sink_open(struct event_sink *sink, json_object *first)
{
	event_sink_open_line(sink, event_line(sink, first));
}

void event_sink_close(struct event_sink *sink)
{
	pthread_mutex_lock(&sink->lock);
	sink->closed = true;
	drop_queue(sink);
	pthread_mutex_unlock(&sink->lock);
}

void event_emit_decision(struct event_sink *sink, const char *verdict, const char *layer,
			 const char *operation, int pid, const char *rule, int error,
			 json_object *detail)
{
	if (sink && sink->on_denial && !strcmp(verdict, "deny"))
		sink->on_denial(sink->denial_ctx);
	json_object *obj = event_new(verdict);
	if (!obj) {
		json_object_put(detail);
		return;
	}
	if (layer)
		json_object_object_add(obj, "layer", json_object_new_string(layer));
	if (operation)
		json_object_object_add(obj, "operation", json_object_new_string(operation));
	if (pid > 0)
		json_object_object_add(obj, "pid", json_object_new_int(pid));
	if (rule)
		json_object_object_add(obj, "rule", json_object_new_string(rule));
	if (error)
		json_object_object_add(obj, "errno",
				       json_object_new_string(strerrorname_np(error)
								      ? strerrorname_np(error)
								      : "?"));
	if (detail)
		json_object_object_add(obj, "detail", detail);
	event_emit(sink, obj);
}
