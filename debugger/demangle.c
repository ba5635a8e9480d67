/* debugger/demangle.c - C++ and Rust (legacy and v0) names through
 * libiberty, as eu-stack and gdb print them. Choosing which raw name to
 * demangle is the caller's business. */
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "debugger/debugger.h"

/* Only the Itanium (_Z, which also covers legacy Rust) and Rust v0 (_R)
 * prefixes: auto mode would also try Java and D on plain C names. */
static bool
demangle_is_mangled(const char *name)
{
	return name[0] == '_' && (name[1] == 'Z' || name[1] == 'R');
}

char *
dbg_demangle(const char *name)
{
	const char *at;
	char *base = NULL, *raw, *out;

	if (name == NULL || !demangle_is_mangled(name))
		return NULL;
	/* Symbol versions ("_ZN3foo3barEv@@V1") are not part of the mangled
	 * name; keep them as a suffix. */
	at = strchr(name, '@');
	if (at != NULL) {
		base = lpd_strndup(name, (size_t)(at - name));
		if (base == NULL)
			return NULL;
	}
	raw = cplus_demangle(base != NULL ? base : name,
			     DMGL_PARAMS | DMGL_ANSI);
	lpd_free(base);
	if (raw == NULL)
		return NULL;
	/* libiberty allocates with malloc; callers free with lpd_free. */
	out = at != NULL ? lpd_asprintf("%s%s", raw, at) : lpd_strdup(raw);
	free(raw);
	return out;
}
