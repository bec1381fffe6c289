/* monitor.c — ward's side of a running sandbox: waits for the program,
 * enforces the wall-clock timeout, forwards signals, and when the program
 * ends kills whatever it left behind, reports why it ended and releases the
 * sandbox. A sandbox never outlives its wait.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <limits.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "core/idle_memory.h"
#include "core/trace.h"
#include "bpf/bpf_acct.h"
#include "bpf/bpf_file_acct.h"
#include "sandbox/layers.h"
#include "sandbox/net_refresh.h"
#include "sandbox/sandbox.h"
#include "supervisor/supervisor.h" /* sup_callback_abandon: the wait's own kills */

static const int forwarded_signals[] = {WARD_FORWARDED_SIGNALS};

static void emit_warning(struct ward_sandbox *sb, const char *message)
{
	json_object *ev = event_new("warning");
	if (!ev)
		return;
	json_object_object_add(ev, "message", json_object_new_string(message));
	event_emit(&sb->sink, ev);
}

/* A rule that runs without its layer is said out loud, every run. */
static void emit_plan_warnings(struct ward_sandbox *sb)
{
	unsigned not_audited = 0;
	VEC_FOREACH(&sb->plan.entries, e)
	{
		if (e->status == PLAN_NOT_AUDITED)
			not_audited++;
		if (e->status != PLAN_DEGRADED)
			continue;
		char message[512];
		if (e->layer != LAYER_NONE) /* held, but weaker than asked */
			snprintf(message, sizeof(message),
				 "WEAKER THAN ASKED: %s by %s (%s; allowed by allow_degraded)",
				 e->rule, ward_layer_name(e->layer), e->note);
		else
			snprintf(message, sizeof(message),
				 "NOT ENFORCED: %s (%s; allowed by allow_degraded)", e->rule,
				 e->note);
		emit_warning(sb, message);
	}
	if (not_audited) {
		char message[200];
		snprintf(message, sizeof(message),
			 "audit mode: %u rule(s) are neither enforced nor observable on this host "
			 "(see --explain)",
			 not_audited);
		emit_warning(sb, message);
	}
}

void monitor_prepare_start(struct ward_sandbox *sb, char *const argv[])
{
	free(sb->start_event);
	sb->start_event = NULL;
	if (!sb->sink.fn || sb->skip_start_event) /* nobody reads it */
		return;
	json_object *ev = event_new("start");
	if (!ev)
		return;
	if (sb->plan.policy_digest[0])
		json_object_object_add(ev, "policy_digest",
				       json_object_new_string(sb->plan.policy_digest));
	json_object *args = json_object_new_array();
	for (char *const *a = argv; *a; a++)
		json_object_array_add(args, json_object_new_string(*a));
	json_object_object_add(ev, "argv", args);
	json_object_object_add(ev, "pid", json_object_new_int(sb->pid));
	json_object_object_add(
		ev, "mode",
		json_object_new_string(sb->plan.mode == WARD_MODE_AUDIT ? "audit" : "enforce"));
	json_object *plan = plan_to_json_object(&sb->plan);
	if (plan)
		json_object_object_add(ev, "plan", plan);
	/* Stamped now, while the child sets up: its time is before the
	 * program's exec completes; it is still delivered first. */
	free(sb->start_event);
	sb->start_event = event_line(&sb->sink, ev);
}

void monitor_emit_start(struct ward_sandbox *sb)
{
	emit_plan_warnings(sb); /* queued: the sink is held until start */

	char *line = sb->start_event;
	sb->start_event = NULL;
	/* start first, then the warnings and whatever the program already
	 * did (the supervisor decides from the first instruction on). No
	 * event at all (out of memory) still opens the sink. */
	event_sink_open_line(&sb->sink, line);
	/* After "start": it is about this run, not about the rules. */
	if (sb->world_warning[0])
		emit_warning(sb, sb->world_warning);
}

static uint64_t elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (int64_t)(now.tv_sec - since->tv_sec) * 1000 +
		     (now.tv_nsec - since->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint64_t)ms;
}

