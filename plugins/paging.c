/* plugins/paging.c - concurrent OS update by paging (issue 10) seen from a
 * dump of the LPAR runtime (lpar-rt): the update phase and generation,
 * the live image and its version, which image the operations table lives
 * in, any OS pointer that points outside every live image (the
 * stale-pointer bug), the workers and the page-in progress, as facts.
 *
 * Everything goes through the host API of plugin.h. The runtime's state
 * is its file-scope globals (cur_img, gen, gen_version, workers,
 * nworkers, quiesce_req, parked, stale_call, lpar_name), laid out by the
 * core's DWARF (struct image, struct worker, struct os_ops in
 * services/paging/lpar-rt.c and paging.h). The extent of a live image is
 * read from its own ELF program headers at the load base its dlopen
 * handle (glibc: a struct link_map, whose first member l_addr is ABI)
 * records; the ELF header page is in every dump (lpardbg dump and the
 * kernel's ELF-headers filter), the catalog pages never are (the runtime
 * keeps them MADV_DONTDUMP). Every byte of the dump is untrusted: counts
 * are bounded and strings read byte by byte up to a limit. */
#include <stdio.h>
#include <string.h>

#include "plugins/plugin.h"

#define PG_PLUGIN_VERSION "1.0"
#define PG_MAX_WORKERS 32	/* lpar-rt's MAX_WORKERS: more is corrupt */
#define PG_MAX_GEN 4096		/* lpar-rt's MAX_GEN: gen_version's length */
#define PG_HISTORY 16		/* generations reported, newest last */
#define PG_NAME_LEN 32
#define PG_PAGE_SIZE 4096
#define PG_MAX_PHDRS 64

enum {
	I_NAME, I_VERSION, I_NPAGES, I_SO_PAGES, I_DL, I_OPS, I_NCAT,
	I_FAULTS, I_UFFD, I_COUNT
};
static const char *const image_fields[I_COUNT] = {
	"name", "info.os_version", "info.npages", "info.so_pages", "dl",
	"ops", "ncat", "faults", "uffd_running",
};

enum { W_ID, W_CALLS, W_FAILED, W_BASE, W_COUNT };
static const char *const worker_fields[W_COUNT] = {
	"id", "calls", "failed", "base_calls",
};

/* The OS's entry points, as lpar-rt calls them. */
enum { O_VERSION, O_INIT, O_EXPORT, O_IMPORT, O_OPEN, O_CALL, O_HCALLS,
       O_FINI, O_COUNT };
static const char *const ops_fields[O_COUNT] = {
	"version", "init", "state_export", "state_import", "open", "call",
	"handle_calls", "fini",
};

struct pg_layout {
	struct lpd_plugin_field image[I_COUNT];
	struct lpd_plugin_field worker[W_COUNT];
	struct lpd_plugin_field ops[O_COUNT];
	uint64_t image_size, worker_size, ops_size;
};

struct pg_run {
	const struct lpd_plugin_host *h;
	const struct lpd_plugin_target *t;
	struct lpd_plugin_facts *out;
	struct pg_layout l;
};

/* One loaded image's address range, [lo, hi). */
struct pg_range {
	uint64_t lo, hi;
};

/* lpar-rt is the program with both the live-image pointer and the
 * generation table. */
static bool
pg_match(void *state, const struct lpd_plugin_target *t)
{
	static const char *const need[] = { "cur_img", "gen_version",
					    "stale_call" };

	return lpd_plugin_has_symbols(lpd_plugin_state_host(state), t, need,
				      sizeof(need) / sizeof(need[0]));
}

/* Reads go through the host, which knows the target's byte order. */
static struct lpd_error *
pg_field(struct pg_run *r, uint64_t base, const struct lpd_plugin_field *f,
	 uint64_t *ret)
{
	return lpd_plugin_read_field(r->h, r->t, base, f, ret);
}

/* The global NAME, an integer or pointer of SIZE bytes. */
static struct lpd_error *
pg_global(struct pg_run *r, const char *name, uint64_t size, uint64_t *ret)
{
	struct lpd_error *err;
	uint64_t addr;

	if ((err = r->h->find_symbol(r->t, name, &addr)) != NULL)
		return err;
	return r->h->read_uint(r->t, addr, size, ret);
}

