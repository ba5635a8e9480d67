/* repo/debuginfod.c - fetching objects by build-id from the servers in
 * $DEBUGINFOD_URLS through libdebuginfod (which keeps its own cache);
 * import.c stores what comes back in the repository.
 *
 * libdebuginfod is opened with dlopen only when DEBUGINFOD_URLS is set,
 * as elfutils' libdwfl does: it pulls in libcurl and a TLS stack (some
 * thirty libraries) whose loading would otherwise cost every command,
 * including a plain bt, several milliseconds at start. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>

#include "repo/repo-int.h"

struct debuginfod_api {
	debuginfod_client *(*begin)(void);
	int (*find_debuginfo)(debuginfod_client *, const unsigned char *, int,
			      char **);
	int (*find_executable)(debuginfod_client *, const unsigned char *,
			       int, char **);
	void (*end)(debuginfod_client *);
};

/* Resolve the four entry points; the handle stays open for the process
 * (libdebuginfod keeps global state and is not meant to be unloaded). */
static struct lpd_error *
debuginfod_load(struct debuginfod_api *api)
{
	void *h = dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_LOCAL);

	if (h == NULL)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "debuginfod: "
					"cannot load libdebuginfod.so.1: %s",
					dlerror());
	*(void **)&api->begin = dlsym(h, "debuginfod_begin");
	*(void **)&api->find_debuginfo = dlsym(h, "debuginfod_find_debuginfo");
	*(void **)&api->find_executable =
		dlsym(h, "debuginfod_find_executable");
	*(void **)&api->end = dlsym(h, "debuginfod_end");
	if (api->begin == NULL || api->find_debuginfo == NULL ||
	    api->find_executable == NULL || api->end == NULL)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "debuginfod: "
					"libdebuginfod.so.1 lacks its API");
	return NULL;
}

struct lpd_error *
repo_debuginfod_fetch(enum repo_object_kind kind, const char *build_id,
		      char **ret)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct debuginfod_api api;
	debuginfod_client *c;
	struct lpd_error *err;
	char *path = NULL;
	int fd;

	if (urls == NULL || urls[0] == '\0' || build_id == NULL ||
	    build_id[0] == '\0' ||
	    strspn(build_id, "0123456789abcdef") != strlen(build_id))
		return &lpd_not_found;
	err = debuginfod_load(&api);
	if (err != NULL)
		return err;
	c = api.begin();
	if (c == NULL)
		return lpd_error_format(LPD_ERR_REMOTE, "debuginfod: cannot "
					"start a client");
	fd = kind == REPO_OBJECT_DEBUG
		? api.find_debuginfo(c, (const unsigned char *)build_id,
					    0, &path)
		: api.find_executable(c,
					     (const unsigned char *)build_id,
					     0, &path);
	api.end(c);
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
