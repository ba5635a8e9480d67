/* plugins/host.c - the host side of the plugin ABI: the API plugins are
 * handed (memory, symbols and types of a debugger target), the checks a
 * plugin struct passes before anything else of it is read, and running
 * plugins over a target into reasoning's facts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "debugger/debugger.h"
#include "plugins/plugins-int.h"
#include "reasoning/reasoning.h"

/* What host_data points at while a plugin runs. */
struct host_target {
	struct dbg_target *t;
};

/* The facts a plugin emits go straight into the analysis, stamped with
 * the plugin's name and version. */
struct lpd_plugin_facts {
	struct reason_analysis *a;
	const struct lpd_plugin *p;
};

static struct dbg_target *
host_dbg(const struct lpd_plugin_target *pt)
{
	return ((const struct host_target *)pt->host_data)->t;
}

static struct lpd_error *
host_read_memory(const struct lpd_plugin_target *pt, uint64_t addr,
		 void *buf, size_t len)
{
	if (len > LPD_PLUGIN_READ_MAX)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"read of %zu bytes at 0x%llx: over "
					"the %u-byte limit", len,
					(unsigned long long)addr,
					LPD_PLUGIN_READ_MAX);
	if (len == 0)
		return NULL;
	if (addr + len < addr)
		return lpd_error_fault(addr);
	return dump_read(dbg_target_dump(host_dbg(pt)), addr, buf, len);
}

static struct lpd_error *
host_read_uint(const struct lpd_plugin_target *pt, uint64_t addr,
	       uint64_t size, uint64_t *ret)
{
	struct dump *d = dbg_target_dump(host_dbg(pt));
	bool big = dump_get_arch(d)->big_endian;
	struct lpd_error *err;
	uint8_t b[8];

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "field of %llu "
					"bytes at 0x%llx is not an integer",
					(unsigned long long)size,
					(unsigned long long)addr);
	if ((err = dump_read(d, addr, b, size)) != NULL)
		return err;
	switch (size) {
	case 1:
		*ret = b[0];
		break;
	case 2:
		*ret = lpd_load_u16(b, big);
		break;
	case 4:
		*ret = lpd_load_u32(b, big);
		break;
	default:
		*ret = lpd_load_u64(b, big);
	}
	return NULL;
}

/* Names go into expressions for the evaluator: only identifiers, spaces
 * (for "struct x") and, where PATH allows, member paths with dots. */
static bool
host_name_ok(const char *s, bool path)
{
	if (s == NULL || *s == '\0' || strlen(s) > 200)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == ' ' ||
		      (path && *s == '.')))
			return false;
	return true;
}

/* Evaluate EXPR (globals only) to a number. */
static struct lpd_error *
host_eval_u64(struct dbg_target *t, const char *expr, uint64_t *ret)
{
	struct dbg_value *v = NULL;
	struct lpd_error *err = dbg_eval(t, NULL, 0, expr, &v);

	if (err == NULL && !dbg_value_to_address(v, ret))
		err = lpd_error_format(LPD_ERR_INVALID_ARG,
				       "'%s' is not a number", expr);
	dbg_value_destroy(v);
	return err;
}

static struct lpd_error *
host_find_symbol(const struct lpd_plugin_target *pt, const char *name,
		 uint64_t *addr_ret)
{
	struct lpd_error *err;
	char expr[256];

	if (!host_name_ok(name, false) || strchr(name, ' ') != NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"bad symbol name '%s'",
					name != NULL ? name : "(null)");
	snprintf(expr, sizeof(expr), "&%s", name);
	err = host_eval_u64(host_dbg(pt), expr, addr_ret);
	if (err != NULL) {
		lpd_error_destroy(err);
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"no symbol '%s' in the target", name);
	}
	return NULL;
}

/* Offset and size of member PATH ("a.b.c") of TYPE. The evaluator reads
 * memory for '.', so a path is walked one member at a time: the type of
 * &((T *)0)->a names the struct in which b is looked up next. */
static struct lpd_error *
host_member(struct dbg_target *t, const char *type, const char *path,
	    struct lpd_plugin_field *ret)
{
	struct lpd_buf tn = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	char cur[256], comp[256], expr[768];
	uint64_t off = 0, o;

	snprintf(cur, sizeof(cur), "%s", type);
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t len = dot != NULL ? (size_t)(dot - path) : strlen(path);
		struct dbg_value *v = NULL;

		if (len == 0 || len >= sizeof(comp))
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"bad member path");
		memcpy(comp, path, len);
		comp[len] = '\0';
		snprintf(expr, sizeof(expr), "&((%s *)0)->%s", cur, comp);
		if ((err = dbg_eval(t, NULL, 0, expr, &v)) != NULL)
			break;
		if (!dbg_value_to_address(v, &o)) {
			dbg_value_destroy(v);
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "no offset");
			break;
		}
		off += o;
		if (dot == NULL) {
			dbg_value_destroy(v);
			snprintf(expr, sizeof(expr), "sizeof(((%s *)0)->%s)",
				 cur, comp);
			err = host_eval_u64(t, expr, &ret->size);
			break;
		}
		tn.len = 0;
		err = dbg_value_type_name(v, &tn);
		dbg_value_destroy(v);
		if (err != NULL)
			break;
		/* "struct msg_frame *" -> "struct msg_frame" */
		if (tn.len < 3 || tn.len - 2 >= sizeof(cur) ||
		    strcmp(tn.data + tn.len - 2, " *") != 0) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG,
					       "member type not a struct");
			break;
		}
		memcpy(cur, tn.data, tn.len - 2);
		cur[tn.len - 2] = '\0';
		path = dot + 1;
	}
	lpd_buf_deinit(&tn);
	ret->offset = off;
	return err;
}

