/* cmd_run.c — `ward run`: builds a policy from a file or profile plus flags,
 * runs the command under it, and exits with the command's status. Any bad
 * flag is one line and 125 before anything runs: nothing half-applied. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/idle_memory.h"
#include "core/trace.h"

enum {
	OPT_PROFILE = 1000,
	OPT_FS_DENY,
	OPT_EXEC_ALLOW,
	OPT_EXEC_DENY,
	OPT_NET_ALLOW,
	OPT_NET_DENY,
	OPT_NET_BIND,
	OPT_UNIX_ALLOW,
	OPT_MEMORY,
	OPT_PIDS,
	OPT_CPU,
	OPT_CPU_TIME,
	OPT_NOFILE,
	OPT_TIMEOUT,
	OPT_ENV,
	OPT_UNSET_ENV,
	OPT_CLEAN_ENV,
	OPT_PASS_ENV,
	OPT_CWD,
	OPT_UNSHARE_NET,
	OPT_UNSHARE_PID,
	OPT_UNSHARE_IPC,
	OPT_UNSHARE_UTS,
	OPT_UNSHARE_USER,
	OPT_HOSTNAME,
	OPT_SHARE,
	OPT_TMP_SIZE,
	OPT_MODE,
	OPT_ALLOW_DEGRADED,
	OPT_EVENTS,
	OPT_EXPLAIN,
	OPT_KILL_AFTER,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_SECTIONS,
	OPT_NAME,
	OPT_QUOTA,
	OPT_REPORT,
	OPT_PASS_FD,
	OPT_HELP,
};

static const struct option run_options[] = {
	{"policy", required_argument, NULL, 'p'},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"read", required_argument, NULL, 'r'},
	{"write", required_argument, NULL, 'w'},
	{"exec", required_argument, NULL, 'x'},
	{"fs-deny", required_argument, NULL, OPT_FS_DENY},
	{"exec-allow", required_argument, NULL, OPT_EXEC_ALLOW},
	{"exec-deny", required_argument, NULL, OPT_EXEC_DENY},
	{"net-allow", required_argument, NULL, OPT_NET_ALLOW},
	{"net-deny", required_argument, NULL, OPT_NET_DENY},
	{"net-bind", required_argument, NULL, OPT_NET_BIND},
	{"unix-allow", required_argument, NULL, OPT_UNIX_ALLOW},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"pids", required_argument, NULL, OPT_PIDS},
	{"cpu", required_argument, NULL, OPT_CPU},
	{"cpu-time", required_argument, NULL, OPT_CPU_TIME},
	{"nofile", required_argument, NULL, OPT_NOFILE},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"env", required_argument, NULL, OPT_ENV},
	{"unset-env", required_argument, NULL, OPT_UNSET_ENV},
	{"clean-env", no_argument, NULL, OPT_CLEAN_ENV},
	{"pass-env", required_argument, NULL, OPT_PASS_ENV},
	{"cwd", required_argument, NULL, OPT_CWD},
	{"unshare-net", no_argument, NULL, OPT_UNSHARE_NET},
	{"unshare-pid", no_argument, NULL, OPT_UNSHARE_PID},
	{"unshare-ipc", no_argument, NULL, OPT_UNSHARE_IPC},
	{"unshare-uts", no_argument, NULL, OPT_UNSHARE_UTS},
	{"unshare-user", no_argument, NULL, OPT_UNSHARE_USER},
	{"hostname", required_argument, NULL, OPT_HOSTNAME},
	{"share-net", no_argument, NULL, OPT_SHARE},
	{"share-pid", no_argument, NULL, OPT_SHARE},
	{"share-ipc", no_argument, NULL, OPT_SHARE},
	{"share-uts", no_argument, NULL, OPT_SHARE},
	{"share-user", no_argument, NULL, OPT_SHARE},
	{"share-mount", no_argument, NULL, OPT_SHARE},
	{"share-cgroup", no_argument, NULL, OPT_SHARE},
	{"share-all", no_argument, NULL, OPT_SHARE},
	{"tmp-size", required_argument, NULL, OPT_TMP_SIZE},
	{"mode", required_argument, NULL, OPT_MODE},
	{"allow-degraded", required_argument, NULL, OPT_ALLOW_DEGRADED},
	{"events", required_argument, NULL, OPT_EVENTS},
	{"explain", no_argument, NULL, OPT_EXPLAIN},
	{"kill-after", required_argument, NULL, OPT_KILL_AFTER},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"json", no_argument, NULL, OPT_JSON},
	{"sections", no_argument, NULL, OPT_SECTIONS},
	{"name", required_argument, NULL, OPT_NAME},
	{"quota", required_argument, NULL, OPT_QUOTA},
	{"report", no_argument, NULL, OPT_REPORT},
	{"pass-fd", required_argument, NULL, OPT_PASS_FD},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

struct flag {
	int opt;
	const char *arg;
};

static const char *flag_name(int opt)
{
	for (const struct option *o = run_options; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static unsigned share_flag(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{"net", WARD_NS_NET},	    {"pid", WARD_NS_PID},   {"ipc", WARD_NS_IPC},
		{"uts", WARD_NS_UTS},	    {"user", WARD_NS_USER}, {"mount", WARD_NS_MOUNT},
		{"cgroup", WARD_NS_CGROUP}, {"all", WARD_NS_ALL},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, name))
			return names[i].bit;
	return 0;
}

/* --quota NAME=SIZE[:ACTION], e.g. net_egress_bytes=10M:kill */
static int apply_quota(ward_policy *policy, const char *arg, ward_error *err)
{
	char text[256];
	snprintf(text, sizeof(text), "%s", arg);
	char *size = strchr(text, '=');
	if (!size) {
		snprintf(err->message, sizeof(err->message),
			 "--quota '%s': write NAME=SIZE[:ACTION], e.g. --quota "
			 "net_egress_bytes=10M:kill",
			 arg);
		err->code = -EINVAL;
		return -EINVAL;
	}
	*size++ = '\0';
	char *action = strchr(size, ':');
	if (action)
		*action++ = '\0';
	return ward_policy_set_quota(policy, text, size, action, err);
}

