/* plugins/builtin.c - the plugins compiled into lpardbg: the same structs
 * an external .so exports, so they pass the same checks. */
#include "plugins/plugins-int.h"

const struct lpd_plugin *const plugins_builtin[] = {
	&plugin_messaging,
	&plugin_paging,
	&plugin_backup,
};

const size_t plugins_builtin_count =
	sizeof(plugins_builtin) / sizeof(plugins_builtin[0]);