static struct lpd_error *
host_find_type(const struct lpd_plugin_target *pt, const char *type,
	       struct lpd_plugin_field *fields, size_t n, uint64_t *size_ret)
{
	struct dbg_target *t = host_dbg(pt);
	struct lpd_error *err;
	char expr[512];
	size_t i;

	if (!host_name_ok(type, false))
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"bad type name '%s'",
					type != NULL ? type : "(null)");
	snprintf(expr, sizeof(expr), "sizeof(%s)", type);
	if ((err = host_eval_u64(t, expr, size_ret)) != NULL) {
		lpd_error_destroy(err);
		return lpd_error_format(LPD_ERR_NOT_FOUND,
					"no type '%s' in the target's DWARF",
					type);
	}
	/* Offsets as C computes them, through the DWARF-typed evaluator:
	 * nothing is read at address 0. */
	for (i = 0; i < n; i++) {
		const char *f = fields[i].name;

		if (!host_name_ok(f, true) || strchr(f, ' ') != NULL)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"bad member name '%s'",
						f != NULL ? f : "(null)");
		if ((err = host_member(t, type, f, &fields[i])) != NULL) {
			lpd_error_destroy(err);
			return lpd_error_format(LPD_ERR_NOT_FOUND,
						"%s has no member '%s'", type,
						f);
		}
	}
	return NULL;
}

static struct lpd_error *
host_emit_fact(struct lpd_plugin_facts *out, const char *pred,
	       const struct lpd_plugin_arg *args, size_t n)
{
	struct reason_term t[16];
	size_t i;

	if (n > 16)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"fact %s: %zu arguments, at most 16",
					pred != NULL ? pred : "?", n);
	for (i = 0; i < n; i++)
		t[i] = (struct reason_term){ .is_num = args[i].str == NULL,
					     .sym = args[i].str,
					     .num = args[i].num };
	return reason_analysis_add_fact(out->a, out->p->name, out->p->version,
					pred, t, n);
}

static struct lpd_error *host_error_format(int code, const char *fmt, ...)
	LPD_PRINTF(2, 3);

static struct lpd_error *
host_error_format(int code, const char *fmt, ...)
{
	static const enum lpd_error_code map[] = {
		[LPD_PLUGIN_ERR_BAD_INPUT] = LPD_ERR_BAD_INPUT,
		[LPD_PLUGIN_ERR_NOT_FOUND] = LPD_ERR_NOT_FOUND,
		[LPD_PLUGIN_ERR_FAULT] = LPD_ERR_FAULT,
		[LPD_PLUGIN_ERR_UNSUPPORTED] = LPD_ERR_UNSUPPORTED,
		[LPD_PLUGIN_ERR_INVALID_ARG] = LPD_ERR_INVALID_ARG,
	};
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_error_vformat(code > 0 && (size_t)code < sizeof(map) /
				sizeof(map[0]) ? map[code]
					       : LPD_ERR_INVALID_ARG, fmt, ap);
	va_end(ap);
	return err;
}

const struct lpd_plugin_host plugins_host = {
	.abi_version = LPD_PLUGIN_ABI,
	.size = sizeof(struct lpd_plugin_host),
	.read_memory = host_read_memory,
	.find_symbol = host_find_symbol,
	.find_type = host_find_type,
	.emit_fact = host_emit_fact,
	.error_format = host_error_format,
	.error_destroy = lpd_error_destroy,
	.read_uint = host_read_uint,
};

/* ---- checking and keeping plugins ----------------------------------- */

/* Bytes of struct lpd_plugin up to and including MEMBER. */
#define PLUGIN_COVER(member) \
	(offsetof(struct lpd_plugin, member) + \
	 sizeof(((struct lpd_plugin *)0)->member))

static bool
plugin_ident_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

struct lpd_error *
plugins_check(const struct lpd_plugin *p, const char *origin)
{
	if (p == NULL)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: lpd_plugin_entry() returned NULL",
					origin);
	if (p->abi_version == 0)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: plugin ABI version 0 is invalid",
					origin);
	if (p->abi_version > LPD_PLUGIN_ABI)
		return lpd_error_format(LPD_ERR_UNSUPPORTED,
					"%s: plugin built for ABI %u, this "
					"lpardbg supports up to %u: update "
					"lpardbg or rebuild the plugin",
					origin, p->abi_version,
					LPD_PLUGIN_ABI);
	/* Name, version and analyze are what every ABI since 1 has: a size
	 * that does not cover them is a broken plugin, and nothing past
	 * size is read. */
	if (p->size < PLUGIN_COVER(analyze))
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: plugin struct size %u does not "
					"cover analyze (needs %zu for ABI %u)",
					origin, p->size, PLUGIN_COVER(analyze),
					p->abi_version);
	if (!plugin_ident_ok(p->name))
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: plugin name missing or not "
					"[A-Za-z0-9_-]{1,64}", origin);
	if (p->version == NULL || p->analyze == NULL)
		return lpd_error_format(LPD_ERR_BAD_INPUT,
					"%s: plugin %s has no %s", origin,
					p->name, p->version == NULL
					? "version" : "analyze");
	return NULL;
}