int ward_sandbox_signal(ward_sandbox *sb, int sig)
{
	if (sb->finished || sb->pidfd < 0)
		return -ESRCH;
	if (syscall(SYS_pidfd_send_signal, sb->pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

int ward_sandbox_kill(ward_sandbox *sb)
{
	if (sb->finished)
		return 0;
	/* A subreaper keeper killed outright would orphan the tree: it is asked
	 * to kill everything, then dies of SIGKILL itself. */
	bool asked = sb->keeper == KEEPER_SUBREAPER && sb->keeper_fd >= 0 &&
		     send(sb->keeper_fd, &(char){KEEPER_KILL}, 1, MSG_NOSIGNAL) == 1;
	if (sb->cgroup)
		cgroup_sandbox_kill(sb->cgroup);
	if (!asked)
		ward_sandbox_signal(sb, SIGKILL);
	return 0;
}

/* The wait's own kills (timeout, cancel): nothing the sandbox still asks
 * the callback matters, and a callback stuck in user code must not keep
 * the killed tasks from being reaped. */
static void kill_for_good(ward_sandbox *sb)
{
	ward_sandbox_kill(sb);
	if (sb->sup)
		sup_callback_abandon(sb->sup);
}

static int timer_arm(uint64_t ms)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct itimerspec its = {.it_value = {.tv_sec = (time_t)(ms / 1000),
					      .tv_nsec = (long)(ms % 1000) * 1000000}};
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* The signals must be blocked for signalfd to see them; OLD receives the
 * caller's mask, restored when the wait ends. */
static int signalfd_for_forwarding(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&set, forwarded_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		pthread_sigmask(SIG_SETMASK, old, NULL);
		errno = e;
	}
	return fd;
}

/* A signal the terminal sent (Ctrl-C) reached the program's process group
 * already; forwarding it again would deliver it twice. */
static void forward_pending_signals(struct ward_sandbox *sb, int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_code == SI_KERNEL)
			continue;
		ward_sandbox_signal(sb, (int)si.ssi_signo);
	}
}

static void emit_limit(struct ward_sandbox *sb, const char *resource, const char *what,
		       uint64_t count)
{
	json_object *ev = event_new("limit");
	if (!ev)
		return;
	json_object_object_add(ev, "resource", json_object_new_string(resource));
	json_object_object_add(ev, "detail", json_object_new_string(what));
	if (count)
		json_object_object_add(ev, "count", json_object_new_uint64(count));
	event_emit(&sb->sink, ev);
}

/* What each quota has used so far, and whether the kernel saw it crossed
 * (network: latched by the programs; CPU: usage over the quota). */
struct quota_reading {
	bool have[WARD_QUOTA_COUNT_];
	uint64_t used[WARD_QUOTA_COUNT_];
	bool crossed[WARD_QUOTA_COUNT_];
};

static void read_quotas(struct ward_sandbox *sb, struct quota_reading *q)
{
	memset(q, 0, sizeof(*q));
	struct net_figures f;
	if (sb->acct && bpf_acct_read(sb->acct, &f) == 0) {
		q->have[WARD_QUOTA_NET_EGRESS_BYTES] = q->have[WARD_QUOTA_NET_INGRESS_BYTES] = true;
		q->used[WARD_QUOTA_NET_EGRESS_BYTES] = f.bytes_out;
		q->crossed[WARD_QUOTA_NET_EGRESS_BYTES] = f.egress_crossed;
		q->used[WARD_QUOTA_NET_INGRESS_BYTES] = f.bytes_in;
		q->crossed[WARD_QUOTA_NET_INGRESS_BYTES] = f.ingress_crossed;
	}
	struct file_figures ff;
	if (sb->file_acct && bpf_file_acct_read(sb->file_acct, &ff) == 0) {
		q->have[WARD_QUOTA_FILE_WRITE_BYTES] = true;
		q->used[WARD_QUOTA_FILE_WRITE_BYTES] = ff.bytes_written;
		q->crossed[WARD_QUOTA_FILE_WRITE_BYTES] = ff.write_crossed;
	}
	struct cgroup_stats stats;
	if (sb->plan.quota_amount[WARD_QUOTA_CPU_TIME] && sb->cgroup &&
	    cgroup_sandbox_stats(sb->cgroup, &stats) == 0) {
		uint64_t ms = stats.cpu_usage_us / 1000;
		q->have[WARD_QUOTA_CPU_TIME] = true;
		q->used[WARD_QUOTA_CPU_TIME] = ms;
		q->crossed[WARD_QUOTA_CPU_TIME] = ms > sb->plan.quota_amount[WARD_QUOTA_CPU_TIME];
	}
}

