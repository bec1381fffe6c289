/* private_tmp.c — the sandbox's private HOME/TMPDIR: created 0700 for the
 * run, removed with everything in it after every task of the sandbox is
 * gone. Removal never follows symlinks (FTW_PHYS), so a link planted inside
 * cannot make ward delete files outside. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "sandbox/sandbox.h"

int private_tmp_create(const char *sandbox_id, char **path_out, ward_error *err)
{
	const char *base = getenv("TMPDIR");
	if (!base || base[0] != '/')
		base = "/tmp";
	char *path = NULL;
	if (asprintf(&path, "%s/%s-XXXXXX", base, sandbox_id) < 0)
		return ward_fail(err, -ENOMEM, "private directory: out of memory");
	if (!mkdtemp(path)) {
		int e = -errno;
		ward_fail_errno(err, e, "cannot create the private directory %s", path);
		free(path);
		return e;
	}
	*path_out = path;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void private_tmp_remove(const char *path)
{
	if (path && path[0] == '/')
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
