/* features_print.c — `ward features`: the probed host as JSON or as aligned
 * text, ending with which ward layers are available and why the others are
 * not. Presentation only: it reports host_features_get() and never probes.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "host/features.h"

struct layer_state {
	const char *name;
	bool available;
	const char *why;
};

enum { LAYER_STATE_COUNT = 9 };

static bool any_v1_limit_usable(const struct host_features *f)
{
	for (int c = 0; c < CG_CTRL_COUNT_; c++)
		if (f->controllers[c].usable)
			return true;
	return false;
}

static void layer_states(const struct host_features *f, struct layer_state out[LAYER_STATE_COUNT])
{
	const char *cgroup_why =
		f->cgroup_v2_why[0] ? f->cgroup_v2_why : f->controllers[CG_CTRL_MEMORY].why;
	const struct layer_state states[LAYER_STATE_COUNT] = {
		{"landlock", f->landlock_abi > 0, f->landlock_why},
		{"seccomp", f->seccomp_filter, "seccomp filters unavailable"},
		{"supervisor", f->seccomp_user_notif, "seccomp user notification unavailable"},
		{"cgroup", f->cgroup_v2_usable || any_v1_limit_usable(f), cgroup_why},
		{"cgroup-bpf", f->cgroup_bpf_loads && f->cgroup_v2_usable,
		 f->cgroup_bpf_loads ? f->cgroup_v2_why : f->cgroup_bpf_why},
		{"rlimit", true, ""},
		{"namespaces", f->userns || f->cap_sys_admin,
		 "user namespaces refused and no CAP_SYS_ADMIN"},
		{"bpf-lsm", f->bpf_lsm_loads, f->bpf_lsm_why},
		{"bpf-trace", f->support.probed ? f->support.file_acct : f->fexit_loads,
		 f->support.probed && f->support.file_acct_why[0] ? f->support.file_acct_why
								  : f->fexit_why},
	};
	memcpy(out, states, sizeof(states));
}

static const char *layout_name(enum cgroup_layout layout)
{
	switch (layout) {
	case CGROUP_LAYOUT_V2:
		return "v2";
	case CGROUP_LAYOUT_HYBRID:
		return "hybrid";
	case CGROUP_LAYOUT_V1:
		return "v1";
	case CGROUP_LAYOUT_NONE:
		break;
	}
	return "none";
}

/* ---- JSON ---- */

static void put(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add(obj, key, val);
}

static json_object *controllers_json(const struct host_features *f)
{
	json_object *all = json_object_new_object();
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		const struct cgroup_controller_info *ci = &f->controllers[c];
		json_object *o = json_object_new_object();
		put(o, "available", json_object_new_boolean(ci->available));
		put(o, "usable", json_object_new_boolean(ci->usable));
		put(o, "v2", json_object_new_boolean(ci->v2));
		put(o, "mount", json_object_new_string(ci->mount));
		put(o, "why", json_object_new_string(ci->why));
		put(all, cgroup_controller_name((enum cgroup_controller)c), o);
	}
	return all;
}

