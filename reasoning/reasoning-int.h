/* reasoning/reasoning-int.h - private to reasoning/ and its tests: the
 * analysis, comparison and triage structures the rooms share. */
#ifndef LPD_REASONING_INT_H
#define LPD_REASONING_INT_H

#include "reasoning/reasoning.h"

struct reason_frame {
	uint64_t pc;
	uint64_t offset;
	char *function;		/* NULL when unknown */
	char *module;		/* path, NULL when unknown */
	char *build_id;
	char *file;
	unsigned line;
	bool has_offset;
	bool is_inline;
	bool is_signal;
};

struct reason_thread {
	int tid;
	bool crashed;
	char *state;		/* "blocked", "waiting", "running", ... */
	char *top;		/* first non-system normalized frame, or NULL */
	struct reason_frame *frames;
	size_t n_frames;
};

struct reason_module {
	char *path;
	char *build_id;		/* NULL when not found */
	uint64_t start, end;
	bool is_main;
};

struct reason_value {
	char *key, *value;
};

/* A fact a plugin found: PRED(dump, ARGS...), keyed by the plugin. */
struct reason_parg {
	char *sym;		/* NULL for a number */
	double num;
};

struct reason_pfact {
	char *plugin, *version, *pred;
	struct reason_parg *args;
	size_t n_args;
};

/* A normalized frame of the crashed thread. */
struct reason_nframe {
	char *key;		/* "function@module" or "??@module+0xOFF" */
	unsigned repeat;	/* raw frames folded into this one */
	size_t raw;		/* index of its first raw frame */
	bool system;		/* in a system library (low prior weight) */
};

struct reason_analysis {
	char *id, *core, *executable, *exe_build_id, *arch;
	char *lpar, *node, *image;
	int64_t time;
	bool has_signal;
	int signo, sigcode;
	char *signame;
	bool has_addr;
	uint64_t addr;
	char *region;		/* "null-page", "module:NAME", "stack", ... */
	size_t crashed;		/* index into threads */
	struct reason_thread *threads;
	size_t n_threads;
	struct reason_module *modules;
	size_t n_modules;
	struct reason_value *values;
	size_t n_values;
	struct reason_pfact *facts;	/* from plugins */
	size_t n_facts;
	/* derived by reason_normalize(), not serialized */
	struct reason_nframe *norm;
	size_t n_norm;
};

/* intern.c: strings to dense ids (open addressing, FNV-1a). */
struct reason_intern {
	char **strs;		/* id -> string, owned */
	size_t n, cap;
	uint32_t *slots;	/* id + 1, 0 empty */
	size_t nslots;		/* power of two */
};

uint64_t reason_hash(const void *p, size_t n, uint64_t seed);
void reason_intern_init(struct reason_intern *t);
void reason_intern_deinit(struct reason_intern *t);
/** Id of S, inserting it when new. */
struct lpd_error *reason_intern_get(struct reason_intern *t, const char *s,
				    uint32_t *ret);
/** Id of S when present. */
bool reason_intern_find(const struct reason_intern *t, const char *s,
			uint32_t *ret);
static inline const char *
reason_intern_str(const struct reason_intern *t, uint32_t id)
{
	return id < t->n ? t->strs[id] : NULL;
}

/* normalize.c */
/** (Re)compute A->norm from the crashed thread's raw frames and every
 * thread's state and top. */
struct lpd_error *reason_normalize(struct reason_analysis *a);
/** Module basename ("libc.so.6") of PATH; borrowed from PATH. */
const char *reason_basename(const char *path);
/** True for libc, ld.so, libpthread, libstdc++, libgcc... */
bool reason_is_system_module(const char *path);
/** Canonical frame key into OUT (reset first). */
struct lpd_error *reason_frame_key(const struct reason_analysis *a,
				   const struct reason_frame *f,
				   struct lpd_buf *out);

