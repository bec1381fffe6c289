/* cmd_features.c — `ward features [--json]`: what this host offers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_features(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: ward features [--json]\n"
			     "What this host's kernel and privilege offer, and why the rest is "
			     "missing.\n"
			     "  --json   one JSON object (docs/events.md lists no fields: see the "
			     "output)");
			return 0;
		} else
			return cli_error("features: unknown argument '%s'", argv[i]);
	}
	ward_error err = {0};
	if (json) {
		char *text = NULL;
		if (ward_features_json(&text, &err) < 0)
			return cli_error("%s", err.message);
		puts(text);
		free(text);
		return 0;
	}
	if (ward_features_print(stdout, &err) < 0)
		return cli_error("%s", err.message);
	return 0;
}