static struct lpd_error *
pg_layout(struct pg_run *r)
{
	struct lpd_error *err;
	size_t i;

	for (i = 0; i < I_COUNT; i++)
		r->l.image[i].name = image_fields[i];
	for (i = 0; i < W_COUNT; i++)
		r->l.worker[i].name = worker_fields[i];
	for (i = 0; i < O_COUNT; i++)
		r->l.ops[i].name = ops_fields[i];
	if ((err = r->h->find_type(r->t, "struct image", r->l.image, I_COUNT,
				   &r->l.image_size)) != NULL ||
	    (err = r->h->find_type(r->t, "struct worker", r->l.worker,
				   W_COUNT, &r->l.worker_size)) != NULL ||
	    (err = r->h->find_type(r->t, "struct os_ops", r->l.ops, O_COUNT,
				   &r->l.ops_size)) != NULL)
		return err;
	if (r->l.worker_size == 0)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "struct worker has size 0");
	return NULL;
}

static struct lpd_error *
pg_emit(struct pg_run *r, const char *pred, const struct lpd_plugin_arg *a,
	size_t n)
{
	return r->h->emit_fact(r->out, pred, a, n);
}

#define STR(s) ((struct lpd_plugin_arg){ .str = (s) })
#define NUM(v) ((struct lpd_plugin_arg){ .num = (double)(v) })

static uint64_t
le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The range the image loaded at BASE spans: its PT_LOAD segments, from
 * the ELF header and program headers mapped there. */
static struct lpd_error *
pg_elf_range(struct pg_run *r, uint64_t base, struct pg_range *ret)
{
	uint8_t eh[64], ph[56];
	struct lpd_error *err;
	uint64_t phoff, lo = UINT64_MAX, hi = 0;
	unsigned phentsize, phnum;

	if ((err = r->h->read_memory(r->t, base, eh, sizeof(eh))) != NULL)
		return err;
	if (memcmp(eh, "\177ELF", 4) != 0 || eh[4] != 2 /* ELFCLASS64 */ ||
	    eh[5] != 1 /* little-endian */)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "no 64-bit ELF header at 0x%llx",
					  (unsigned long long)base);
	phoff = le(eh + 32, 8);
	phentsize = (unsigned)le(eh + 54, 2);
	phnum = (unsigned)le(eh + 56, 2);
	if (phentsize < sizeof(ph) || phnum == 0 || phnum > PG_MAX_PHDRS ||
	    phoff > PG_PAGE_SIZE)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "implausible program headers at "
					  "0x%llx", (unsigned long long)base);
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t vaddr, memsz;

		if ((err = r->h->read_memory(r->t, base + phoff +
					     (uint64_t)i * phentsize, ph,
					     sizeof(ph))) != NULL)
			return err;
		if (le(ph, 4) != 1 /* PT_LOAD */)
			continue;
		vaddr = le(ph + 16, 8);
		memsz = le(ph + 40, 8);
		if (vaddr + memsz < vaddr || base + vaddr + memsz < base)
			return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
						  "PT_LOAD wraps at 0x%llx",
						  (unsigned long long)base);
		if (vaddr < lo)
			lo = vaddr;
		if (vaddr + memsz > hi)
			hi = vaddr + memsz;
	}
	if (hi == 0)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "no PT_LOAD at 0x%llx",
					  (unsigned long long)base);
	ret->lo = base + (lo & ~(uint64_t)(PG_PAGE_SIZE - 1));
	ret->hi = base + hi;
	return NULL;
}

/* The live image's range: from its ELF headers; when they are not in
 * the dump, the ELF part's pages from the load base (what the pager
 * delivered) stand for it. */
static struct lpd_error *
pg_image_range(struct pg_run *r, uint64_t dl, uint64_t so_pages,
	       struct pg_range *ret)
{
	struct lpd_error *err;
	uint64_t base;

	if (dl == 0)
		return r->h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					  "live image has no dlopen handle");
	if ((err = r->h->read_uint(r->t, dl, 8, &base)) != NULL)
		return err;
	err = pg_elf_range(r, base, ret);
	if (err == NULL)
		return NULL;
	r->h->error_destroy(err);
	ret->lo = base;
	ret->hi = base + so_pages * PG_PAGE_SIZE;
	return NULL;
}

static bool
pg_inside(const struct pg_range *live, size_t n, uint64_t p)
{
	for (size_t i = 0; i < n; i++)
		if (p >= live[i].lo && p < live[i].hi)
			return true;
	return false;
}

static struct lpd_error *
pg_stale(struct pg_run *r, const char *op, uint64_t p)
{
	char hex[24];
	struct lpd_plugin_arg a[] = { STR(op), STR(hex) };

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)p);
	return pg_emit(r, "paging_stale_pointer", a, 2);
}

/* The operations table: which image it lives in, and every entry point
 * it holds, plus the pointer the runtime itself keeps to an OS entry
 * (stale_call), checked against the live images. */
