/* plan_output.c — the plan as people read it (--explain) and as JSON (the
 * start event, the API). Reports only what plan_build decided. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

static const char *layer_or_none(enum ward_layer layer)
{
	return layer == LAYER_NONE ? "-" : ward_layer_name(layer);
}

void plan_print(const struct plan *plan, FILE *out)
{
	fprintf(out, "ward plan (mode %s)\n", plan->mode == WARD_MODE_AUDIT ? "audit" : "enforce");
	/* The rule column fits the longest rule up to 60 characters; a longer
	 * rule has a line of its own, so the columns never shift. */
	int width = 20;
	VEC_FOREACH(&plan->entries, e)
	{
		int n = (int)strlen(e->rule);
		if (n > width && n <= 60)
			width = n;
	}
	fprintf(out, "  %-*s %-11s %-13s %s\n", width, "RULE", "LAYER", "STATUS", "NOTE  ORIGIN");
	VEC_FOREACH(&plan->entries, e)
	{
		char where[300];
		ward_loc_format(e->loc, where, sizeof(where));
		const char *rule = e->rule;
		if ((int)strlen(rule) > width) {
			fprintf(out, "  %s\n", rule);
			rule = "";
		}
		fprintf(out, "  %-*s %-11s %-13s %s%s%s\n", width, rule, layer_or_none(e->layer),
			plan_status_name(e->status), e->note, e->note[0] ? "  " : "",
			strcmp(where, "ward") ? where : "");
	}
	if (plan->refused)
		fprintf(out, "refused: some rules cannot be enforced on this host\n");
}

json_object *plan_to_json_object(const struct plan *plan)
{
	json_object *arr = json_object_new_array();
	if (!arr)
		return NULL;
	VEC_FOREACH(&plan->entries, e)
	{
		char where[300];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "rule", json_object_new_string(e->rule));
		json_object_object_add(o, "layer", json_object_new_string(layer_or_none(e->layer)));
		json_object_object_add(o, "status",
				       json_object_new_string(plan_status_name(e->status)));
		if (e->note[0])
			json_object_object_add(o, "note", json_object_new_string(e->note));
		json_object_object_add(
			o, "origin",
			json_object_new_string(ward_loc_format(e->loc, where, sizeof(where))));
		json_object_array_add(arr, o);
	}
	return arr;
}

char *plan_to_json(const struct plan *plan)
{
	json_object *arr = plan_to_json_object(plan);
	if (!arr)
		return NULL;
	char *text = strdup(json_object_to_json_string_ext(
		arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return text;
}