static json_object *features_to_json(const struct host_features *f)
{
	json_object *root = json_object_new_object();

	json_object *ll = json_object_new_object();
	put(ll, "abi", json_object_new_int(f->landlock_abi));
	put(ll, "why", json_object_new_string(f->landlock_why));
	char audit_why[160];
	int audit = f->landlock_abi >= 7 ? audit_enabled_probe(audit_why, sizeof(audit_why)) : -1;
	if (f->landlock_abi < 7)
		snprintf(audit_why, sizeof(audit_why), "Landlock audit records need ABI 7");
	put(ll, "audit_records", audit < 0 ? NULL : json_object_new_boolean(audit == 1));
	put(ll, "audit_why", json_object_new_string(audit_why));
	put(root, "landlock", ll);

	json_object *sc = json_object_new_object();
	put(sc, "filter", json_object_new_boolean(f->seccomp_filter));
	put(sc, "user_notif", json_object_new_boolean(f->seccomp_user_notif));
	put(sc, "kill_process", json_object_new_boolean(f->seccomp_kill_process));
	put(root, "seccomp", sc);

	put(root, "userns", json_object_new_boolean(f->userns));

	json_object *priv = json_object_new_object(), *caps = json_object_new_object();
	put(priv, "root", json_object_new_boolean(f->root));
	put(caps, "sys_admin", json_object_new_boolean(f->cap_sys_admin));
	put(caps, "bpf", json_object_new_boolean(f->cap_bpf));
	put(caps, "sys_resource", json_object_new_boolean(f->cap_sys_resource));
	put(priv, "caps", caps);
	put(root, "privilege", priv);

	json_object *cg = json_object_new_object();
	put(cg, "layout", json_object_new_string(layout_name(f->cgroup_layout)));
	put(cg, "v2_mount", json_object_new_string(f->cgroup_v2_mount));
	put(cg, "v2_usable", json_object_new_boolean(f->cgroup_v2_usable));
	put(cg, "v2_base", json_object_new_string(f->cgroup_v2_base));
	put(cg, "why", json_object_new_string(f->cgroup_v2_why));
	put(cg, "kill", json_object_new_boolean(f->cgroup_kill));
	put(cg, "freeze", json_object_new_boolean(f->cgroup_freeze));
	put(cg, "controllers", controllers_json(f));
	put(root, "cgroup", cg);

	json_object *bpf = json_object_new_object();
	put(bpf, "lsm_list", f->lsm_list_known ? json_object_new_string(f->lsm_list) : NULL);
	put(bpf, "lockdown", f->lockdown[0] ? json_object_new_string(f->lockdown) : NULL);
	put(bpf, "lsm_listed", json_object_new_boolean(f->bpf_lsm_listed));
	put(bpf, "lsm_loads", json_object_new_boolean(f->bpf_lsm_loads));
	put(bpf, "lsm_why", json_object_new_string(f->bpf_lsm_why));
	put(bpf, "lsm_unix",
	    json_object_new_boolean(f->support.probed && f->support.bpf_lsm[SUPPORT_UNIX]));
	put(bpf, "cgroup_sock_addr_loads", json_object_new_boolean(f->cgroup_bpf_loads));
	put(bpf, "why", json_object_new_string(f->cgroup_bpf_why));
	put(bpf, "fexit_loads", json_object_new_boolean(f->fexit_loads));
	put(bpf, "fexit_why", json_object_new_string(f->fexit_why));
	put(bpf, "btf", json_object_new_boolean(f->btf));
	put(root, "bpf", bpf);

	struct layer_state states[LAYER_STATE_COUNT];
	layer_states(f, states);
	json_object *layers = json_object_new_object(), *avail = json_object_new_array(),
		    *missing = json_object_new_object();
	for (int i = 0; i < LAYER_STATE_COUNT; i++) {
		if (states[i].available)
			json_object_array_add(avail, json_object_new_string(states[i].name));
		else
			put(missing, states[i].name, json_object_new_string(states[i].why));
	}
	put(layers, "available", avail);
	put(layers, "missing", missing);
	put(root, "layers", layers);
	return root;
}

int ward_features_json(char **json_out, ward_error *err)
{
	json_object *root = features_to_json(host_features_get());
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	*json_out = text ? strdup(text) : NULL;
	json_object_put(root);
	if (!*json_out)
		return ward_fail(err, -ENOMEM, "features: out of memory rendering JSON");
	return 0;
}

/* ---- text ---- */

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static void print_cgroup_line(FILE *out, const struct host_features *f)
{
	fprintf(out, "%-16s%s", "cgroup", layout_name(f->cgroup_layout));
	if (f->cgroup_v2_mount[0]) {
		bool v2_limits = false;
		for (int c = 0; c < CG_CTRL_COUNT_; c++)
			v2_limits |= f->controllers[c].available && f->controllers[c].v2;
		fprintf(out, ": v2 at %s (%s)", f->cgroup_v2_mount,
			v2_limits ? "limits, BPF, ids" : "BPF, ids");
		if (!f->cgroup_v2_usable)
			fprintf(out, ", unusable: %s", f->cgroup_v2_why);
	}
	bool first = true;
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		const struct cgroup_controller_info *ci = &f->controllers[c];
		if (!ci->available || ci->v2)
			continue;
		fprintf(out, "%s%s", first ? "; v1 controllers " : " ",
			cgroup_controller_name((enum cgroup_controller)c));
		first = false;
	}
	fprintf(out, "\n");
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		const struct cgroup_controller_info *ci = &f->controllers[c];
		char label[32];
		snprintf(label, sizeof(label), "  %s",
			 cgroup_controller_name((enum cgroup_controller)c));
		if (ci->usable)
			fprintf(out, "%-16s%s at %s\n", label, ci->v2 ? "v2" : "v1", ci->mount);
		else
			fprintf(out, "%-16sno: %s\n", label, ci->why);
	}
	fprintf(out, "%-16s%s\n", "cgroup.kill", yes_no(f->cgroup_kill));
}