static struct lpd_error *
pg_ops(struct pg_run *r, const char *img_name, uint64_t ops,
       const struct pg_range *live, size_t nlive)
{
	struct lpd_error *err;
	uint64_t v, kept;
	char hex[24];

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)ops);
	{
		struct lpd_plugin_arg a[] = {
			STR(pg_inside(live, nlive, ops) ? img_name : "none"),
			STR(hex),
		};

		if ((err = pg_emit(r, "paging_ops_table", a, 2)) != NULL)
			return err;
	}
	if (!pg_inside(live, nlive, ops)) {
		if ((err = pg_stale(r, "ops", ops)) != NULL)
			return err;
	} else {
		for (size_t k = O_INIT; k < O_COUNT; k++) {
			if ((err = pg_field(r, ops, &r->l.ops[k], &v)) != NULL)
				return err;
			if (v != 0 && !pg_inside(live, nlive, v) &&
			    (err = pg_stale(r, ops_fields[k], v)) != NULL)
				return err;
		}
	}
	if ((err = pg_global(r, "stale_call", 8, &kept)) != NULL)
		return err;
	if (kept != 0 && !pg_inside(live, nlive, kept))
		return pg_stale(r, "stale_call", kept);
	return NULL;
}

/* Phase of the update protocol, from the quiesce request, the parked
 * count and the generation. */
static const char *
pg_phase(uint64_t qreq, uint64_t parked, uint64_t nworkers, uint64_t gen)
{
	if (qreq != 0)
		return parked >= nworkers ? "quiesced" : "quiescing";
	return gen == 0 ? "idle" : "resumed";
}

static struct lpd_error *
pg_workers(struct pg_run *r, uint64_t nworkers, const char *state)
{
	struct lpd_error *err;
	uint64_t base, v[W_COUNT];

	if ((err = r->h->find_symbol(r->t, "workers", &base)) != NULL)
		return err;
	for (uint64_t i = 0; i < nworkers; i++) {
		uint64_t w = base + i * r->l.worker_size;

		for (size_t k = 0; k < W_COUNT; k++)
			if ((err = pg_field(r, w, &r->l.worker[k],
					    &v[k])) != NULL)
				return err;
		{
			struct lpd_plugin_arg a[] = {
				NUM(v[W_ID]), STR(state),
				NUM(v[W_BASE] + v[W_CALLS]),
			};

			if ((err = pg_emit(r, "paging_worker", a, 3)) != NULL)
				return err;
		}
		if (v[W_FAILED] != 0) {
			struct lpd_plugin_arg a[] = { NUM(v[W_ID]),
						      NUM(v[W_FAILED]) };

			if ((err = pg_emit(r, "paging_worker_failed", a,
					   2)) != NULL)
				return err;
		}
	}
	return NULL;
}

/* The OS version of each of the last generations, oldest first. */
static struct lpd_error *
pg_generations(struct pg_run *r, uint64_t gen)
{
	struct lpd_error *err;
	uint64_t table, v;
	uint64_t first = gen >= PG_HISTORY ? gen - PG_HISTORY + 1 : 0;

	if ((err = r->h->find_symbol(r->t, "gen_version", &table)) != NULL)
		return err;
	for (uint64_t g = first; g <= gen; g++) {
		if ((err = r->h->read_uint(r->t,
					   table + (g % PG_MAX_GEN) * 4, 4,
					   &v)) != NULL)
			return err;
		{
			struct lpd_plugin_arg a[] = { NUM(g), NUM(v) };

			if ((err = pg_emit(r, "paging_generation", a,
					   2)) != NULL)
				return err;
		}
	}
	return NULL;
}

static struct lpd_error *
pg_analyze(void *state, const struct lpd_plugin_target *t,
	   struct lpd_plugin_facts *out)
{
	struct pg_run r = {
		.h = lpd_plugin_state_host(state), .t = t, .out = out,
	};
	struct lpd_error *err;
	uint64_t img, v[I_COUNT], gen, nworkers, qreq, parked, lname;
	char name[PG_NAME_LEN], lpar[PG_NAME_LEN];
	struct pg_range live[1] = { { 0, 0 } };
	const char *phase;

