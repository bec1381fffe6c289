/* bpf_host.c — what the BPF layer can do on this host, found by loading
 * and pinning the real programs once (later calls reuse the pins), and the
 * classes of rules it may be given. A class is claimed only when every
 * program it needs loaded (and attached) here and the class is implemented
 * and tested; anything else answers false with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "bpf/bpf_internal.h"
#include "core/cleanup.h"

static struct bpf_prog_state states[64];
static bool probed_cgroup, probed_lsm;

_Static_assert(ARRAY_SIZE(states) >= 32, "room for every program");

static bool lsm_listed(char *why, size_t why_size)
{
	_cleanup_fclose_ FILE *f = fopen("/sys/kernel/security/lsm", "re");
	char list[256] = "";
	if (!f || !fgets(list, sizeof(list), f)) {
		snprintf(why, why_size, "cannot read /sys/kernel/security/lsm (securityfs)");
		return false;
	}
	list[strcspn(list, "\n")] = '\0';
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "bpf") == 0)
			return true;
	snprintf(why, why_size, "\"bpf\" is not in the active LSMs (boot with lsm=...,bpf)");
	return false;
}

/* Loads every program of OBJECT (NULL: all LSM objects) and says which failed. */
static bool load_and_explain(const char *object, bool lsm, char *why, size_t why_size)
{
	ward_error err = {0};
	bool all = true;
	size_t at = 0;
	if (why_size)
		why[0] = '\0';
	for (size_t i = 0; i < bpf_progs_count; i++) {
		if (bpf_progs[i].lsm != lsm || (object && strcmp(bpf_progs[i].object, object)))
			continue;
		bpf_progs_load(bpf_progs[i].object, states, &err);
		break;
	}
	if (lsm) /* every LSM object, each program on its own */
		for (size_t i = 0; i < bpf_progs_count; i++)
			if (bpf_progs[i].lsm && !states[i].tried)
				bpf_progs_load(bpf_progs[i].object, states, &err);
	for (size_t i = 0; i < bpf_progs_count; i++) {
		if (bpf_progs[i].lsm != lsm)
			continue;
		bool ok = states[i].loaded && (!lsm || states[i].attached);
		if (ok)
			continue;
		const char *reason = states[i].tried ? states[i].why : err.message;
		if (all && at < why_size) /* the first failure explains the rest */
			at += (size_t)snprintf(why + at, why_size - at, "%s: %s", bpf_progs[i].name,
					       reason[0] ? reason : "not loaded");
		all = false;
	}
	return all;
}

bool bpf_layer_cgroup_net_usable(char *why, size_t why_size)
{
	bool ok = load_and_explain("net_cgroup", false, why, why_size);
	probed_cgroup = true;
	return ok;
}

bool bpf_layer_lsm_usable(char *why, size_t why_size)
{
	bool any = false;
	for (size_t i = 0; i < bpf_progs_count; i++)
		any = any || bpf_progs[i].lsm;
	if (!any) {
		snprintf(why, why_size, "this ward was built without LSM programs");
		return false;
	}
	if (!lsm_listed(why, why_size))
		return false;
	bool ok = load_and_explain(NULL, true, why, why_size);
	probed_lsm = true;
	return ok;
}

/* The classes whose LSM programs are written and proven in the VM harness. */
static bool lsm_kind_implemented(enum bpf_rule_kind kind)
{
	switch (kind) {
	case BPF_RULE_NET:
	case BPF_RULE_KERNEL:
	case BPF_RULE_FS:
	case BPF_RULE_EXEC:
	case BPF_RULE_UNIX:
		return true;
	}
	return false;
}

bool bpf_layer_lsm_enforces(enum bpf_rule_kind kind)
{
	if (!probed_lsm) {
		char why[512];
		if (!bpf_layer_lsm_usable(why, sizeof(why)) && !probed_lsm)
			return false;
	}
	if (!lsm_kind_implemented(kind))
		return false;
	bool any = false;
	for (size_t i = 0; i < bpf_progs_count; i++) {
		if (!bpf_progs[i].lsm || bpf_progs[i].kind != kind)
			continue;
		if (!states[i].loaded || !states[i].attached)
			return false;
		any = true;
	}
	return any;
}

bool bpf_layer_can_escalate(void)
{
	if (!probed_lsm) {
		char why[512];
		return bpf_layer_lsm_usable(why, sizeof(why));
	}
	for (size_t i = 0; i < bpf_progs_count; i++)
		if (bpf_progs[i].lsm && (!states[i].loaded || !states[i].attached))
			return false;
	return true;
}