/* A quota crossed yields exactly one event, then its action. */
static void poll_quotas(struct ward_sandbox *sb)
{
	struct quota_reading q;
	read_quotas(sb, &q);
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++) {
		if (!sb->plan.quota_amount[i] || !q.have[i] || !q.crossed[i] ||
		    sb->quota_latched[i])
			continue;
		sb->quota_latched[i] = true;
		enum ward_quota_action action = sb->plan.quota_action[i];
		json_object *ev = event_new("quota");
		if (ev) {
			json_object_object_add(ev, "quota",
					       json_object_new_string(policy_quota_name(i)));
			json_object_object_add(
				ev, "unit",
				json_object_new_string(i == WARD_QUOTA_CPU_TIME ? "ms" : "bytes"));
			json_object_object_add(ev, "limit",
					       json_object_new_uint64(sb->plan.quota_amount[i]));
			json_object_object_add(ev, "used", json_object_new_uint64(q.used[i]));
			json_object_object_add(
				ev, "action",
				json_object_new_string(policy_quota_action_name(action)));
			event_emit(&sb->sink, ev);
		}
		/* A file quota's kill comes from the kernel itself (the task
		 * that crossed it), maybe before this look: the end is the
		 * quota's either way. */
		if (action == WARD_QUOTA_KILL)
			sb->quota_killed = true;
		if (sb->finished)
			continue;
		if (action == WARD_QUOTA_KILL) {
			ward_sandbox_kill(sb);
		} else if (action == WARD_QUOTA_FREEZE && sb->cgroup) {
			cgroup_sandbox_freeze(sb->cgroup, true);
		}
	}
}

static void add_net_figures(struct ward_sandbox *sb, json_object *ev)
{
	struct net_figures f;
	if (!sb->acct || bpf_acct_read(sb->acct, &f) < 0)
		return;
	json_object_object_add(ev, "net_bytes_out", json_object_new_uint64(f.bytes_out));
	json_object_object_add(ev, "net_packets_out", json_object_new_uint64(f.packets_out));
	json_object_object_add(ev, "net_bytes_in", json_object_new_uint64(f.bytes_in));
	json_object_object_add(ev, "net_packets_in", json_object_new_uint64(f.packets_in));
}

static void add_file_figures(struct ward_sandbox *sb, json_object *ev)
{
	struct file_figures f;
	if (!sb->file_acct || bpf_file_acct_read(sb->file_acct, &f) < 0)
		return;
	json_object_object_add(ev, "file_bytes_read", json_object_new_uint64(f.bytes_read));
	json_object_object_add(ev, "file_bytes_written", json_object_new_uint64(f.bytes_written));
}

static void emit_exit(struct ward_sandbox *sb)
{
	const struct ward_exit *x = &sb->exit;
	json_object *ev = event_new("exit");
	if (!ev)
		return;
	if (x->exited)
		json_object_object_add(ev, "status", json_object_new_int(x->status));
	else
		json_object_object_add(ev, "signal",
				       json_object_new_string(sigabbrev_np(x->status)
								      ? sigabbrev_np(x->status)
								      : "?"));
	json_object_object_add(ev, "code", json_object_new_int(x->code));
	json_object_object_add(ev, "reason", json_object_new_string(x->reason));
	json_object_object_add(ev, "duration_ms", json_object_new_uint64(x->wall_ms));
	json_object_object_add(ev, "cpu_user_ms", json_object_new_uint64(x->cpu_user_ms));
	json_object_object_add(ev, "cpu_system_ms", json_object_new_uint64(x->cpu_system_ms));
	if (x->peak_memory_bytes)
		json_object_object_add(ev, "peak_memory_bytes",
				       json_object_new_uint64(x->peak_memory_bytes));
	add_net_figures(sb, ev);
	add_file_figures(sb, ev);
	event_emit(&sb->sink, ev);
}

/* After the main process is reaped: kills what is left and says whether it
 * is proven that no process of the sandbox remains. Any error on the way
 * counts as "not proven". */
void sandbox_end_all(struct ward_sandbox *sb)
{
	bool gone = false;
	/* The kernel ends a pid namespace's processes before its init is
	 * reaped. */
	if (sb->keeper == KEEPER_PIDNS)
		gone = true;
	if (sb->keeper == KEEPER_SUBREAPER && sb->keeper_fd >= 0) {
		/* Sent before the keeper exited, so it is there now if ever. */
		char proof = 0;
		if (recv(sb->keeper_fd, &proof, 1, MSG_DONTWAIT) == 1 && proof == KEEPER_DONE)
			gone = true;
	}
	if (sb->cgroup && cgroup_sandbox_kill(sb->cgroup) == 0)
		gone = true;
	sb->all_gone = gone;
}

