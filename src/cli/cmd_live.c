/* cmd_live.c — ward ps | stats | top | kill | freeze | thaw: the running
 * sandboxes of the caller (root: of everyone), their figures, and control by
 * id or name. A thin client of ward_live_list() and ward_live_control(). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "live_tty.h"

struct live_args {
	bool json;
	double interval_s;
	long count; /* 0: until interrupted (or the sandbox ends, for stats) */
	const char *who;
};

static void live_help(FILE *out)
{
	fputs("usage: ward ps [--json]\n"
	      "       ward stats ID|NAME [--json] [--interval SECONDS] [--count N]\n"
	      "       ward top [--interval SECONDS] [--count N]\n"
	      "       ward kill|freeze|thaw ID|NAME\n"
	      "Lists and controls the running sandboxes you own (root: everyone's).\n"
	      "Figures come from the sandbox's own cgroup where it has one (source \"cgroup\"),\n"
	      "otherwise they are summed over its processes (source \"proc\").\n"
	      "freeze and thaw need the sandbox's own cgroup.\n",
	      out);
}

static int parse_live_args(const char *cmd, int argc, char **argv, struct live_args *a)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"interval", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*a = (struct live_args){.interval_s = 1.0};
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, ":h", options, NULL);
		if (c == -1)
			break;
		char *end;
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'i':
			errno = 0;
			a->interval_s = strtod(optarg, &end);
			if (errno || *end || a->interval_s < 0.05 || a->interval_s > 3600)
				return cli_error(
					"ward %s: --interval '%s': give seconds between 0.05 "
					"and 3600, e.g. --interval 2",
					cmd, optarg);
			break;
		case 'n':
			errno = 0;
			a->count = strtol(optarg, &end, 10);
			if (errno || *end || a->count < 1)
				return cli_error("ward %s: --count '%s': give a positive number of "
						 "updates, e.g. --count 5",
						 cmd, optarg);
			break;
		case 'h':
			live_help(stdout);
			return -1;
		case ':':
			return cli_error("ward %s: %s needs a value (see ward %s --help)", cmd,
					 argv[optind - 1], cmd);
		default:
			return cli_error("ward %s: unknown option '%s' (see ward %s --help)", cmd,
					 argv[optind - 1], cmd);
		}
	}
	bool wants_who = strcmp(cmd, "ps") && strcmp(cmd, "top");
	if (wants_who) {
		if (optind >= argc)
			return cli_error(
				"ward %s: which sandbox? give an id or a name from ward ps", cmd);
		a->who = argv[optind++];
	}
	if (optind < argc)
		return cli_error("ward %s: unexpected argument '%s' (see ward %s --help)", cmd,
				 argv[optind], cmd);
	return 0;
}

static const char *str_of(json_object *rec, const char *key, const char *fallback)
{
	json_object *v;
	return json_object_object_get_ex(rec, key, &v) ? json_object_get_string(v) : fallback;
}

static uint64_t u64_of(json_object *rec, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(rec, key, &v) ? json_object_get_uint64(v) : 0;
}

static void human_age(uint64_t s, char *out, size_t size)
{
	if (s < 60)
		snprintf(out, size, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, size, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(out, size, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, (s % 3600) / 60);
}

static void command_of(json_object *rec, char *out, size_t size)
{
	json_object *argv;
	out[0] = '\0';
	if (!json_object_object_get_ex(rec, "argv", &argv))
		return;
	size_t used = 0;
	for (size_t i = 0; i < json_object_array_length(argv) && used + 1 < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? " " : "",
				 json_object_get_string(json_object_array_get_idx(argv, i)));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* print_table LIST OUT MAX_ROWS: the header and at most MAX_ROWS sandboxes
 * (0: all); says how many were left out so a short terminal never hides
 * that there are more. */
static void print_table(json_object *list, FILE *out, size_t max_rows)
{
	fprintf(out, "%-22s %-14s %7s %7s %9s %9s %5s %9s %9s %7s %-6s %s\n", "ID", "NAME", "PID",
		"AGE", "CPU", "MEM", "TASKS", "NET-OUT", "NET-IN", "DENIALS", "SOURCE", "COMMAND");
	size_t total = json_object_array_length(list);
	size_t shown = max_rows && max_rows < total ? max_rows : total;
	for (size_t i = 0; i < shown; i++) {
		json_object *rec = json_object_array_get_idx(list, i);
		char mem[32], age[48], cmd[256], net_out[32] = "-", net_in[32] = "-";
		cli_human_size(u64_of(rec, "memory_bytes"), mem, sizeof(mem));
		if (json_object_object_get_ex(rec, "net_bytes_out", NULL)) {
			cli_human_size(u64_of(rec, "net_bytes_out"), net_out, sizeof(net_out));
			cli_human_size(u64_of(rec, "net_bytes_in"), net_in, sizeof(net_in));
		}
		human_age(u64_of(rec, "age_s"), age, sizeof(age));
		command_of(rec, cmd, sizeof(cmd));
		fprintf(out,
			"%-22s %-14s %7" PRIu64 " %7s %8.2fs %9s %5" PRIu64 " %9s %9s %7" PRIu64
			" %-6s %s\n",
			str_of(rec, "id", "?"), str_of(rec, "name", "-"), u64_of(rec, "pid"), age,
			(double)u64_of(rec, "cpu_us") / 1e6, mem, u64_of(rec, "tasks"), net_out,
			net_in, u64_of(rec, "denials"), str_of(rec, "figures_source", "?"), cmd);
	}
	if (shown < total)
		fprintf(out, "(%zu more not shown: enlarge the terminal or use ward ps)\n",
			total - shown);
}

static int list_now(json_object **list)
{
	ward_error err = {0};
	char *json = NULL;
	if (ward_live_list(&json, &err) < 0)
		return cli_error("%s", err.message);
	*list = json_tokener_parse(json);
	free(json);
	return *list ? 0 : cli_error("ward ps: cannot read the sandbox list");
}

static json_object *find(json_object *list, const char *who)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *rec = json_object_array_get_idx(list, i);
		if (!strcmp(str_of(rec, "id", ""), who) || !strcmp(str_of(rec, "name", ""), who))
			return rec;
	}
	return NULL;
}

