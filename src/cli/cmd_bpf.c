/* cmd_bpf.c — `ward bpf status|load|unload`: the shared, pinned BPF
 * programs. Until the BPF layer lands this says so and fails. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_bpf(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "status") && strcmp(argv[1], "load") &&
			 strcmp(argv[1], "unload")))
		return cli_error("bpf: usage: ward bpf status|load|unload");
	return cli_error("bpf %s: this build has no BPF layer", argv[1]);
}
