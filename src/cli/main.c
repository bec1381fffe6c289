/* main.c — dispatches ward's subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/suggest.h"
#include "core/trace.h"
#include "prove.h"

int cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("ward: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return WARD_EXIT_ERROR;
}

int cli_unknown_option(const char *command, const char *given, const struct option *options)
{
	char word[80];
	const char *names[64];
	size_t n = 0;
	/* "--net-alow=1.2.3.4" names the option "net-alow". */
	const char *start = given + strspn(given, "-");
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(start, "="), start);
	for (const struct option *o = options; o->name && n < 64; o++)
		names[n++] = o->name;
	const char *guess =
		given[0] == '-' && given[1] == '-' ? suggest_closest(word, names, n) : NULL;
	if (guess)
		return cli_error(
			"%s: unknown option '%s'; did you mean '--%s'? (see ward %s --help)",
			command, given, guess, command);
	return cli_error("%s: unknown option '%s' (see ward %s --help)", command, given, command);
}

void cli_human_size(uint64_t n, char *out, size_t size)
{
	static const char *const units[] = {"B", "K", "M", "G", "T"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, u ? "%.1f%s" : "%.0f%s", v, units[u]);
}

void cli_usage(FILE *out)
{
	fputs("usage: ward run [POLICY.yaml] [OPTIONS] -- CMD [ARG...]\n"
	      "       ward learn [--out FILE] [POLICY.yaml] [OPTIONS] -- CMD [ARG...]   write "
	      "the policy CMD needs\n"
	      "       ward check FILE [--explain] [--json]\n"
	      "       ward features [--json]\n"
	      "       ward bpf status|load|unload\n"
	      "       ward prove [--class CLASS] [--json]   attack this host's sandbox, show what "
	      "stops each\n"
	      "       ward ps [--json] | ward stats ID [--json] [--interval S] [--count N]\n"
	      "       ward top [--interval S] [--count N] | ward kill|freeze|thaw ID|NAME\n"
	      "       ward version | --help\n"
	      "\n"
	      "run options (flags add to or override the policy file):\n"
	      "  -p, --policy FILE        YAML policy (docs/policy.md); default: --profile "
	      "default\n"
	      "      --profile NAME       built-in profile: default, minimal, python, node, git,\n"
	      "                           rust, go\n"
	      "  -r, --read PATH          grant read beneath PATH\n"
	      "  -w, --write PATH         grant read and write beneath PATH\n"
	      "  -x, --exec PATH          grant read and execute beneath PATH\n"
	      "      --fs-deny PATH       deny every access beneath PATH\n"
	      "      --exec-allow PATH    allow executing PATH\n"
	      "      --exec-deny PATH     deny executing beneath PATH\n"
	      "      --net-allow RULE     [tcp://|udp://]ADDR[/PREFIX][:PORT[-PORT][,PORT...]]\n"
	      "      --net-deny RULE      the same, carved out of the allowed\n"
	      "      --net-bind PORTS     allow binding TCP ports\n"
	      "      --unix-allow PATH    allow connecting to a pathname unix socket (or a\n"
	      "                           directory of them) outside the write grants\n"
	      "      --memory SIZE        e.g. 512M\n"
	      "      --pids N             tasks in the sandbox\n"
	      "      --cpu PERCENT        CPU quota, percent of one CPU\n"
	      "      --cpu-time SECONDS   CPU time per process\n"
	      "      --nofile N           open files per process\n"
	      "      --timeout DURATION   wall clock, e.g. 30s; the sandbox is killed after it\n"
	      "      --env K=V            set a variable       --unset-env K   remove one\n"
	      "      --clean-env          start from an empty environment (PATH only)\n"
	      "      --pass-env NAME      keep NAME although it looks like a secret (the\n"
	      "                           default profile drops *TOKEN*, *SECRET*, *_KEY, "
	      "AWS_*...)\n"
	      "      --cwd DIR            working directory\n"
	      "      --unshare-net|--unshare-pid|--unshare-ipc|--unshare-uts|--unshare-user\n"
	      "      --hostname NAME      (with --unshare-uts)\n"
	      "      --share-net|pid|ipc|uts|user|mount|cgroup|all  keep the host's namespace\n"
	      "      --tmp-size SIZE      each private tmpfs (/tmp, /var/tmp, HOME, /dev/shm); 1G\n"
	      "      --mode enforce|audit\n"
	      "      --allow-degraded LAYER  run even if LAYER is missing here\n"
	      "      --kill-after N/SECONDS  SIGKILL a process at its Nth denial in SECONDS (BPF "
	      "LSM)\n"
	      "      --pass-fd N          keep descriptor N open inside (repeatable); every other\n"
	      "                           descriptor above 2 is closed\n"
	      "      --events FILE|-      JSON lines (docs/events.md); - is standard error\n"
	      "      --explain            print which layer enforces each rule\n"
	      "      --dry-run [--json]   print the plan of the policy and flags, run nothing\n"
	      "      --dry-run --sections what each layer receives from the plan, as JSON\n"
	      "      --name NAME          a name for ward ps / kill / freeze / thaw\n"
	      "      --quota NAME=SIZE[:kill|freeze|report]  net_egress_bytes, "
	      "net_ingress_bytes,\n"
	      "                           file_write_bytes (sizes), cpu_time "
	      "(duration)\n"
	      "      --report             print what the run used and why it ended\n"
	      "\n"
	      "exit status: the program's; 128+N if it died of signal N; 125 ward's error;\n"
	      "126 cannot execute; 127 not found\n",
	      out);
}

int main(int argc, char **argv)
{
	trace_start();
	if (argc < 2) {
		cli_usage(stderr);
		return WARD_EXIT_ERROR;
	}
	const char *cmd = argv[1];
	/* Hidden: an attack program of `ward prove`, inside its sandbox. */
	if (!strcmp(cmd, "__probe"))
		return prove_probe_main(argc, argv);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "learn"))
		return cmd_learn(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "features"))
		return cmd_features(argc - 1, argv + 1);
	if (!strcmp(cmd, "bpf"))
		return cmd_bpf(argc - 1, argv + 1);
	if (!strcmp(cmd, "prove"))
		return cmd_prove(argc - 1, argv + 1);
	if (!strcmp(cmd, "ps") || !strcmp(cmd, "stats") || !strcmp(cmd, "top") ||
	    !strcmp(cmd, "kill") || !strcmp(cmd, "freeze") || !strcmp(cmd, "thaw"))
		return cmd_live(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("ward %s\n", WARD_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		cli_usage(stdout);
		return 0;
	}
	cli_usage(stderr);
	return cli_error("unknown command '%s'", cmd);
}