	if ((err = pg_global(&r, "cur_img", 8, &img)) != NULL ||
	    (err = pg_global(&r, "gen", 4, &gen)) != NULL ||
	    (err = pg_global(&r, "nworkers", 4, &nworkers)) != NULL ||
	    (err = pg_global(&r, "quiesce_req", 4, &qreq)) != NULL ||
	    (err = pg_global(&r, "parked", 4, &parked)) != NULL ||
	    (err = pg_global(&r, "lpar_name", 8, &lname)) != NULL)
		return err;
	if (img == 0)
		return r.h->error_format(LPD_PLUGIN_ERR_NOT_FOUND,
					 "cur_img is NULL: the LPAR had not "
					 "booted its OS");
	if (nworkers > PG_MAX_WORKERS)
		return r.h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					 "nworkers %llu: over %u, corrupt",
					 (unsigned long long)nworkers,
					 PG_MAX_WORKERS);
	if ((err = pg_layout(&r)) != NULL)
		return err;
	for (size_t k = 0; k < I_COUNT; k++)
		if (k != I_NAME &&
		    (err = pg_field(&r, img, &r.l.image[k], &v[k])) != NULL)
			return err;
	/* name is an inline array: read it as a string. */
	if ((err = lpd_plugin_read_string(r.h, r.t,
					  img + r.l.image[I_NAME].offset,
					  name, sizeof(name))) != NULL ||
	    (err = lpd_plugin_read_string(r.h, r.t, lname, lpar,
					  sizeof(lpar))) != NULL)
		return err;
	phase = pg_phase(qreq, parked, nworkers, gen);
	{
		struct lpd_plugin_arg a[] = { STR(lpar) };

		if ((err = pg_emit(&r, "paging_lpar", a, 1)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = { STR(phase) };

		if ((err = pg_emit(&r, "paging_phase", a, 1)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = { NUM(gen) };

		if ((err = pg_emit(&r, "paging_gen", a, 1)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = { NUM(v[I_VERSION]) };

		if ((err = pg_emit(&r, "paging_os_version", a, 1)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = { STR(name), NUM(v[I_VERSION]),
					      STR("live") };

		if ((err = pg_emit(&r, "paging_image", a, 3)) != NULL)
			return err;
	}
	if ((err = pg_generations(&r, gen)) != NULL)
		return err;
	/* Pages the pager served for the live image: its ELF part at the
	 * page-in, then each catalog page on first touch. */
	{
		struct lpd_plugin_arg a[] = {
			NUM(v[I_SO_PAGES] + v[I_FAULTS]), NUM(v[I_NPAGES]) };

		if ((err = pg_emit(&r, "paging_pages", a, 2)) != NULL)
			return err;
	}
	{
		struct lpd_plugin_arg a[] = {
			NUM(v[I_FAULTS]), NUM(v[I_NCAT]),
			STR(v[I_UFFD] ? "userfaultfd" : "request") };

		if ((err = pg_emit(&r, "paging_catalog", a, 3)) != NULL)
			return err;
	}
	if ((err = pg_image_range(&r, v[I_DL], v[I_SO_PAGES], &live[0])) !=
	    NULL ||
	    (err = pg_ops(&r, name, v[I_OPS], live, 1)) != NULL)
		return err;
	return pg_workers(&r, nworkers,
			  qreq != 0 && parked >= nworkers ? "parked"
							  : "running");
}

/* A crash after an update, with an OS pointer left pointing outside
 * every live image: the update released an image something still
 * called. Across two dumps of one LPAR, the later generation is the
 * updated one. */
static const char pg_rules[] =
	"% plugin paging: facts paging_lpar(D, L), paging_phase(D, P),\n"
	"% paging_gen(D, G), paging_os_version(D, V),\n"
	"% paging_image(D, Name, V, State), paging_generation(D, G, V),\n"
	"% paging_pages(D, Served, Total), paging_catalog(D, Paged, N, How),\n"
	"% paging_ops_table(D, Image, Addr), paging_stale_pointer(D, Op, A),\n"
	"% paging_worker(D, Id, State, Calls), paging_worker_failed(D, Id, N).\n"
	".show update_stale_pointer.\n"
	".show paging_updated.\n"
	"update_stale_pointer(A) :- crashed(A), paging_gen(A, G), G > 0,\n"
	"\tpaging_stale_pointer(A, Op, P).\n"
	"paging_updated(A, B) :- related(A, B), paging_lpar(A, L),\n"
	"\tpaging_lpar(B, L), paging_gen(A, G1), paging_gen(B, G2),\n"
	"\tG1 < G2.\n";

const struct lpd_plugin plugin_paging = {
	.abi_version = LPD_PLUGIN_ABI,
	.size = sizeof(struct lpd_plugin),
	.name = "paging",
	.version = PG_PLUGIN_VERSION,
	.rules = pg_rules,
	.init = lpd_plugin_init_host,
	.match = pg_match,
	.analyze = pg_analyze,
};