static int limit_for(int opt)
{
	switch (opt) {
	case OPT_MEMORY:
		return WARD_LIMIT_MEMORY;
	case OPT_PIDS:
		return WARD_LIMIT_PIDS;
	case OPT_CPU:
		return WARD_LIMIT_CPU_PERCENT;
	case OPT_CPU_TIME:
		return WARD_LIMIT_CPU_TIME;
	case OPT_NOFILE:
		return WARD_LIMIT_NOFILE;
	default:
		return WARD_LIMIT_TIMEOUT_MS;
	}
}

/* Flags name paths the way a shell user does, relative to the current
 * directory; policy files must not (their meaning would change with it).
 * "~/x" and "$HOME/x" (quoted past the shell) are the library's to expand. */
static const char *absolute_path(const char *path, char *buf, size_t size)
{
	char cwd[PATH_MAX];
	if (path[0] == '/' || path[0] == '~' || path[0] == '$' || !path[0] ||
	    !getcwd(cwd, sizeof(cwd)))
		return path;
	if (snprintf(buf, size, "%s/%s", cwd, path) >= (int)size)
		return path;
	return buf;
}

/* --exec-deny takes a path ("/usr/bin/curl", "./tool") or an argv rule
 * ("git push --force*", "curl"): words, or one word without a slash. */
static bool is_argv_rule(const char *arg)
{
	return strpbrk(arg, " \t") || !strchr(arg, '/');
}

static bool flag_takes_path(int opt)
{
	return opt == 'r' || opt == 'w' || opt == 'x' || opt == OPT_FS_DENY || opt == OPT_CWD ||
	       opt == OPT_UNIX_ALLOW;
}

