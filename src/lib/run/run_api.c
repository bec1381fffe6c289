/* run_api.c — the public entry points that start a sandbox from a policy:
 * ward_sandbox_spawn(), ward_sandbox_spawn_config() and ward_run(). They
 * expand the policy's globs, validate it and plan it for this host, once;
 * the sandbox (sandbox/spawn.c) and its layers then read only the plan.
 * A refused plan (an unenforceable rule) leaves nothing behind.
 */
#include <errno.h>

#include "core/env_source.h"
#include "core/error.h"
#include "core/trace.h"
#include "host/features.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "sandbox/sandbox.h"

static int spawn_policy(ward_policy *policy, char *const argv[],
			const struct ward_spawn_config *config, bool start_event,
			ward_sandbox **out, ward_error *err)
{
	trace_start();
	trace_phase("spawn");
	if (!argv || !argv[0])
		return ward_fail(err, -EINVAL, "no command to run");
	/* Globs become the paths that match now, then plan like any rule. */
	int r = policy_expand_globs(policy, err);
	if (r < 0 || (r = policy_validate(policy, err)) < 0)
		return r;
	const struct host_features *host = host_features_get();
	trace_phase("host features");
	/* Plan first, once: a refusal must leave nothing behind. The private
	 * HOME/TMPDIR is a symbol in it until the directory exists. */
	struct plan plan;
	r = plan_build(policy, host, &plan, err);
	if (r == -EPERM) /* refused: complete, for --explain, but not run */
		plan_free(&plan);
	if (r < 0)
		return r;
	/* Only the start event carries it (~0.15 ms: the policy as JSON). */
	if (start_event && policy_digest(policy, plan.policy_digest) < 0)
		plan.policy_digest[0] = '\0';
	trace_phase("planned");
	return sandbox_spawn(&plan, argv, config, out, err);
}

/* The caller's environment snapshot, when given, is the only environment
 * this spawn reads (core/env_source.h): the plan's env entry and the
 * program's environment alike. */
int ward_sandbox_spawn_config(ward_policy *policy, char *const argv[],
			      const struct ward_spawn_config *config_in, ward_sandbox **out,
			      ward_error *err)
{
	struct ward_spawn_config config;
	int r = sandbox_config_copy(config_in, &config, err);
	if (r < 0)
		return r;
	env_source_use(config.envp);
	r = spawn_policy(policy, argv, config_in, config.on_event && !config.skip_start_event, out,
			 err);
	env_source_use(NULL);
	return r;
}

int ward_sandbox_spawn(ward_policy *policy, char *const argv[],
		       const struct ward_spawn_options *options, ward_sandbox **out,
		       ward_error *err)
{
	struct ward_spawn_config config;
	ward_spawn_config_init(&config);
	if (options) {
		config.on_event = options->on_event;
		config.event_userdata = options->event_userdata;
		config.forward_signals = options->forward_signals;
	}
	return ward_sandbox_spawn_config(policy, argv, &config, out, err);
}

int ward_run(ward_policy *policy, char *const argv[], const struct ward_spawn_options *options,
	     struct ward_exit *out, ward_error *err)
{
	ward_sandbox *sb = NULL;
	int r = ward_sandbox_spawn(policy, argv, options, &sb, err);
	if (r < 0)
		return r;
	r = ward_sandbox_wait(sb, out, err);
	ward_sandbox_free(sb);
	return r;
}
