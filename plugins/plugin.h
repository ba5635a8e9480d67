/* plugins/plugin.h - the plugin ABI: what an analyzer plugin exports and
 * the host API it is handed. A plugin includes only this header and links
 * nothing of lpardbg: everything it may do to a dump goes through struct
 * lpd_plugin_host (Redis's GetApi, libgit2's versioned vtables, drgn's
 * finder ops).
 *
 * Versioning: every struct here starts with abi_version and size, which
 * never move. Members are only ever appended. A reader accepts
 * 0 < abi_version <= LPD_PLUGIN_ABI and reads a member only if size
 * covers it, so older plugins keep loading into newer hosts and a host
 * never reads past what a plugin built.
 *
 * The lower part ("host side") is lpardbg's own interface to the module:
 * plugins never call it. */
#ifndef LPD_PLUGINS_PLUGIN_H
#define LPD_PLUGINS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LPD_PLUGIN_ABI 1

/* The host's error (common/lpd.h), opaque here: plugins only pass on the
 * errors the host API returns or builds with error_format, so the host's
 * allocator owns every one. */
struct lpd_error;

/* Codes for error_format; the host maps them to its own. */
enum lpd_plugin_errc {
	LPD_PLUGIN_ERR_BAD_INPUT = 1,	/* the dump's data makes no sense */
	LPD_PLUGIN_ERR_NOT_FOUND,
	LPD_PLUGIN_ERR_FAULT,		/* memory not in the dump */
	LPD_PLUGIN_ERR_UNSUPPORTED,
	LPD_PLUGIN_ERR_INVALID_ARG,
};

/* Largest read_memory request; longer reads are refused (INVALID_ARG). */
#define LPD_PLUGIN_READ_MAX (1u << 20)

/* One dump as a plugin sees it. Strings are borrowed for the call. */
struct lpd_plugin_target {
	uint32_t abi_version;
	uint32_t size;
	const char *core;		/* path of the core */
	const char *executable;		/* the process's name as the core
					 * records it (pr_fname, 15 chars at
					 * most: "vios-vke"); may be NULL */
	const char *arch;		/* "x86_64", ...; may be NULL */
	int signo;			/* fatal signal, 0 when none */
	void *host_data;		/* the host's; plugins leave it alone */
};

/* Facts being collected for one analysis: opaque, filled by emit_fact. */
struct lpd_plugin_facts;

/* An argument of a fact: a string (str != NULL) or a number. */
struct lpd_plugin_arg {
	const char *str;
	double num;
};

/* A member of a struct type, asked for by name; find_type fills the rest.
 * NAME may be a path through nested members: "last_frame.hdr.seq". */
struct lpd_plugin_field {
	const char *name;
	uint64_t offset;		/* from the start of the struct */
	uint64_t size;			/* bytes */
};