/* Applies one flag to the policy; fills ERR on bad input. */
static int apply_flag(ward_policy *policy, const struct flag *given, ward_error *err)
{
	unsigned ns = 0;
	char buf[PATH_MAX];
	struct flag resolved = *given;
	const struct flag *f = &resolved;
	if (flag_takes_path(given->opt))
		resolved.arg = absolute_path(given->arg, buf, sizeof(buf));
	switch (f->opt) {
	case 'r':
		return ward_policy_fs_allow(policy, f->arg, WARD_FS_READ, err);
	case 'w':
		return ward_policy_fs_allow(policy, f->arg, WARD_FS_READ | WARD_FS_WRITE, err);
	case 'x':
		return ward_policy_fs_allow(policy, f->arg, WARD_FS_READ | WARD_FS_EXEC, err);
	case OPT_FS_DENY:
		return ward_policy_fs_deny(policy, f->arg, err);
	case OPT_EXEC_ALLOW:
		if (is_argv_rule(given->arg))
			return ward_policy_exec_allow_argv(policy, given->arg, err);
		return ward_policy_exec_allow(policy, absolute_path(f->arg, buf, sizeof(buf)), err);
	case OPT_EXEC_DENY:
		if (is_argv_rule(given->arg))
			return ward_policy_exec_deny_argv(policy, given->arg, err);
		return ward_policy_exec_deny(policy, absolute_path(f->arg, buf, sizeof(buf)), err);
	case OPT_NET_ALLOW:
		return ward_policy_net_allow(policy, f->arg, err);
	case OPT_NET_DENY:
		return ward_policy_net_deny(policy, f->arg, err);
	case OPT_UNIX_ALLOW:
		return ward_policy_unix_allow(policy, f->arg, err);
	case OPT_NET_BIND:
		return ward_policy_net_bind(policy, f->arg, err);
	case OPT_MEMORY:
	case OPT_PIDS:
	case OPT_CPU:
	case OPT_CPU_TIME:
	case OPT_NOFILE:
	case OPT_TIMEOUT:
		return ward_policy_set_limit(policy, limit_for(f->opt), f->arg, err);
	case OPT_ENV:
		return ward_policy_set_env(policy, f->arg, err);
	case OPT_UNSET_ENV:
		return ward_policy_unset_env(policy, f->arg, err);
	case OPT_CLEAN_ENV:
		return ward_policy_clean_env(policy, 1);
	case OPT_PASS_ENV:
		return ward_policy_pass_env(policy, f->arg, err);
	case OPT_CWD:
		return ward_policy_set_cwd(policy, f->arg, err);
	case OPT_UNSHARE_NET:
		ns = WARD_NS_NET;
		break;
	case OPT_UNSHARE_PID:
		ns = WARD_NS_PID;
		break;
	case OPT_UNSHARE_IPC:
		ns = WARD_NS_IPC;
		break;
	case OPT_UNSHARE_UTS:
		ns = WARD_NS_UTS;
		break;
	case OPT_UNSHARE_USER:
		ns = WARD_NS_USER;
		break;
	case OPT_HOSTNAME:
		return ward_policy_set_hostname(policy, f->arg, err);
	case OPT_SHARE: /* arg: the namespace's name, from the long option */
		return ward_policy_share(policy, share_flag(f->arg));
	case OPT_TMP_SIZE:
		return ward_policy_set_tmp_size(policy, f->arg, err);
	case OPT_NAME:
		return ward_policy_set_name(policy, f->arg, err);
	case OPT_QUOTA:
		return apply_quota(policy, f->arg, err);
	case OPT_MODE:
		if (!strcmp(f->arg, "enforce"))
			return ward_policy_set_mode(policy, WARD_MODE_ENFORCE);
		if (!strcmp(f->arg, "audit"))
			return ward_policy_set_mode(policy, WARD_MODE_AUDIT);
		snprintf(err->message, sizeof(err->message),
			 "--mode: unknown mode '%.64s' (expected enforce or audit)", f->arg);
		return -EINVAL;
	case OPT_ALLOW_DEGRADED:
		return ward_policy_allow_degraded(policy, f->arg, err);
	case OPT_KILL_AFTER:
		return ward_policy_set_kill_after(policy, f->arg, err);
	default:
		return 0;
	}
	return ward_policy_unshare(policy, ns);
}

enum denial_kind { DENIAL_FS, DENIAL_NET, DENIAL_EXEC, DENIAL_KINDS_ };

struct event_out {
	FILE *file;
	const struct cli_run_hooks *hooks;
	bool report;
	json_object *exit_event;	 /* kept for --report */
	unsigned denials[DENIAL_KINDS_]; /* deny events, by what was denied */
	unsigned audited[DENIAL_KINDS_]; /* audit events: would have been denied */
};

static uint64_t field_u64(json_object *obj, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(obj, key, &v) ? json_object_get_uint64(v) : 0;
}

