/* cmd_bpf.c — `ward bpf status|load|unload`: the BPF programs and maps that
 * every sandbox on the host shares, pinned under /sys/fs/bpf/ward. */
#include <stdio.h>
#include <string.h>

#include "bpf/bpf_layer.h"
#include "host/probe_cache.h"
#include "cli.h"

int cmd_bpf(int argc, char **argv)
{
	ward_error err = {0};
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: ward bpf status|load|unload\n"
		     "The BPF programs and maps every sandbox shares, pinned under "
		     "/sys/fs/bpf/ward.");
		return 0;
	}
	if (argc != 2)
		return cli_error("bpf: usage: ward bpf status|load|unload");
	if (!strcmp(argv[1], "status"))
		return bpf_status_print(stdout) < 0 ? WARD_EXIT_ERROR : 0;
	/* What loads may change: the next run probes again. */
	if (strcmp(argv[1], "status"))
		probe_cache_forget();
	if (!strcmp(argv[1], "load")) {
		if (bpf_load_pinned(&err) < 0)
			return cli_error("bpf load: %s", err.message);
		return bpf_status_print(stdout) < 0 ? WARD_EXIT_ERROR : 0;
	}
	if (!strcmp(argv[1], "unload")) {
		if (bpf_unload_pinned(&err) < 0)
			return cli_error("bpf unload: %s", err.message);
		return 0;
	}
	return cli_error("bpf: unknown subcommand '%s' (status, load, unload)", argv[1]);
}