/* facts.c */
struct reason_analysis *reason_analysis_alloc(void);
/** Set value KEY of A to VALUE (replacing an earlier one). */
struct lpd_error *reason_analysis_add_value(struct reason_analysis *a,
					    const char *key,
					    const char *value);

/* frame-values.c */
/* Values taken from the crashed frame at most. */
enum { REASON_MAX_FRAME_VALUES = 8 };
/** Add the crashed frame's scalar arguments and locals, NULL pointers
 * and short strings to A's values ("frame.FUNCTION.NAME"); needs A
 * normalized. Unreadable variables are skipped. */
struct lpd_error *reason_frame_values(struct reason_analysis *a,
				      struct dbg_target *t);
/** A's plugin facts as a JSON array (the analysis and diff reports). */
void reason_facts_json(const struct reason_analysis *a, struct lpd_json *j);

/* similarity.c */
enum reason_align_op { REASON_ALIGN_MATCH, REASON_ALIGN_ONLY_A,
		       REASON_ALIGN_ONLY_B };

struct reason_align {
	enum reason_align_op op;
	size_t ia, ib;		/* normalized frame indexes (as op allows) */
};

struct reason_comparison {
	const struct reason_analysis *a, *b;
	bool applies[REASON_DIM_COUNT];
	double score[REASON_DIM_COUNT];
	double weight[REASON_DIM_COUNT];
	char *explain[REASON_DIM_COUNT];
	double overall;
	struct reason_align *align;
	size_t n_align;
	size_t common_prefix;	/* leading normalized frames equal */
	bool has_first_diff;
	size_t first_diff;
};

/** Prior weight of a frame key (system frames and main weigh less). */
double reason_frame_prior(const char *key, bool system);
/** Global weight of a frame from corpus document frequency, 0..1. */
double reason_corpus_weight(const struct reason_corpus *c, const char *key,
			    bool system);
/** Position-weighted alignment of two key sequences with per-frame
 * global weights; 0..1. ALIGN (may be NULL) receives the alignment,
 * caller frees. */
struct lpd_error *reason_align_stacks(const char *const *ka, const double *ga,
				      size_t na, const char *const *kb,
				      const double *gb, size_t nb,
				      double *score_ret,
				      struct reason_align **align_ret,
				      size_t *n_align_ret);
/** Weighted alignment over interned ids (triage's hot path). */
double reason_align_ids(const uint32_t *a, const double *ga, size_t na,
			const uint32_t *b, const double *gb, size_t nb);

/* Local (position) weight of normalized frame I: frames near the crash
 * weigh more. */
double reason_pos_weight(size_t i);

/* triage.c */
enum { REASON_MAX_RAW = 64 };

struct reason_titem {
	char *id;
	char *lpar;		/* NULL when unknown */
	int64_t time;
	uint32_t *frames;	/* interned normalized keys */
	size_t nframes;
	uint32_t *raw;		/* interned raw function names (baselines) */
	size_t nraw;
	uint32_t fault;		/* interned "SIGNAL/region" */
	size_t group;		/* exact-signature group */
	size_t bucket;
};

struct reason_tgroup {
	size_t first;		/* item index */
	size_t count;
	uint64_t hash;
};

struct reason_tbucket {
	size_t *members;	/* item indexes, in order of addition */
	size_t n, cap;
	size_t representative;
	int64_t first_seen, last_seen;
};

struct reason_triage {
	struct reason_triage_options o;
	struct reason_intern keys;	/* normalized frame keys, raw names */
	uint32_t *df;			/* per key: items containing it */
	bool *system;			/* per key: system library frame */
	double *weight;			/* per key: global weight (run) */
	size_t cap_keys;
	struct reason_titem *items;
	size_t n, cap;
	struct reason_tgroup *groups;
	size_t ngroups, cap_groups;
	struct reason_tbucket *buckets;
	size_t nbuckets;
	size_t candidates, scored;
	bool ran;
};

/* Frames beyond this depth are not compared (they are path, not bug). */
enum { REASON_MAX_NORM = 48 };

#endif