/* --report: one line on stderr with what the run used and why it ended. */
static void print_report(json_object *exit_ev)
{
	if (!exit_ev)
		return;
	json_object *reason = NULL;
	json_object_object_get_ex(exit_ev, "reason", &reason);
	char peak[32], out_b[32], in_b[32];
	cli_human_size(field_u64(exit_ev, "peak_memory_bytes"), peak, sizeof(peak));
	cli_human_size(field_u64(exit_ev, "net_bytes_out"), out_b, sizeof(out_b));
	cli_human_size(field_u64(exit_ev, "net_bytes_in"), in_b, sizeof(in_b));
	bool net = json_object_object_get_ex(exit_ev, "net_bytes_out", NULL);
	char files[96] = "files not measured (needs fexit programs), ";
	if (json_object_object_get_ex(exit_ev, "file_bytes_read", NULL)) {
		char rd[32], wr[32];
		cli_human_size(field_u64(exit_ev, "file_bytes_read"), rd, sizeof(rd));
		cli_human_size(field_u64(exit_ev, "file_bytes_written"), wr, sizeof(wr));
		snprintf(files, sizeof(files), "files read %s written %s, ", rd, wr);
	}
	fprintf(stderr,
		"ward: report: wall %.2fs, cpu %.2fs, peak memory %s, network %s%s%s%s, %sended by "
		"%s\n",
		(double)field_u64(exit_ev, "duration_ms") / 1000,
		(double)(field_u64(exit_ev, "cpu_user_ms") + field_u64(exit_ev, "cpu_system_ms")) /
			1000,
		peak, net ? "out " : "not measured (needs root: cgroup BPF)", net ? out_b : "",
		net ? " in " : "", net ? in_b : "", files,
		reason ? json_object_get_string(reason) : "?");
}

/* What a deny event denied, from its object: an address, an argv or a
 * path (docs/events.md "deny"). */
static enum denial_kind denial_kind_of(json_object *obj)
{
	json_object *detail, *op, *unused;
	if (json_object_object_get_ex(obj, "detail", &detail) && detail) {
		if (json_object_object_get_ex(detail, "address", &unused) ||
		    json_object_object_get_ex(detail, "port", &unused))
			return DENIAL_NET;
		if (json_object_object_get_ex(detail, "argv", &unused))
			return DENIAL_EXEC;
	}
	const char *name =
		json_object_object_get_ex(obj, "operation", &op) ? json_object_get_string(op) : "";
	if (strstr(name, "exec"))
		return DENIAL_EXEC;
	if (strstr(name, "connect") || strstr(name, "send") || strstr(name, "bind") ||
	    strstr(name, "listen") || strstr(name, "socket"))
		return DENIAL_NET;
	return DENIAL_FS;
}

/* Every event goes to --events; warnings also reach the terminal, since a
 * degraded rule must never be silent. Denials are counted for the summary
 * line at exit. */
static void on_event(const char *json, void *userdata)
{
	struct event_out *out = userdata;
	if (out->file) { /* one write per line: readers never see half of one */
		char *line = NULL;
		int len = asprintf(&line, "%s\n", json);
		fflush(out->file);
		for (int at = 0; len > 0 && at < len;) {
			ssize_t n = write(fileno(out->file), line + at, (size_t)(len - at));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			at += (int)n;
		}
		free(line);
	}
	if (out->hooks && out->hooks->event)
		out->hooks->event(json, out->hooks->ctx);
	/* The start event (the whole plan, the largest line) only goes to the
	 * file and the hooks: not parsed again for nothing (every event starts
	 * with its type). */
	if (strncmp(json, "{\"type\":\"start\"", 15) == 0)
		return;
	json_object *obj = json_tokener_parse(json);
	json_object *type, *message;
	const char *kind = obj && json_object_object_get_ex(obj, "type", &type)
				   ? json_object_get_string(type)
				   : "";
	if (!strcmp(kind, "warning") && json_object_object_get_ex(obj, "message", &message))
		fprintf(stderr, "ward: warning: %s\n", json_object_get_string(message));
	else if (!strcmp(kind, "deny"))
		out->denials[denial_kind_of(obj)]++;
	else if (!strcmp(kind, "audit"))
		out->audited[denial_kind_of(obj)]++;
	if (!strcmp(kind, "quota")) {
		json_object *quota = NULL, *action = NULL, *unit = NULL;
		json_object_object_get_ex(obj, "quota", &quota);
		json_object_object_get_ex(obj, "action", &action);
		json_object_object_get_ex(obj, "unit", &unit);
		char limit[32];
		if (unit && !strcmp(json_object_get_string(unit), "ms"))
			snprintf(limit, sizeof(limit), "%.1fs",
				 (double)field_u64(obj, "limit") / 1000);
		else
			cli_human_size(field_u64(obj, "limit"), limit, sizeof(limit));
		fprintf(stderr, "ward: quota %s of %s crossed: %s\n",
			quota ? json_object_get_string(quota) : "?", limit,
			action ? json_object_get_string(action) : "?");
	}
	if (!strcmp(kind, "exit") && out->report) {
		json_object_put(out->exit_event);
		out->exit_event = json_object_get(obj);
	}
	json_object_put(obj);
}

