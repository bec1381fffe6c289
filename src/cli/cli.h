/* cli.h — the ward command: a thin client of libward. Only the CLI prints
 * to the terminal and chooses exit statuses (DEVELOPERS.md: the program's
 * status, 128+N for signal N, 125 ward's own error, 126, 127). */
#ifndef WARD_CLI_H
#define WARD_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ward.h"

int cmd_run(int argc, char **argv);
int cmd_learn(int argc, char **argv);

/* What another subcommand adds to `ward run` (ward learn): cmd_run_with()
 * calls BASE for each policy file or profile as it loads it, PREPARE once
 * the policy and flags are applied (before the check), EVENT for every
 * event line, FINISH with the exit status it would return (FINISH's result
 * is returned instead), and USAGE for --help. Any may be NULL. */
struct cli_run_hooks {
	const char *name; /* the subcommand, for messages */
	void (*usage)(FILE *out);
	void (*base)(bool is_file, const char *arg, void *ctx);
	int (*prepare)(ward_policy *policy, void *ctx, ward_error *err);
	void (*event)(const char *json, void *ctx);
	int (*finish)(int rc, bool ran, void *ctx);
	void *ctx;
};
int cmd_run_with(int argc, char **argv, const struct cli_run_hooks *hooks);
int cmd_check(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_bpf(int argc, char **argv);
int cmd_prove(int argc, char **argv);
/* ps, stats, top, kill, freeze, thaw: running sandboxes (cmd_live.c). */
int cmd_live(int argc, char **argv);

/* Prints "ward: MESSAGE" and returns 125. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_usage(FILE *out);
/* N bytes as "512B", "1.5K", "10.0M" (powers of 1024), for tables and reports. */
void cli_human_size(uint64_t n, char *out, size_t size);
/* "COMMAND: unknown option GIVEN", with the closest of OPTIONS when one is
 * close ("did you mean '--net-allow'?"); returns 125. */
int cli_unknown_option(const char *command, const char *given, const struct option *options);

#endif
