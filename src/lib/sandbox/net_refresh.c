/* net_refresh.c — the monitor's re-resolution of host names while the
 * sandbox runs (plan.net_names, docs/policy.md "Host names"): one thread
 * that sleeps until the earliest TTL expires, asks DNS again and, when the
 * addresses changed, rewrites the address rules of that name in the one
 * layer that holds them (the BPF tries or the supervisor's table) in
 * place, then reports a net_update event. A failed resolution keeps the
 * last addresses and retries with backoff. Stopped before the exit event:
 * a query under way is not waited for (the resolver's timeouts could hold
 * the exit for seconds); the thread then ends without touching the sandbox
 * and frees the state itself (the last of two references).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "policy/dns_ttl.h"
#include "sandbox/net_refresh.h"
#include "sandbox/sandbox.h"
#include "supervisor/supervisor.h"

/* One rule naming the host: its addresses are rules "BASE = ADDRESS". */
struct refresh_group {
	char *base;	      /* the rule as written, "tcp://svc.test:8080" */
	struct net_rule tmpl; /* its first address rule: protocol, ports, origin */
};

struct refresh_name {
	char *host; /* a copy: the thread may outlive the policy */
	struct refresh_group *groups;
	size_t ngroups;
	unsigned failures;
	uint64_t due_ms;
};