void sandbox_teardown(struct ward_sandbox *sb)
{
	/* First: it updates the layers destroyed next. */
	net_refresh_free(sb->refresh);
	sb->refresh = NULL;
	layers_destroy(sb);
	if (!sb->private_tmp)
		return;
	/* Only once no process of the sandbox can be left (never started,
	 * or proven gone): a survivor could swap what is removed. */
	char message[PATH_MAX + 200];
	int r = !sb->exec_done || sb->all_gone ? private_tmp_remove(sb->private_tmp) : -EBUSY;
	if (r == -EBUSY)
		snprintf(message, sizeof(message),
			 "private directory %s kept: ward could not prove that every "
			 "process of the sandbox is gone",
			 sb->private_tmp);
	else if (r < 0)
		snprintf(message, sizeof(message),
			 "private directory %s not fully removed: %s (nothing outside "
			 "it was touched)",
			 sb->private_tmp, strerror(-r));
	if (r < 0 && sb->exec_done)
		emit_warning(sb, message);
	free(sb->private_tmp);
	sb->private_tmp = NULL;
}

/* Reaps the program, kills what is left, and fills sb->exit. */
static void finish(struct ward_sandbox *sb, bool timed_out)
{
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	sandbox_reap(sb, &status, &ru);
	trace_phase("reaped");
	sb->exit.wall_ms = elapsed_ms(&sb->started);
	sandbox_end_all(sb);
	trace_phase("ended all (kill)");
	/* Decisions made up to the end are reported before the exit, and
	 * none after it: every layer's finish (the BPF ring drained, the
	 * supervisor stopped). */
	layers_finish(sb);

	struct ward_exit *x = &sb->exit;
	x->cpu_user_ms = (uint64_t)ru.ru_utime.tv_sec * 1000 + (uint64_t)ru.ru_utime.tv_usec / 1000;
	x->cpu_system_ms =
		(uint64_t)ru.ru_stime.tv_sec * 1000 + (uint64_t)ru.ru_stime.tv_usec / 1000;
	x->peak_memory_bytes = (uint64_t)ru.ru_maxrss * 1024;
	/* Pid 1 of a pid namespace cannot die of its own signal: the
	 * namespace's init exits 128+N when the program died of signal N. */
	if (WIFEXITED(status) && (sb->plan.ns_flags & WARD_NS_PID) &&
	    WEXITSTATUS(status) > WARD_EXIT_SIGNAL_BASE &&
	    WEXITSTATUS(status) < WARD_EXIT_SIGNAL_BASE + 65) {
		x->exited = 0;
		x->status = WEXITSTATUS(status) - WARD_EXIT_SIGNAL_BASE;
		x->code = WEXITSTATUS(status);
		x->reason = "signal";
	} else if (WIFEXITED(status)) {
		x->exited = 1;
		x->status = WEXITSTATUS(status);
		x->code = x->status;
		x->reason = "exit";
	} else {
		x->exited = 0;
		x->status = WTERMSIG(status);
		x->code = WARD_EXIT_SIGNAL_BASE + x->status;
		x->reason = "signal";
	}

	struct cgroup_stats stats;
	memset(&stats, 0, sizeof(stats));
	if (sb->cgroup && cgroup_sandbox_stats(sb->cgroup, &stats) == 0) {
		/* The cgroup sees every task, including those never reaped by
		 * the program; rusage only sees what was waited for. */
		if (stats.peak_memory_bytes > x->peak_memory_bytes)
			x->peak_memory_bytes = stats.peak_memory_bytes;
		uint64_t seen_ms = x->cpu_user_ms + x->cpu_system_ms;
		if (stats.cpu_usage_us / 1000 > seen_ms)
			x->cpu_user_ms += stats.cpu_usage_us / 1000 - seen_ms;
	}
	/* The last packets may have crossed a quota after the last poll. */
	poll_quotas(sb);
	if (sb->quota_killed && !x->exited && x->status == SIGKILL)
		x->reason = "quota";
	if (timed_out) {
		x->reason = "timeout";
		emit_limit(sb, "timeout", "wall-clock limit reached; sandbox killed", 0);
	} else if (stats.oom_kills) {
		if (!x->exited && x->status == SIGKILL)
			x->reason = "memory";
		emit_limit(sb, "memory", "memory limit reached; task killed", stats.oom_kills);
	}
	if (stats.pids_max_hits)
		emit_limit(sb, "pids", "pids limit reached; fork refused", stats.pids_max_hits);
	if (!x->exited && (x->status == SIGXCPU ||
			   (x->status == SIGKILL && sb->cpu_time_s &&
			    (x->cpu_user_ms + x->cpu_system_ms) / 1000 >= sb->cpu_time_s))) {
		x->reason = "cpu-time";
		emit_limit(sb, "cpu_time", "CPU time limit reached; process killed", 0);
	}
	sb->finished = true;
	emit_exit(sb);
	event_sink_close(&sb->sink);
	trace_phase("exit event emitted");
}

