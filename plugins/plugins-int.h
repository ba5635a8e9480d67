/* plugins/plugins-int.h - private to plugins/ (host, loader, built-ins)
 * and its tests. */
#ifndef LPD_PLUGINS_INT_H
#define LPD_PLUGINS_INT_H

#include "common/lpd.h"
#include "plugins/plugin.h"

/* One plugin of a run: a copy of its struct, zero past what its size
 * covered, so members it did not have read as NULL. */
struct plugin_slot {
	struct lpd_plugin p;
	void *state;		/* from init() */
	void *dl;		/* dlopen handle; NULL for built-ins */
	char *origin;		/* "built-in" or the .so path */
};

struct plugins {
	struct plugin_slot *v;
	size_t n;
};

/* builtin.c */
extern const struct lpd_plugin *const plugins_builtin[];
extern const size_t plugins_builtin_count;

/* host.c */
extern const struct lpd_plugin_host plugins_host;
/** Check P (from ORIGIN), copy it into a new slot of S and init it; DL
 * (may be NULL) is closed with S. On error S is unchanged and DL is not
 * closed. */
struct lpd_error *plugins_add(struct plugins *s, const struct lpd_plugin *p,
			      const char *origin, void *dl);

/* messaging.c */
extern const struct lpd_plugin plugin_messaging;

/* paging.c */
extern const struct lpd_plugin plugin_paging;

/* backup.c */
extern const struct lpd_plugin plugin_backup;

#endif