struct net_refresh {
	struct ward_sandbox *sb;
	enum ward_layer layer;
	pthread_t thread;
	bool started;
	int stop_fd;
	pthread_mutex_t lock;	     /* held while the sandbox's layers are touched */
	bool stopping;		     /* under lock: the sandbox must not be touched any more */
	int refs;		     /* under lock: the owner and the thread */
	struct plan_net_rule *rules; /* what the layer holds now; texts owned */
	size_t nrules;
	struct refresh_name *names;
	size_t nnames;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void free_rules(struct plan_net_rule *rules, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(rules[i].rule.text);
	free(rules);
}

static void emit_warning(struct net_refresh *nr, const char *message)
{
	json_object *ev = event_new("warning");
	if (!ev)
		return;
	json_object_object_add(ev, "message", json_object_new_string(message));
	event_emit(&nr->sb->sink, ev);
}

static bool answer_has(const struct dns_answer *ans, const struct net_rule *r)
{
	for (size_t i = 0; i < ans->count; i++)
		if (ans->addrs[i].family == r->family &&
		    memcmp(ans->addrs[i].addr, r->addr, r->family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

static json_object *addr_string(int family, const uint8_t *addr)
{
	char ip[INET6_ADDRSTRLEN] = "";
	inet_ntop(family, addr, ip, sizeof(ip));
	return json_object_new_string(ip);
}

/* The group of NAME rule R belongs to, or NULL when R is not NAME's. */
static const struct refresh_group *group_of(const struct refresh_name *name,
					    const struct net_rule *r)
{
	if (!r->host || strcmp(r->host, name->host) != 0 || !r->text)
		return NULL;
	for (size_t i = 0; i < name->ngroups; i++) {
		size_t len = strlen(name->groups[i].base);
		if (strncmp(r->text, name->groups[i].base, len) == 0 &&
		    strncmp(r->text + len, " = ", 3) == 0)
			return &name->groups[i];
	}
	return NULL;
}

/* The rules with NAME's replaced by one per address of ANS and rule
 * naming it. */
static int rebuild(const struct net_refresh *nr, const struct refresh_name *name,
		   const struct dns_answer *ans, struct plan_net_rule **out, size_t *count)
{
	size_t cap = nr->nrules + ans->count * name->ngroups, n = 0;
	struct plan_net_rule *next = calloc(cap ? cap : 1, sizeof(*next));
	bool *placed = calloc(name->ngroups ? name->ngroups : 1, sizeof(*placed));
	if (!next || !placed) {
		free(next);
		free(placed);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr->nrules; i++) {
		const struct plan_net_rule *r = &nr->rules[i];
		const struct refresh_group *g = group_of(name, &r->rule);
		size_t gi = g ? (size_t)(g - name->groups) : 0;
		if (g && !placed[gi]) {
			placed[gi] = true;
			/* In the rule's place: the policy's order is kept. */
			for (size_t j = 0; j < ans->count; j++) {
				struct plan_net_rule pr = {.rule = g->tmpl, .rule_id = r->rule_id};
				char ip[INET6_ADDRSTRLEN] = "";
				pr.rule.family = ans->addrs[j].family;
				memcpy(pr.rule.addr, ans->addrs[j].addr, 16);
				pr.rule.prefix = pr.rule.family == AF_INET ? 32 : 128;
				inet_ntop(pr.rule.family, pr.rule.addr, ip, sizeof(ip));
				if (asprintf(&pr.rule.text, "%s = %s", g->base, ip) < 0) {
					free_rules(next, n);
					free(placed);
					return -ENOMEM;
				}
				next[n++] = pr;
			}
		}
		if (g)
			continue;
		next[n] = *r;
		if (!(next[n].rule.text = strdup(r->rule.text ? r->rule.text : ""))) {
			free_rules(next, n);
			free(placed);
			return -ENOMEM;
		}
		n++;
	}
	free(placed);
	*out = next;
	*count = n;
	return 0;
}

static int apply(struct net_refresh *nr, const struct plan_net_rule *next, size_t count,
		 ward_error *err)
{
	struct ward_sandbox *sb = nr->sb;
	if (nr->layer == LAYER_SUPERVISOR) {
		if (!sb->sup)
			return ward_fail(err, -ESRCH, "the supervisor is not running");
		int r = sup_update_net(sb->sup, next, count);
		return r < 0 ? ward_fail_errno(err, r, "updating the supervisor's rules") : 0;
	}
	if (!sb->bpf)
		return ward_fail(err, -ESRCH, "the BPF layer is not set up");
	return bpf_sandbox_update_net(sb->bpf, nr->rules, nr->nrules, next, count, err);
}

static void refresh_one(struct net_refresh *nr, struct refresh_name *name,
			const struct dns_answer *answer, int resolved);

static bool line_has_host(char *const *lines, size_t n, const char *line)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(lines[i], line))
			return true;
	return false;
}

static bool rules_name_host(const struct net_refresh *nr, const char *host)
{
	for (size_t i = 0; i < nr->nrules; i++)
		if (nr->rules[i].rule.host && !strcmp(nr->rules[i].rule.host, host))
			return true;
	return false;
}

/* The sandbox's /etc/hosts follows the rules: a name resolves inside to
 * the addresses its rules allow now (lines "ADDRESS NAME" from the rules,
 * then the plan's lines of names no rule here holds). */
static void rewrite_hosts(struct net_refresh *nr)
{
	const struct ward_sandbox *sb = nr->sb;
	if (!sb->hosts.dir[0])
		return;
	size_t cap = nr->nrules + sb->plan.nhosts, n = 0;
	char **lines = calloc(cap ? cap : 1, sizeof(*lines));
	if (!lines)
		return;
	for (size_t i = 0; i < nr->nrules; i++) {
		const struct net_rule *r = &nr->rules[i].rule;
		char ip[INET6_ADDRSTRLEN] = "", *line = NULL;
		if (!r->host || !inet_ntop(r->family, r->addr, ip, sizeof(ip)) ||
		    asprintf(&line, "%s %s", ip, r->host) < 0)
			continue;
		if (line_has_host(lines, n, line))
			free(line);
		else
			lines[n++] = line;
	}
	for (size_t i = 0; i < sb->plan.nhosts; i++) {
		const char *name = strrchr(sb->plan.hosts[i], ' ');
		if (name && !rules_name_host(nr, name + 1) &&
		    (lines[n] = strdup(sb->plan.hosts[i])))
			n++;
	}
	if (hosts_file_rewrite(&sb->hosts, lines, n) < 0)
		emit_warning(nr, "the sandbox's /etc/hosts could not be rewritten after a "
				 "re-resolution: it names the previous addresses");
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Resolves NAME, then (unless stopped meanwhile) updates the layer.
 * False once stopped. */
static bool refresh_name(struct net_refresh *nr, struct refresh_name *name)
{
	struct dns_answer ans;
	int resolved = dns_resolve_ttl(name->host, &ans);
	pthread_mutex_lock(&nr->lock);
	bool go = !nr->stopping;
	if (go)
		refresh_one(nr, name, &ans, resolved);
	pthread_mutex_unlock(&nr->lock);
	return go;
}

static void refresh_one(struct net_refresh *nr, struct refresh_name *name,
			const struct dns_answer *answer, int resolved)
{
	const struct dns_answer ans = *answer;
	uint64_t now = now_ms();
	if (resolved < 0) {
		/* The last addresses stay; ask again later, less often. Said
		 * once per streak of failures. */
		name->failures++;
		uint32_t delay = dns_backoff(name->failures);
		name->due_ms = now + (uint64_t)delay * 1000;
		if (name->failures == 1) {
			char message[600];
			snprintf(message, sizeof(message),
				 "host %s: re-resolution failed (%s); the last addresses stay, "
				 "asked again in %u s, then less often",
				 name->host,
				 resolved == -ENOENT ? "DNS returned no address"
						     : "no usable DNS answer",
				 delay);
			emit_warning(nr, message);
		}
		return;
	}
	name->failures = 0;
	uint32_t ttl = dns_ttl_clamp(ans.ttl);
	name->due_ms = now + (uint64_t)ttl * 1000;

	json_object *added = json_object_new_array(), *removed = json_object_new_array();
	size_t nadded = 0, nremoved = 0;
	for (size_t i = 0; i < nr->nrules; i++) {
		const struct net_rule *r = &nr->rules[i].rule;
		bool listed = false; /* the same address in an earlier rule of the name */
		for (size_t j = 0; j < i && !listed; j++)
			listed = group_of(name, &nr->rules[j].rule) &&
				 nr->rules[j].rule.family == r->family &&
				 memcmp(nr->rules[j].rule.addr, r->addr, 16) == 0;
		if (!listed && group_of(name, r) && !answer_has(&ans, r)) {
			json_object_array_add(removed, addr_string(r->family, r->addr));
			nremoved++;
		}
	}
	for (size_t i = 0; i < ans.count; i++) {
		bool had = false;
		for (size_t j = 0; j < nr->nrules && !had; j++) {
			const struct net_rule *r = &nr->rules[j].rule;
			had = group_of(name, r) && r->family == ans.addrs[i].family &&
			      memcmp(r->addr, ans.addrs[i].addr, 16) == 0;
		}
		if (!had) {
			json_object_array_add(added,
					      addr_string(ans.addrs[i].family, ans.addrs[i].addr));
			nadded++;
		}
	}
	struct plan_net_rule *next = NULL;
	size_t count = 0;
	ward_error err = {0};
	int r = nadded || nremoved ? rebuild(nr, name, &ans, &next, &count) : 0;
	if (r < 0)
		ward_fail(&err, r, "out of memory");
	if (r == 0 && (nadded || nremoved))
		r = apply(nr, next, count, &err);
	if (r < 0) {
		char message[700];
		snprintf(message, sizeof(message),
			 "host %s re-resolved but its rules were not updated: %s (the last "
			 "addresses stay)",
			 name->host, err.message);
		emit_warning(nr, message);
		free_rules(next, count);
	} else if (nadded || nremoved) {
		free_rules(nr->rules, nr->nrules);
		nr->rules = next;
		nr->nrules = count;
		rewrite_hosts(nr);
		json_object *ev = event_new("net_update");
		if (ev) {
			json_object_object_add(ev, "name", json_object_new_string(name->host));
			json_object_object_add(ev, "added", added);
			json_object_object_add(ev, "removed", removed);
			json_object_object_add(ev, "ttl", json_object_new_uint64(ans.ttl));
			json_object_object_add(ev, "layer",
					       json_object_new_string(ward_layer_name(nr->layer)));
			event_emit(&nr->sb->sink, ev);
			return;
		}
	}
	json_object_put(added);
	json_object_put(removed);
}

static void destroy(struct net_refresh *nr)
{
	if (nr->stop_fd >= 0)
		close(nr->stop_fd);
	free_rules(nr->rules, nr->nrules);
	for (size_t i = 0; i < nr->nnames; i++) {
		free(nr->names[i].host);
		for (size_t j = 0; j < nr->names[i].ngroups; j++)
			free(nr->names[i].groups[j].base);
		free(nr->names[i].groups);
	}
	free(nr->names);
	pthread_mutex_destroy(&nr->lock);
	free(nr);
}

/* Drops one reference; the last frees. */
static void release(struct net_refresh *nr)
{
	pthread_mutex_lock(&nr->lock);
	bool last = --nr->refs == 0;
	pthread_mutex_unlock(&nr->lock);
	if (last)
		destroy(nr);
}

static void *refresh_thread(void *arg)
{
	struct net_refresh *nr = arg;
	for (;;) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		for (size_t i = 0; i < nr->nnames; i++)
			next = nr->names[i].due_ms < next ? nr->names[i].due_ms : next;
		uint64_t wait = next > now ? next - now : 0;
		struct pollfd p = {.fd = nr->stop_fd, .events = POLLIN};
		int n = poll(&p, 1, wait > 60000 ? 60000 : (int)wait);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			break; /* stopped */
		now = now_ms();
		bool go = true;
		for (size_t i = 0; i < nr->nnames && go; i++)
			if (nr->names[i].due_ms <= now)
				go = refresh_name(nr, &nr->names[i]);
		if (!go)
			break;
	}
	release(nr);
	return NULL;
}

static int add_name(struct net_refresh *nr, const struct plan_net_name *pn)
{
	struct refresh_name *name = &nr->names[nr->nnames];
	if (!(name->host = strdup(pn->host)) ||
	    !(name->groups = calloc(nr->nrules ? nr->nrules : 1, sizeof(*name->groups))))
		return -ENOMEM;
	nr->nnames++; /* freed with it from here on */
	name->due_ms = now_ms() + (uint64_t)pn->ttl * 1000;
	for (size_t i = 0; i < nr->nrules; i++) {
		const struct net_rule *r = &nr->rules[i].rule;
		if (!r->host || strcmp(r->host, pn->host) != 0 || group_of(name, r))
			continue;
		const char *eq = r->text ? strstr(r->text, " = ") : NULL;
		if (!eq)
			continue; /* not "RULE = ADDRESS": never rewritten */
		struct refresh_group *g = &name->groups[name->ngroups];
		if (!(g->base = strndup(r->text, (size_t)(eq - r->text))))
			return -ENOMEM;
		g->tmpl = *r;
		g->tmpl.text = NULL;
		name->ngroups++;
	}
	return 0;
}

int net_refresh_start(struct ward_sandbox *sb, struct net_refresh **out, ward_error *err)
{
	*out = NULL;
	const struct plan *plan = &sb->plan;
	if (!plan->net_names.len)
		return 0;
	const struct plan_net_rule *rules = plan->net_names_layer == LAYER_SUPERVISOR
						    ? plan->sup_net_rules.items
						    : plan->bpf_net_rules.items;
	size_t count = plan->net_names_layer == LAYER_SUPERVISOR ? plan->sup_net_rules.len
								 : plan->bpf_net_rules.len;
	struct net_refresh *nr = calloc(1, sizeof(*nr));
	if (!nr)
		return ward_fail(err, -ENOMEM, "out of memory");
	nr->sb = sb;
	nr->layer = plan->net_names_layer;
	nr->stop_fd = -1;
	nr->refs = 1;
	pthread_mutex_init(&nr->lock, NULL);
	nr->rules = calloc(count ? count : 1, sizeof(*nr->rules));
	nr->names = calloc(plan->net_names.len, sizeof(*nr->names));
	int r = nr->rules && nr->names ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < count; i++) {
		nr->rules[i] = rules[i];
		nr->rules[i].rule.text = strdup(rules[i].rule.text ? rules[i].rule.text : "");
		r = nr->rules[i].rule.text ? 0 : -ENOMEM;
		nr->nrules = i + 1;
	}
	VEC_FOREACH(&plan->net_names, pn)
	if (r == 0)
		r = add_name(nr, pn);
	if (r == 0 && (nr->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		r = -errno;
	nr->refs = 2; /* the thread's, dropped when it ends */
	if (r == 0 && nr->nnames &&
	    (r = -pthread_create(&nr->thread, NULL, refresh_thread, nr)) == 0)
		nr->started = true;
	else
		nr->refs = 1;
	if (r < 0) {
		net_refresh_free(nr);
		return ward_fail_errno(err, r, "starting the re-resolution of host names");
	}
	*out = nr;
	return 0;
}

void net_refresh_stop(struct net_refresh *nr)
{
	if (!nr || !nr->started)
		return;
	/* Waits for an update under way, never for a query. */
	pthread_mutex_lock(&nr->lock);
	nr->stopping = true;
	pthread_mutex_unlock(&nr->lock);
	uint64_t one = 1;
	(void)!write(nr->stop_fd, &one, sizeof(one));
	pthread_detach(nr->thread);
	nr->started = false;
}

void net_refresh_free(struct net_refresh *nr)
{
	if (!nr)
		return;
	net_refresh_stop(nr);
	release(nr);
}