/* "3 denials (fs 2, net 1)" into BUF; false when there were none. */
static bool format_denials(const unsigned counts[DENIAL_KINDS_], const char *noun, char *buf,
			   size_t size)
{
	static const char *const names[DENIAL_KINDS_] = {"fs", "net", "exec"};
	unsigned total = 0;
	for (int i = 0; i < DENIAL_KINDS_; i++)
		total += counts[i];
	if (!total)
		return false;
	size_t used = (size_t)snprintf(buf, size, "%u %s%s (", total, noun, total == 1 ? "" : "s");
	bool first = true;
	for (int i = 0; i < DENIAL_KINDS_ && used < size; i++) {
		if (!counts[i])
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%s %u", first ? "" : ", ",
					 names[i], counts[i]);
		first = false;
	}
	if (used < size)
		snprintf(buf + used, size - used, ")");
	return true;
}

/* One line on stderr at exit: what ward denied or killed, so a program that
 * died with 137 or failed on EACCES is not a mystery. Landlock and seccomp
 * deny in the kernel without telling ward: those are not counted. */
static void print_exit_summary(const struct event_out *sink, const struct ward_exit *x,
			       const char *events_path, const char *memory, const char *timeout)
{
	char line[200];
	const char *details = events_path && strcmp(events_path, "-") ? events_path : NULL;
	if (format_denials(sink->denials, "denial", line, sizeof(line))) {
		if (details)
			fprintf(stderr, "ward: %s; details in %s\n", line, details);
		else
			fprintf(stderr, "ward: %s; --events FILE for details\n", line);
	}
	if (format_denials(sink->audited, "operation", line, sizeof(line)))
		fprintf(stderr, "ward: audit: %s would have been denied\n", line);
	if (!x->reason)
		return;
	if (!strcmp(x->reason, "timeout"))
		fprintf(stderr, "ward: killed: timeout%s%s reached\n", timeout ? " " : "",
			timeout ? timeout : "");
	else if (!strcmp(x->reason, "memory"))
		fprintf(stderr, "ward: killed: memory limit%s%s reached\n", memory ? " " : "",
			memory ? memory : "");
	else if (!strcmp(x->reason, "cpu-time"))
		fprintf(stderr, "ward: killed: CPU time limit reached\n");
}

/* Splits ARGV into options, an optional positional policy file and the
 * command: `ward run [POLICY] [OPTIONS] -- CMD...`, or, without "--", the
 * first non-option starts the command. */
static int find_command(int argc, char **argv, int *dashdash)
{
	*dashdash = -1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			*dashdash = i;
			break;
		}
	return *dashdash;
}

int cmd_run(int argc, char **argv)
{
	return cmd_run_with(argc, argv, NULL);
}