static void pause_for(double seconds)
{
	struct timespec ts = {.tv_sec = (time_t)seconds,
			      .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmd_ps(const struct live_args *a)
{
	json_object *list;
	int r = list_now(&list);
	if (r)
		return r;
	if (a->json)
		printf("%s\n",
		       json_object_to_json_string_ext(
			       list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_table(list, stdout, 0);
	json_object_put(list);
	return 0;
}

static int cmd_stats(const struct live_args *a)
{
	for (long n = 0; !a->count || n < a->count; n++) {
		if (n)
			pause_for(a->interval_s);
		json_object *list;
		int r = list_now(&list);
		if (r)
			return r;
		json_object *rec = find(list, a->who);
		if (!rec) {
			json_object_put(list);
			/* The first look decides between "no such" and "it ended". */
			return n ? 0
				 : cli_error("ward stats: no running sandbox '%s' of yours (see "
					     "ward ps)",
					     a->who);
		}
		if (a->json) {
			printf("%s\n", json_object_to_json_string_ext(
					       rec, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
		} else {
			char mem[16];
			cli_human_size(u64_of(rec, "memory_bytes"), mem, sizeof(mem));
			printf("%s cpu %.2fs mem %s tasks %" PRIu64 " denials %" PRIu64 " (%s)\n",
			       str_of(rec, "id", "?"), (double)u64_of(rec, "cpu_us") / 1e6, mem,
			       u64_of(rec, "tasks"), u64_of(rec, "denials"),
			       str_of(rec, "figures_source", "?"));
		}
		fflush(stdout);
		json_object_put(list);
	}
	return 0;
}

/* Busiest first: top is for finding the sandbox that is eating the machine. */
static int by_cpu_desc(const void *a, const void *b)
{
	uint64_t x = u64_of(*(json_object *const *)a, "cpu_us");
	uint64_t y = u64_of(*(json_object *const *)b, "cpu_us");
	return x < y ? 1 : x > y ? -1 : 0;
}

/* On a terminal: a full-screen view refreshed every interval until q, Esc
 * or Ctrl-C, with the terminal restored however it ends. Elsewhere (a pipe,
 * a file): plain frames, --count of them or until killed. */
static int cmd_top(const struct live_args *a)
{
	bool tty = live_tty_begin() == 0;
	int r = 0;
	for (long n = 0; !a->count || n < a->count; n++) {
		if (n) {
			if (!tty)
				pause_for(a->interval_s);
			else if (live_tty_wait_key(a->interval_s) == LIVE_TTY_QUIT)
				break;
		}
		json_object *list;
		r = list_now(&list);
		if (r)
			break;
		json_object_array_sort(list, by_cpu_desc);
		if (tty)
			fputs("\033[H\033[2J", stdout);
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];
		strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime_r(&now, &tm));
		printf("ward top — %s — %zu sandbox%s%s\n", stamp, json_object_array_length(list),
		       json_object_array_length(list) == 1 ? "" : "es", tty ? " — q quits" : "");
		int rows = tty ? live_tty_rows() : 0;
		print_table(list, stdout, tty ? (size_t)(rows > 4 ? rows - 3 : 1) : 0);
		fflush(stdout);
		json_object_put(list);
	}
	if (tty)
		live_tty_end();
	return r;
}

int cmd_live(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct live_args a;
	int r = parse_live_args(cmd, argc, argv, &a);
	if (r)
		return r < 0 ? 0 : r;
	if (!strcmp(cmd, "ps"))
		return cmd_ps(&a);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(&a);
	if (!strcmp(cmd, "top"))
		return cmd_top(&a);
	ward_error err = {0};
	if (ward_live_control(a.who, cmd, &err) < 0)
		return cli_error("ward %s: %s", cmd, err.message);
	return 0;
}