struct lpd_error *
plugins_add(struct plugins *s, const struct lpd_plugin *p,
	    const char *origin, void *dl)
{
	struct plugin_slot *v, *slot;
	struct lpd_error *err;
	size_t i;

	if ((err = plugins_check(p, origin)) != NULL)
		return err;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].p.name, p->name) == 0)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"%s: a plugin named %s is "
						"already loaded (from %s)",
						origin, p->name,
						s->v[i].origin);
	v = lpd_reallocarray(s->v, s->n + 1, sizeof(*v));
	if (v == NULL)
		return &lpd_enomem;
	s->v = v;
	slot = &v[s->n];
	memset(slot, 0, sizeof(*slot));
	/* A newer minor build may be larger: take only what we know. */
	memcpy(&slot->p, p, p->size < sizeof(slot->p) ? p->size
						       : sizeof(slot->p));
	slot->p.size = sizeof(slot->p);
	if ((slot->origin = lpd_strdup(origin)) == NULL)
		return &lpd_enomem;
	if (slot->p.init != NULL &&
	    (err = slot->p.init(&plugins_host, &slot->state)) != NULL) {
		lpd_free(slot->origin);
		return lpd_error_prefix(err, "%s: plugin %s: init", origin,
					p->name);
	}
	slot->dl = dl;
	s->n++;
	return NULL;
}

struct lpd_error *
plugins_create(struct plugins **ret)
{
	struct plugins *s = lpd_calloc(1, sizeof(*s));
	struct lpd_error *err;

	if (s == NULL)
		return &lpd_enomem;
	for (size_t i = 0; i < plugins_builtin_count; i++) {
		if ((err = plugins_add(s, plugins_builtin[i], "built-in",
				       NULL)) != NULL) {
			plugins_destroy(s);
			return err;
		}
	}
	*ret = s;
	return NULL;
}

size_t
plugins_count(const struct plugins *s)
{
	return s->n;
}

void
plugins_info(const struct plugins *s, size_t i, const char **name,
	     const char **version, const char **origin, bool *has_rules)
{
	const struct plugin_slot *slot = &s->v[i];

	*name = slot->p.name;
	*version = slot->p.version;
	*origin = slot->origin;
	*has_rules = slot->p.rules != NULL;
}

struct lpd_error *
plugins_add_rules(const struct plugins *s, struct reason_rules *r)
{
	struct lpd_error *err;
	char file[128];

	for (size_t i = 0; i < s->n; i++) {
		const struct lpd_plugin *p = &s->v[i].p;

		if (p->rules == NULL)
			continue;
		snprintf(file, sizeof(file), "<plugin %s>", p->name);
		if ((err = reason_rules_add(r, p->rules, strlen(p->rules),
					    file)) != NULL)
			return err;
	}
	return NULL;
}

struct lpd_error *
plugins_analyze(const struct plugins *s, struct dbg_target *t,
		struct reason_analysis *a,
		void (*warn)(void *arg, const char *msg), void *warn_arg)
{
	struct dump *d = dbg_target_dump(t);
	const struct dump_arch *arch = dump_get_arch(d);
	struct host_target ht = { .t = t };
	struct dump_siginfo si;
	const struct dump_process *proc = dump_get_process(d);
	struct lpd_plugin_target pt = {
		.abi_version = LPD_PLUGIN_ABI,
		.size = sizeof(pt),
		.core = dump_path(d),
		.arch = arch != NULL ? arch->name : NULL,
		.host_data = &ht,
	};

	if (dump_get_siginfo(d, &si))
		pt.signo = si.signo;
	if (proc != NULL && proc->fname[0] != '\0')
		pt.executable = proc->fname;
	for (size_t i = 0; i < s->n; i++) {
		const struct plugin_slot *slot = &s->v[i];
		struct lpd_plugin_facts out = { .a = a, .p = &slot->p };
		struct lpd_error *err;

		if (slot->p.match != NULL &&
		    !slot->p.match(slot->state, &pt))
			continue;
		err = slot->p.analyze(slot->state, &pt, &out);
		if (err == NULL)
			continue;
		if (err == &lpd_enomem)
			return err;
		if (warn != NULL) {
			char *msg = lpd_asprintf("plugin %s %s: %s",
						 slot->p.name,
						 slot->p.version,
						 err->message);

			warn(warn_arg, msg != NULL ? msg : err->message);
			lpd_free(msg);
		}
		lpd_error_destroy(err);
	}
	return NULL;
}
