/* repo/debuginfod.c - fetching objects by build-id from the servers in
 * $DEBUGINFOD_URLS through libdebuginfod (which keeps its own cache);
 * import.c stores what comes back in the repository. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>

#include "repo/repo-int.h"

struct lpd_error *
repo_debuginfod_fetch(enum repo_object_kind kind, const char *build_id,
		      char **ret)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	debuginfod_client *c;
	struct lpd_error *err;
	char *path = NULL;
	int fd;

	if (urls == NULL || urls[0] == '\0' || build_id == NULL ||
	    build_id[0] == '\0' ||
	    strspn(build_id, "0123456789abcdef") != strlen(build_id))
		return &lpd_not_found;
	c = debuginfod_begin();
	if (c == NULL)
		return lpd_error_format(LPD_ERR_REMOTE, "debuginfod: cannot "
					"start a client");
	fd = kind == REPO_OBJECT_DEBUG
		? debuginfod_find_debuginfo(c, (const unsigned char *)build_id,
					    0, &path)
		: debuginfod_find_executable(c,
					     (const unsigned char *)build_id,
					     0, &path);
	debuginfod_end(c);
	/* libdebuginfod returns -errno; a miss is ENOENT. */
	if (fd < 0) {
		if (fd == -ENOENT)
			return &lpd_not_found;
		return lpd_error_format(LPD_ERR_REMOTE, "debuginfod: %s %s "
					"from %s: %s", kind == REPO_OBJECT_DEBUG
					? "debuginfo" : "executable", build_id,
					urls, strerror(-fd));
	}
	close(fd);
	/* path comes from libdebuginfod's malloc: copy it to ours. */
	*ret = lpd_strdup(path);
	err = *ret == NULL ? &lpd_enomem : NULL;
	free(path);
	return err;
}
