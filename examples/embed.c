/* embed.c — running a command under ward from C: the default profile, plus
 * a read grant and a memory limit, events printed as they come. */
#include <stdio.h>
#include <ward.h>

static void print_event(const char *json, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "event: %s\n", json);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARG...]\n", argv[0]);
		return 2;
	}
	ward_error err = {0};
	ward_policy *policy = ward_policy_new();
	if (!policy || ward_policy_use_profile(policy, "default", &err) < 0 ||
	    ward_policy_fs_allow(policy, "/srv", WARD_FS_READ, &err) < 0 ||
	    ward_policy_set_limit(policy, WARD_LIMIT_MEMORY, "256M", &err) < 0) {
		fprintf(stderr, "policy: %s\n", err.message);
		return 125;
	}
	struct ward_spawn_options options = {.on_event = print_event};
	struct ward_exit result;
	int r = ward_run(policy, argv + 1, &options, &result, &err);
	ward_policy_free(policy);
	if (r < 0) {
		fprintf(stderr, "ward: %s\n", err.message);
		return err.exit_status;
	}
	return result.code;
}
