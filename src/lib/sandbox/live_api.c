/* live_api.c — the public calls behind `ward ps|stats|top|kill|freeze|thaw`:
 * the live records with their figures, and control by id or name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/live.h"
#include "ward.h"

int ward_live_list(char **json_out, ward_error *err)
{
	json_object *list;
	int r = live_records(&list, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(list); i++)
		live_add_figures(json_object_array_get_idx(list, i));
	*json_out = strdup(json_object_to_json_string_ext(
		list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(list);
	return *json_out ? 0 : ward_fail(err, -ENOMEM, "out of memory");
}

static bool record_is(json_object *rec, const char *key, const char *who)
{
	json_object *v;
	return json_object_object_get_ex(rec, key, &v) && !strcmp(json_object_get_string(v), who);
}

int ward_live_control(const char *who, const char *action, ward_error *err)
{
	if (!who || !*who)
		return ward_fail(err, -EINVAL, "no sandbox given (an id or a name from ward ps)");
	json_object *list;
	int r = live_records(&list, err);
	if (r < 0)
		return r;
	json_object *found = NULL;
	size_t matches = 0;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *rec = json_object_array_get_idx(list, i);
		if (record_is(rec, "id", who)) {
			found = rec;
			matches = 1;
			break;
		}
		if (record_is(rec, "name", who)) {
			found = rec;
			matches++;
		}
	}
	if (matches == 0)
		r = ward_fail(err, -ESRCH, "no running sandbox '%s' of yours (see ward ps)", who);
	else if (matches > 1)
		r = ward_fail(err, -EINVAL,
			      "the name '%s' matches %zu running sandboxes: use an id from ward ps",
			      who, matches);
	else
		r = live_control(found, action, err);
	json_object_put(list);
	return r;
}