/* The plugin's only door into lpardbg. Never NULL members, at this ABI. */
struct lpd_plugin_host {
	uint32_t abi_version;		/* LPD_PLUGIN_ABI of the host */
	uint32_t size;			/* sizeof(struct lpd_plugin_host) */
	/* Read LEN (<= LPD_PLUGIN_READ_MAX) bytes of the target's memory at
	 * ADDR into BUF: LPD_PLUGIN_ERR_FAULT when any byte is not in the
	 * dump. Nothing is read past LEN. */
	struct lpd_error *(*read_memory)(const struct lpd_plugin_target *t,
					 uint64_t addr, void *buf,
					 size_t len);
	/* Run-time address of the global NAME (function or variable):
	 * LPD_PLUGIN_ERR_NOT_FOUND when no module defines it. */
	struct lpd_error *(*find_symbol)(const struct lpd_plugin_target *t,
					 const char *name,
					 uint64_t *addr_ret);
	/* Layout of TYPE ("struct vke") from the target's DWARF: its size,
	 * and offset and size of each of the N FIELDS asked for (NOT_FOUND
	 * names the first one missing). */
	struct lpd_error *(*find_type)(const struct lpd_plugin_target *t,
				       const char *type,
				       struct lpd_plugin_field *fields,
				       size_t n, uint64_t *size_ret);
	/* Record PRED(ARGS...) about the dump; PRED is an identifier
	 * ([A-Za-z_][A-Za-z0-9_]*), at most 16 arguments. */
	struct lpd_error *(*emit_fact)(struct lpd_plugin_facts *out,
				       const char *pred,
				       const struct lpd_plugin_arg *args,
				       size_t n);
	/* A new error of CODE (enum lpd_plugin_errc) with a printf message. */
	struct lpd_error *(*error_format)(int code, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Free an error the plugin decided not to return (e.g. a FAULT it
	 * tolerates). */
	void (*error_destroy)(struct lpd_error *err);
	/* The unsigned integer of SIZE (1, 2, 4 or 8) bytes at ADDR, in the
	 * target's byte order (a plugin cannot know it): BAD_INPUT for
	 * another size, FAULT when not in the dump. Appended: check that
	 * the host's size covers it. */
	struct lpd_error *(*read_uint)(const struct lpd_plugin_target *t,
				       uint64_t addr, uint64_t size,
				       uint64_t *ret);
};

/* What a plugin exports, through lpd_plugin_entry(). Append-only; the
 * first two fields never move. */
struct lpd_plugin {
	uint32_t abi_version;		/* LPD_PLUGIN_ABI it was built with */
	uint32_t size;			/* sizeof(struct lpd_plugin) then */
	const char *name;		/* identifier-like; never NULL */
	const char *version;		/* never NULL; with NAME keys facts */
	const char *rules;		/* Datalog rule text; may be NULL */
	/* Set up per-process state; may be NULL (state is then NULL). */
	struct lpd_error *(*init)(const struct lpd_plugin_host *host,
				  void **state_ret);
	void (*fini)(void *state);	/* may be NULL */
	/* Cheap probe: is T a dump this plugin understands? May be NULL
	 * (always). */
	bool (*match)(void *state, const struct lpd_plugin_target *t);
	/* Read T and emit facts into OUT; never NULL. */
	struct lpd_error *(*analyze)(void *state,
				     const struct lpd_plugin_target *t,
				     struct lpd_plugin_facts *out);
};

/* The only symbol an external plugin (.so) exports. */
const struct lpd_plugin *lpd_plugin_entry(void);

/* ---- helpers for plugins: built on the host API alone ----------------- */

/* State of a plugin that keeps nothing but the host. */
struct lpd_plugin_state {
	const struct lpd_plugin_host *host;
};

/** An init for plugins that need the host API up to read_uint and keep
 * no other state; lpd_plugin_state_host() gets the host back. */
static inline struct lpd_error *
lpd_plugin_init_host(const struct lpd_plugin_host *host, void **state_ret)
{
	static struct lpd_plugin_state st;	/* one per plugin's file */

	if (host->abi_version < 1 ||
	    host->size < offsetof(struct lpd_plugin_host, read_uint) +
			 sizeof(host->read_uint))
		return host->error_format(LPD_PLUGIN_ERR_UNSUPPORTED,
					  "host API too old");
	st.host = host;
	*state_ret = &st;
	return NULL;
}

static inline const struct lpd_plugin_host *
lpd_plugin_state_host(void *state)
{
	return ((struct lpd_plugin_state *)state)->host;
}

/** Does T define every one of the N globals NAMES? (A match() probe.) */
static inline bool
lpd_plugin_has_symbols(const struct lpd_plugin_host *h,
		       const struct lpd_plugin_target *t,
		       const char *const *names, size_t n)
{
	uint64_t addr;

	for (size_t i = 0; i < n; i++) {
		struct lpd_error *err = h->find_symbol(t, names[i], &addr);

		if (err != NULL) {
			h->error_destroy(err);
			return false;
		}
	}
	return true;
}

/** The NUL-terminated string at ADDR into BUF, at most CAP - 1 bytes
 * (cut there), control characters shown as '?': it came from a dump. */
static inline struct lpd_error *
lpd_plugin_read_string(const struct lpd_plugin_host *h,
		       const struct lpd_plugin_target *t, uint64_t addr,
		       char *buf, size_t cap)
{
	struct lpd_error *err;
	size_t i;

	for (i = 0; i + 1 < cap; i++) {
		if ((err = h->read_memory(t, addr + i, &buf[i], 1)) != NULL)
			return err;
		if (buf[i] == '\0')
			return NULL;
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	}
	buf[i] = '\0';
	return NULL;
}

/** The unsigned integer member F of the struct at BASE, in the target's
 * byte order. */
static inline struct lpd_error *
lpd_plugin_read_field(const struct lpd_plugin_host *h,
		      const struct lpd_plugin_target *t, uint64_t base,
		      const struct lpd_plugin_field *f, uint64_t *ret)
{
	return h->read_uint(t, base + f->offset, f->size, ret);
}

/* ---- host side: lpardbg only ------------------------------------------ */

struct dbg_target;
struct reason_analysis;
struct reason_rules;
struct plugins;			/* opaque: the plugins of one run */

/** The built-in plugins (plugins/builtin.c), initialized. Caller owns
 * *RET; free with plugins_destroy(). */
struct lpd_error *plugins_create(struct plugins **ret);
void plugins_destroy(struct plugins *s);
/** Check P against this host's ABI (version, size covering the members
 * it must have, names); ORIGIN names it in errors (LPD_ERR_UNSUPPORTED or
 * LPD_ERR_BAD_INPUT). Reads no member that P's size does not cover. */
struct lpd_error *plugins_check(const struct lpd_plugin *p,
				const char *origin);
/** dlopen PATH, check and init its plugin, and add it to S. Errors name
 * PATH: no such file, no lpd_plugin_entry, ABI too new, bad struct. */
struct lpd_error *plugins_load(struct plugins *s, const char *path);
/** plugins_load() every *.so in DIR (sorted); a missing DIR is fine. */
struct lpd_error *plugins_load_dir(struct plugins *s, const char *dir);
/** The default directory: $XDG_DATA_HOME/lpardbg/plugins, or
 * ~/.local/share/lpardbg/plugins. Caller frees; NULL when no home. */
char *plugins_default_dir(void);

size_t plugins_count(const struct plugins *s);
/** Name, version and origin ("built-in" or the .so path) of plugin I.
 * Borrowed from S. */
void plugins_info(const struct plugins *s, size_t i, const char **name,
		  const char **version, const char **origin,
		  bool *has_rules);
/** Add every plugin's rule text to R (errors name the plugin). */
struct lpd_error *plugins_add_rules(const struct plugins *s,
				    struct reason_rules *r);
/** Run every plugin whose match() accepts T over it, adding their facts
 * to A (each carrying the plugin's name and version). A plugin's failure
 * does not stop the others: it is reported through WARN (may be NULL). */
struct lpd_error *plugins_analyze(const struct plugins *s,
				  struct dbg_target *t,
				  struct reason_analysis *a,
				  void (*warn)(void *arg, const char *msg),
				  void *warn_arg);

#endif