int cmd_run_with(int argc, char **argv, const struct cli_run_hooks *hooks)
{
	const char *name = hooks && hooks->name ? hooks->name : "run";
	bool ran = false;
	int dashdash;
	find_command(argc, argv, &dashdash);
	int opt_argc = dashdash >= 0 ? dashdash : argc;

	struct flag *flags = calloc((size_t)argc + 1, sizeof(*flags));
	if (!flags)
		return cli_error("out of memory");
	size_t nflags = 0;
	const char *events_path = NULL;
	bool explain = false, report = false, dry_run = false, json = false, sections = false;
	char **command = NULL;
	int rc = WARD_EXIT_ERROR;
	ward_policy *policy = NULL;
	FILE *events_file = NULL;
	int *pass_fds = calloc((size_t)argc + 1, sizeof(*pass_fds));
	size_t n_pass_fds = 0;
	if (!pass_fds) {
		free(flags);
		return cli_error("out of memory");
	}

	/* Before "--" the policy file may stand anywhere among the options
	 * (`ward run POLICY -w DIR -- CMD`); without "--" the first
	 * non-option is the command, whose own options are not ours. */
	const char *policy_arg = NULL;
	optind = 1;
	opterr = 0;
	for (;;) {
		int longindex = -1;
		int c = getopt_long(opt_argc, argv, "+:p:r:w:x:h", run_options, &longindex);
		if (c == -1 && dashdash >= 0 && optind < opt_argc) {
			if (policy_arg) {
				rc = cli_error("%s: unexpected argument '%s' before -- (one policy "
					       "file at most; the command goes after --)",
					       name, argv[optind]);
				goto out;
			}
			policy_arg = argv[optind++];
			continue;
		}
		if (c == -1)
			break;
		if (c == '?') {
			rc = cli_unknown_option(name, argv[optind - 1], run_options);
			goto out;
		}
		if (c == ':') {
			rc = cli_error("%s: option '%s' needs a value", name, argv[optind - 1]);
			goto out;
		}
		if (c == OPT_HELP || c == 'h') {
			if (hooks && hooks->usage)
				hooks->usage(stdout);
			else
				cli_usage(stdout);
			rc = 0;
			goto out;
		}
		if (c == OPT_EVENTS)
			events_path = optarg;
		else if (c == OPT_EXPLAIN)
			explain = true;
		else if (c == OPT_DRY_RUN)
			dry_run = true;
		else if (c == OPT_JSON)
			json = true;
		else if (c == OPT_SECTIONS)
			sections = true;
		else if (c == OPT_SHARE) /* --share-NAME: keep NAME */
			flags[nflags++] = (struct flag){
				.opt = c, .arg = run_options[longindex].name + strlen("share-")};
		else if (c == OPT_REPORT)
			report = true;
		else if (c == OPT_PASS_FD) {
			char *end;
			errno = 0;
			long fd = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || fd < 0 || fd > INT_MAX) {
				rc = cli_error("--pass-fd %s: not a descriptor number; give an "
					       "open descriptor, e.g. --pass-fd 3",
					       optarg);
				goto out;
			}
			pass_fds[n_pass_fds++] = (int)fd;
		} else
			flags[nflags++] = (struct flag){.opt = c, .arg = optarg};
	}
	if (dashdash >= 0) {
		if (policy_arg)
			flags[nflags++] = (struct flag){.opt = 'p', .arg = policy_arg};
		command = argv + dashdash + 1;
	} else {
		command = argv + optind;
	}
	if (!command[0] && !dry_run) {
		rc = cli_error("%s: no command given (ward %s [OPTIONS] -- CMD [ARG...])", name,
			       name);
		goto out;
	}
	if (sections && !dry_run) {
		rc = cli_error("run: --sections goes with --dry-run (it prints what each layer "
			       "receives, and runs nothing)");
		goto out;
	}
	if (json && !dry_run) {
		rc = cli_error("run: --json goes with --dry-run (the run's events: --events FILE)");
		goto out;
	}

	policy = ward_policy_new();
	if (!policy) {
		rc = cli_error("out of memory");
		goto out;
	}
	ward_error err = {0};
	/* The policy's base first (files and profiles, in order; the default
	 * profile when none), then every other flag on top, in order. */
	bool have_base = false;
	for (size_t i = 0; i < nflags; i++) {
		int r = 0;
		if (flags[i].opt == 'p')
			r = ward_policy_load_file(policy, flags[i].arg, &err);
		else if (flags[i].opt == OPT_PROFILE)
			r = ward_policy_use_profile(policy, flags[i].arg, &err);
		else
			continue;
		have_base = true;
		if (r == 0 && hooks && hooks->base)
			hooks->base(flags[i].opt == 'p', flags[i].arg, hooks->ctx);
		if (r < 0) {
			rc = cli_error("%s", err.message);
			goto out;
		}
	}
	if (!have_base && ward_policy_use_profile(policy, "default", &err) < 0) {
		rc = cli_error("%s", err.message);
		goto out;
	}
	if (!have_base && hooks && hooks->base)
		hooks->base(false, "default", hooks->ctx);
	for (size_t i = 0; i < nflags; i++) {
		if (flags[i].opt == 'p' || flags[i].opt == OPT_PROFILE)
			continue;
		char origin[64];
		snprintf(origin, sizeof(origin), "--%s", flag_name(flags[i].opt));
		if (ward_policy_set_origin(policy, origin, &err) < 0 ||
		    apply_flag(policy, &flags[i], &err) < 0) {
			rc = cli_error("%s", err.message);
			goto out;
		}
	}
	if (hooks && hooks->prepare && hooks->prepare(policy, hooks->ctx, &err) < 0) {
		rc = cli_error("%s", err.message);
		goto out;
	}

	/* --dry-run: the plan of this policy and these flags, on stdout, and
	 * whether it can run here (0) or not (125); nothing runs. */
	if (dry_run) {
		char *text = NULL;
		if (sections && ward_policy_plan_sections_json(policy, &text, &err) == 0) {
			puts(text);
			free(text);
		} else if (json && ward_policy_plan_json(policy, &text, &err) == 0) {
			puts(text);
			free(text);
		}
		if (ward_policy_check(policy, json || sections ? NULL : stdout, &err) < 0)
			rc = cli_error("%s", err.message);
		else
			rc = 0;
		goto out;
	}
	if (explain && ward_policy_check(policy, stderr, &err) < 0 && err.code != -EPERM) {
		rc = cli_error("%s", err.message);
		goto out;
	}
	if (events_path) {
		events_file = strcmp(events_path, "-") ? fopen(events_path, "we") : stderr;
		if (!events_file) {
			rc = cli_error("--events %s: %s", events_path, strerror(errno));
			goto out;
		}
	}

	struct event_out sink = {.file = events_file, .report = report, .hooks = hooks};
	struct ward_spawn_config config;
	ward_spawn_config_init(&config);
	config.on_event = on_event;
	config.event_userdata = &sink;
	config.forward_signals = 1;
	config.pass_fds = pass_fds;
	config.n_pass_fds = n_pass_fds;
	/* on_event drops the start event unless it goes to --events or a
	 * hook: then nobody reads it, so it is not built. */
	config.skip_start_event = !events_file && !(hooks && hooks->event);
	/* Signals meant for the program stay blocked in ward for the whole run
	 * (the library forwards them while it waits): one arriving between two
	 * steps must neither kill ward before it cleans up nor be lost. */
	sigset_t forwarded;
	sigemptyset(&forwarded);
	static const int forwarded_signals[] = {WARD_FORWARDED_SIGNALS};
	for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
		sigaddset(&forwarded, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &forwarded, NULL);
	struct ward_exit exit_info = {0};
	ward_sandbox *sb = NULL;
	idle_memory_drop_own_text = true; /* ward's own code, not a caller's */
	int r = ward_sandbox_spawn_config(policy, command, &config, &sb, &err);
	if (r == 0) {
		r = ward_sandbox_wait(sb, &exit_info, &err);
		ward_sandbox_free(sb);
	}
	if (r < 0) {
		cli_error("%s", err.message);
		rc = err.exit_status ? err.exit_status : WARD_EXIT_ERROR;
	} else {
		const char *memory = NULL, *timeout = NULL;
		for (size_t i = 0; i < nflags; i++) {
			if (flags[i].opt == OPT_MEMORY)
				memory = flags[i].arg;
			else if (flags[i].opt == OPT_TIMEOUT)
				timeout = flags[i].arg;
		}
		print_exit_summary(&sink, &exit_info, events_path, memory, timeout);
		rc = exit_info.code;
		ran = true;
	}
	trace_phase("done");
	if (report)
		print_report(sink.exit_event);
	json_object_put(sink.exit_event);
	if (hooks && hooks->finish)
		rc = hooks->finish(rc, ran, hooks->ctx);
out:
	if (events_file && events_file != stderr)
		fclose(events_file);
	ward_policy_free(policy);
	free(flags);
	free(pass_fds);
	return rc;
}
