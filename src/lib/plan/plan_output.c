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
	VEC_FOREACH(&plan->entries, e)
	{
		char where[300];
		ward_loc_format(e->loc, where, sizeof(where));
		fprintf(out, "  %-44s %-11s %-13s %s%s%s\n", e->rule, layer_or_none(e->layer),
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
	char *text = strdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return text;
}