int ward_sandbox_wait(ward_sandbox *sb, struct ward_exit *out, ward_error *err)
{
	if (sb->finished) {
		if (out)
			*out = sb->exit;
		return 0;
	}
	_cleanup_close_ int timer_fd = -1;
	_cleanup_close_ int sig_fd = -1;
	/* Host names a DNS answer gave: re-resolved as its TTL says, the
	 * layer holding their rules updated in place, while this waits. */
	int r0;
	if (!sb->refresh && (r0 = net_refresh_start(sb, &sb->refresh, err)) < 0)
		return r0;
	if (sb->timeout_ms) {
		uint64_t spent = elapsed_ms(&sb->started);
		timer_fd = timer_arm(sb->timeout_ms > spent ? sb->timeout_ms - spent : 0);
		if (timer_fd < 0)
			return ward_fail_errno(err, timer_fd, "arming the timeout");
	}
	sigset_t caller_mask;
	if (sb->forward_signals) {
		sig_fd = signalfd_for_forwarding(&caller_mask);
		if (sig_fd < 0)
			return ward_fail_errno(err, -errno, "signalfd");
	}

	/* Quotas are counted in the kernel (network ones also held there);
	 * ward looks every 20 ms to emit the event and take the action. */
	_cleanup_close_ int quota_fd = -1;
	bool quotas = false;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++)
		quotas |= sb->plan.quota_amount[i] != 0;
	if (quotas) {
		quota_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		struct itimerspec every = {.it_interval = {.tv_nsec = 20000000},
					   .it_value = {.tv_nsec = 20000000}};
		if (quota_fd < 0 || timerfd_settime(quota_fd, 0, &every, NULL) < 0)
			return ward_fail_errno(err, -errno, "arming the quota check");
	}

	/* The layers' event sources (the BPF ring), one slot per table row. */
	int layer_fds[LAYERS_MAX];
	size_t nlayers = layers_event_fds(sb, layer_fds, LAYERS_MAX);

	bool timed_out = false, cancelled = false, shed = false;
	int r = 0;
	for (;;) {
		struct pollfd fds[5 + LAYERS_MAX] = {
			{.fd = sb->pidfd, .events = POLLIN},
			{.fd = timer_fd, .events = POLLIN},
			{.fd = sig_fd, .events = POLLIN},
			{.fd = quota_fd, .events = POLLIN},
			/* once it fired it is not watched again: it stays readable */
			{.fd = cancelled ? -1 : sb->cancel_fd, .events = POLLIN},
		};
		for (size_t i = 0; i < nlayers; i++)
			fds[5 + i] = (struct pollfd){.fd = layer_fds[i], .events = POLLIN};
		/* The first quiet moment: give back what only the start needed. */
		int n = poll(fds, 5 + nlayers, shed ? -1 : IDLE_MEMORY_AFTER_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = ward_fail_errno(err, -errno, "waiting for the sandbox");
			break;
		}
		if (n == 0) {
			shed = true;
			idle_memory_shed();
			continue;
		}
		if (fds[0].revents)
			break;
		if (fds[2].revents)
			forward_pending_signals(sb, sig_fd);
		for (size_t i = 0; i < nlayers; i++)
			if (fds[5 + i].revents)
				layers_poll_events(sb, i);
		if (fds[3].revents) {
			uint64_t ticks;
			(void)!read(quota_fd, &ticks, sizeof(ticks));
			poll_quotas(sb);
		}
		if (fds[1].revents && !timed_out) {
			timed_out = true;
			kill_for_good(sb);
			/* A keeper that does not end within 2 s is killed. */
			close(timer_fd);
			timer_fd = timer_arm(2000);
		} else if (fds[1].revents) {
			ward_sandbox_signal(sb, SIGKILL);
			close(timer_fd);
			timer_fd = -1;
		}
		if (fds[4].revents) {
			cancelled = true;
			kill_for_good(sb);
		}
	}
	/* No update after the program ended: the layers finish next. */
	net_refresh_stop(sb->refresh);
	if (sig_fd >= 0) {
		/* What came meanwhile goes to the program (or nowhere); then the
		 * caller's own mask is back. */
		forward_pending_signals(sb, sig_fd);
		pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
	}
	if (r < 0)
		return r;
	finish(sb, timed_out);
	sandbox_teardown(sb);
	if (out)
		*out = sb->exit;
	return 0;
}