int ward_features_print(FILE *out, ward_error *err)
{
	const struct host_features *f = host_features_get();

	if (f->landlock_abi > 0)
		fprintf(out, "%-16sABI %d\n", "landlock", f->landlock_abi);
	else
		fprintf(out, "%-16sno: %s\n", "landlock", f->landlock_why);
	/* Landlock denies silently unless audit logs its records: say so. */
	char audit_why[160] = "Landlock audit records need ABI 7";
	int audit = f->landlock_abi >= 7 ? audit_enabled_probe(audit_why, sizeof(audit_why)) : -1;
	fprintf(out, "%-16s%s: %s\n", "landlock audit",
		audit == 1   ? "yes"
		: audit == 0 ? "no"
			     : "unknown",
		audit_why);
	fprintf(out, "%-16sfilter %s, user-notif %s, kill-process %s\n", "seccomp",
		yes_no(f->seccomp_filter), yes_no(f->seccomp_user_notif),
		yes_no(f->seccomp_kill_process));
	fprintf(out, "%-16s%s\n", "userns", yes_no(f->userns));
	fprintf(out, "%-16s%s; CAP_SYS_ADMIN %s, CAP_BPF %s, CAP_SYS_RESOURCE %s\n", "privilege",
		f->root ? "root" : "not root", yes_no(f->cap_sys_admin), yes_no(f->cap_bpf),
		yes_no(f->cap_sys_resource));
	print_cgroup_line(out, f);
	fprintf(out, "%-16s%s\n", "lsm", f->lsm_list_known ? f->lsm_list : "unknown");
	fprintf(out, "%-16s%s\n", "lockdown", f->lockdown[0] ? f->lockdown : "unknown");
	if (f->bpf_lsm_loads)
		fprintf(out, "%-16syes\n", "bpf-lsm");
	else
		fprintf(out, "%-16sno: %s\n", "bpf-lsm", f->bpf_lsm_why);
	/* Its unix hooks (unix_stream_connect, unix_may_send): where they
	 * load, the pathname unix rule is theirs, not the supervisor's. */
	if (f->bpf_lsm_loads && f->support.probed)
		fprintf(out, "%-16s%s\n", "bpf-lsm-unix",
			f->support.bpf_lsm[SUPPORT_UNIX] ? "yes"
							 : "no: its unix hooks did not load");
	if (f->cgroup_bpf_loads)
		fprintf(out, "%-16syes\n", "cgroup-bpf");
	else
		fprintf(out, "%-16sno: %s\n", "cgroup-bpf", f->cgroup_bpf_why);
	if (f->fexit_loads)
		fprintf(out, "%-16syes\n", "bpf-fexit");
	else
		fprintf(out, "%-16sno: %s\n", "bpf-fexit", f->fexit_why);
	fprintf(out, "%-16s%s\n", "btf", yes_no(f->btf));

	struct layer_state states[LAYER_STATE_COUNT];
	layer_states(f, states);
	fprintf(out, "layers:");
	for (int i = 0; i < LAYER_STATE_COUNT; i++)
		if (states[i].available)
			fprintf(out, " %s", states[i].name);
	const char *sep = "; missing: ";
	for (int i = 0; i < LAYER_STATE_COUNT; i++) {
		if (states[i].available)
			continue;
		fprintf(out, "%s%s (%s)", sep, states[i].name, states[i].why);
		sep = ", ";
	}
	fprintf(out, "\n");
	if (ferror(out))
		return ward_fail(err, -EIO, "features: writing the report failed");
	return 0;
}
