/* cmd_check.c — `ward check FILE [--explain]`: loads and validates a policy
 * and says whether it can be enforced on this host, without running
 * anything. Exit 0: it can; 125: bad policy or not enforceable here. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_check(int argc, char **argv)
{
	const char *path = NULL;
	bool explain = false, json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--explain")) {
			explain = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: ward check FILE [--explain] [--json]\n"
			     "Loads and validates a policy and says whether this host can enforce "
			     "it, without running anything.\n"
			     "  --explain  which layer enforces each rule\n"
			     "  --json     the plan as JSON\n"
			     "For flags, run: ward run [POLICY] [OPTIONS] --dry-run");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			static const struct option check_options[] = {
				{"explain", no_argument, NULL, 0},
				{"json", no_argument, NULL, 0},
				{"help", no_argument, NULL, 0},
				{NULL, 0, NULL, 0},
			};
			return cli_unknown_option("check", argv[i], check_options);
		} else if (!path) {
			path = argv[i];
		} else {
			return cli_error("check: one policy file at a time ('%s')", argv[i]);
		}
	}
	if (!path)
		return cli_error("check: usage: ward check FILE [--explain] [--json]");

	ward_policy *policy = ward_policy_new();
	if (!policy)
		return cli_error("out of memory");
	ward_error err = {0};
	int rc = 0;
	if (ward_policy_load_file(policy, path, &err) < 0) {
		rc = cli_error("%s", err.message);
	} else if (json) {
		/* A refused plan (-EPERM) is still rendered: it says what
		 * could not be held, and the text is ours to free either way. */
		char *text = NULL;
		int r = ward_policy_plan_json(policy, &text, &err);
		if (text) {
			puts(text);
			free(text);
		}
		if (r < 0)
			rc = cli_error("%s", err.message);
		else if (ward_policy_check(policy, NULL, &err) < 0)
			rc = cli_error("%s", err.message);
	} else {
		int r = ward_policy_check(policy, explain ? stdout : NULL, &err);
		if (r < 0)
			rc = cli_error("%s", err.message);
		else
			printf("%s: ok\n", path);
	}
	ward_policy_free(policy);
	return rc;
}
