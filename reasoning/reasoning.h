/* reasoning/reasoning.h - relational reasoning over analyses: facts drawn
 * from a debugger target, frame normalization, explainable similarity, a
 * small Datalog engine with proofs, triage into buckets, and reports. */
#ifndef LPD_REASONING_H
#define LPD_REASONING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lpd.h"
#include "debugger/debugger.h"

/* Bumped when facts or normalization change: keys cached analyses. */
#define REASON_ANALYZER_VERSION "lpardbg-reason/2"
/* Schema name written in every facts document. */
#define REASON_SCHEMA "lpardbg.analysis/1"

struct reason_analysis;		/* opaque: the facts of one dump */
struct reason_comparison;	/* opaque: two analyses compared */
struct reason_rules;		/* opaque: a parsed, checked rule program */
struct reason_db;		/* opaque: Datalog facts and derivations */
struct reason_triage;		/* opaque: buckets of many analyses */

/* ---- facts (facts.c) ------------------------------------------------ */

/* What the dump itself cannot say: where it came from. All may be NULL. */
struct reason_meta {
	const char *id;		/* label; default: the core's file name */
	const char *lpar, *node, *image;
	int64_t time;		/* seconds since the epoch; 0: core mtime */
};

/** Analyze target T: signal and fault address (with the mapping it falls
 * in), every thread's frames, modules and build-ids, executable, META.
 * Reads a sidecar CORE.meta (lines "key=value": lpar, node, image, time,
 * value.NAME) when present. Caller owns *ret; free with
 * reason_analysis_destroy(). */
struct lpd_error *reason_analyze(struct dbg_target *t,
				 const struct reason_meta *meta,
				 struct reason_analysis **ret);
void reason_analysis_destroy(struct reason_analysis *a);

/** Write A as one JSON object (schema REASON_SCHEMA; keys and arrays in a
 * fixed order, so equal analyses serialize to equal bytes). */
void reason_analysis_to_json(const struct reason_analysis *a,
			     struct lpd_json *j);
/** Parse a facts document written by reason_analysis_to_json(). FILE names
 * the input in errors. Errors: LPD_ERR_BAD_INPUT (not JSON, wrong schema,
 * a field of the wrong type; the message names FILE and the line/field).
 * Caller owns *ret. */
struct lpd_error *reason_analysis_from_json(const char *text, size_t len,
					    const char *file,
					    struct reason_analysis **ret);
/** reason_analysis_from_json() on the file at PATH. */
struct lpd_error *reason_analysis_load(const char *path,
				       struct reason_analysis **ret);
/** A deep copy with a new ID, addresses moved by ADDR_DELTA and module
 * paths under PATH_PREFIX (NULL: unchanged): synthesized analyses for
 * scale tests. Caller owns *ret. */
struct lpd_error *reason_analysis_clone(const struct reason_analysis *a,
					const char *id, uint64_t addr_delta,
					const char *path_prefix,
					struct reason_analysis **ret);
/** Rename the crashed thread's application frames with SUFFIX appended
 * (scale tests: many distinct bugs from few real ones). */
struct lpd_error *reason_analysis_rename_frames(struct reason_analysis *a,
						const char *suffix);

const char *reason_analysis_id(const struct reason_analysis *a);
const char *reason_analysis_lpar(const struct reason_analysis *a);
int64_t reason_analysis_time(const struct reason_analysis *a);

/* A constant: a symbol (string) or a number. */
struct reason_term {
	bool is_num;
	const char *sym;
	double num;
};

/** Add the fact PRED(D, ARGS...) that plugin PLUGIN (VERSION) found in
 * A's dump: it is written in the facts document with the plugin's name
 * and version, and diff and triage put it into the Datalog database with
 * the dump's id D first. PRED must be an identifier ([A-Za-z_][A-Za-z0-9_]*,
 * else LPD_ERR_INVALID_ARG); N at most 16. */
struct lpd_error *reason_analysis_add_fact(struct reason_analysis *a,
					   const char *plugin,
					   const char *version,
					   const char *pred,
					   const struct reason_term *args,
					   size_t n);
size_t reason_analysis_fact_count(const struct reason_analysis *a);
/** Plugin fact I of A as text, pred("a", 1), and the plugin's name and
 * version (borrowed from A). Caller frees with lpd_free(); NULL: no
 * memory. */
char *reason_analysis_fact_text(const struct reason_analysis *a, size_t i,
				const char **plugin, const char **version);

/* ---- normalization (normalize.c) ----------------------------------- */

/** True when FUNCTION (raw or canonical) is part of the fault machinery:
 * abort, raise, assert, malloc's error paths, stack protector, fortify,
 * signal trampolines, dumpers. */
bool reason_is_machinery(const char *function);
/** Canonical function name: "__GI_" and leading underscores dropped,
 * ".constprop.N"/".isra.N"/".part.N"/".cold" suffixes dropped, libc
 * aliases mapped (__libc_free -> free). Caller frees with lpd_free(). */
char *reason_canonical_function(const char *function);
/** Number of frames of A's crashed thread after normalization, and frame
 * I's key ("function@module", or "??@module+0xOFF"). Borrowed from A. */
size_t reason_norm_count(const struct reason_analysis *a);
const char *reason_norm_key(const struct reason_analysis *a, size_t i);
/** How many raw frames frame I stands for (folded recursion). */
unsigned reason_norm_repeat(const struct reason_analysis *a, size_t i);

/* ---- similarity (similarity.c) -------------------------------------- */

enum reason_dim {
	REASON_DIM_STACK,	/* crashed stack, position-weighted alignment */
	REASON_DIM_THREADS,	/* other threads' states and top frames */
	REASON_DIM_FAULT,	/* signal, code, fault address region */
	REASON_DIM_MODULES,	/* module names and build-ids */
	REASON_DIM_VALUES,	/* values from plugins and the meta file */
	REASON_DIM_COUNT,
};

/** "stack", "threads", ... */
const char *reason_dim_name(enum reason_dim d);

/* Frame document frequencies over a corpus, so rare frames weigh more
 * than common ones (TraceSim's global weight). NULL: a built-in prior
 * (system libraries and main weigh less). */
struct reason_corpus;
struct lpd_error *reason_corpus_create(struct reason_corpus **ret);
void reason_corpus_destroy(struct reason_corpus *c);
struct lpd_error *reason_corpus_add(struct reason_corpus *c,
				    const struct reason_analysis *a);

/** Compare A and B in every dimension. CORPUS may be NULL. Caller owns
 * *ret; free with reason_comparison_destroy(). A and B must outlive it. */
struct lpd_error *reason_compare(const struct reason_analysis *a,
				 const struct reason_analysis *b,
				 const struct reason_corpus *corpus,
				 struct reason_comparison **ret);
void reason_comparison_destroy(struct reason_comparison *c);
/** Weighted mean of the applicable dimensions, 0..1. */
double reason_comparison_score(const struct reason_comparison *c);
/** Dimension D's score 0..1; false when it does not apply (no data). */
bool reason_comparison_dim(const struct reason_comparison *c,
			   enum reason_dim d, double *ret);
/** One sentence on why dimension D scored what it did. Borrowed. */
const char *reason_comparison_explain(const struct reason_comparison *c,
				      enum reason_dim d);
/** Just the crashed-stack score (what triage uses, cheaper). */
double reason_stack_similarity(const struct reason_analysis *a,
			       const struct reason_analysis *b,
			       const struct reason_corpus *corpus);

/* ---- rules (rules-parse.c, rules-eval.c) ---------------------------- */

struct reason_limits {
	size_t max_facts;	/* 0: 1,000,000 */
	size_t max_iterations;	/* per stratum; 0: 100,000 */
};

/** New rule program, with the built-in rules (reasoning/rules/builtin.dl)
 * when BUILTIN. Caller owns; free with reason_rules_destroy(). */
struct lpd_error *reason_rules_create(bool builtin, struct reason_rules **ret);
void reason_rules_destroy(struct reason_rules *r);
/** Parse LEN bytes of rule text (FILE names it in errors) and add them.
 * Refused: syntax errors (LPD_ERR_SYNTAX "FILE:LINE:COL: ..."), unsafe
 * rules (a head, negated or compared variable not bound by a positive
 * atom), arithmetic inside recursion (may not terminate), negation that is
 * not stratifiable. On error R is unchanged. */
struct lpd_error *reason_rules_add(struct reason_rules *r, const char *text,
				   size_t len, const char *file);
struct lpd_error *reason_rules_add_file(struct reason_rules *r,
					const char *path);

struct lpd_error *reason_db_create(struct reason_db **ret);
void reason_db_destroy(struct reason_db *db);
/** Add the base fact PRED(ARGS...). Duplicates are ignored. */
struct lpd_error *reason_db_add(struct reason_db *db, const char *pred,
				const struct reason_term *args, size_t n);
/** Derive every consequence of R's rules from DB's facts, stratum by
 * stratum, semi-naively, to a fixpoint. Errors: LPD_ERR_INVALID_ARG when
 * LIMITS are reached (names the rule and the limit). LIMITS may be NULL. */
struct lpd_error *reason_rules_eval(const struct reason_rules *r,
				    struct reason_db *db,
				    const struct reason_limits *limits);
/** Facts of PRED (base and derived), in derivation order. */
size_t reason_db_count(const struct reason_db *db, const char *pred);
/** True when PRED(ARGS...) holds. */
bool reason_db_holds(const struct reason_db *db, const char *pred,
		     const struct reason_term *args, size_t n);
/** Fact I of PRED as text: pred("a", 1). Caller frees with lpd_free(). */
char *reason_db_fact_text(const struct reason_db *db, const char *pred,
			  size_t i);
/** Argument K of fact I of PRED. Strings borrowed from DB. */
struct reason_term reason_db_fact_arg(const struct reason_db *db,
				      const char *pred, size_t i, size_t k);
/** The proof of fact I of PRED as an indented tree (rule, premises, their
 * proofs, negated conditions), at most DEPTH levels. Caller frees. */
char *reason_db_proof_text(const struct reason_db *db, const char *pred,
			   size_t i, unsigned depth);
/** The same proof as a JSON object {"fact","rule","at","premises":[...]}. */
void reason_db_proof_json(const struct reason_db *db, const char *pred,
			  size_t i, unsigned depth, struct lpd_json *j);
/** Predicates R marks for display (".show NAME." directives), in order. */
size_t reason_rules_shown_count(const struct reason_rules *r);
const char *reason_rules_shown(const struct reason_rules *r, size_t i);

/* ---- relating two analyses ---------------------------------------- */

/** Put A's and B's facts (ids IDA, IDB), and the comparison C's scores,
 * into DB as Datalog facts: dump, signal, fault_region, exe, image, lpar,
 * node, time, frame(D, I, KEY), thread_state, module, value, pair(A, B),
 * score(A, B, DIM, S), first_diff(A, B, I). */
struct lpd_error *reason_db_add_pair(struct reason_db *db,
				     const struct reason_analysis *a,
				     const char *ida,
				     const struct reason_analysis *b,
				     const char *idb,
				     const struct reason_comparison *c);

/* ---- triage (triage.c) --------------------------------------------- */

enum reason_method {
	REASON_METHOD_RELATIONAL,	/* signatures, LSH, similarity */
	REASON_METHOD_TOP1,		/* baseline: raw top frame */
	REASON_METHOD_TOP3,		/* baseline: raw top 3 frames */
	REASON_METHOD_EDIT,		/* baseline: raw stack edit distance */
};

struct reason_triage_options {
	double threshold;	/* similarity to join a bucket; 0: 0.75 */
	enum reason_method method;
	unsigned lsh_bands;	/* 0: 24 */
	unsigned lsh_rows;	/* 0: 2 */
};

/** New, empty triage. Caller owns; free with reason_triage_destroy(). */
struct lpd_error *reason_triage_create(const struct reason_triage_options *o,
				       struct reason_triage **ret);
void reason_triage_destroy(struct reason_triage *tr);
/** Add A: keeps what bucketing needs (interned frames, fault, id, time,
 * LPAR), so the caller may destroy A afterwards. */
struct lpd_error *reason_triage_add(struct reason_triage *tr,
				    const struct reason_analysis *a);
/** Bucket everything added. */
struct lpd_error *reason_triage_run(struct reason_triage *tr);
size_t reason_triage_item_count(const struct reason_triage *tr);
size_t reason_triage_bucket_count(const struct reason_triage *tr);
/** Bucket of item I (in order of addition), 0-based. */
size_t reason_triage_bucket_of(const struct reason_triage *tr, size_t i);
const char *reason_triage_item_id(const struct reason_triage *tr, size_t i);
/** Work done: distinct signatures, LSH candidate pairs, pairs scored. */
void reason_triage_stats(const struct reason_triage *tr, size_t *signatures,
			 size_t *candidates, size_t *scored);

/* ---- reports (report.c) -------------------------------------------- */

enum reason_format {
	REASON_FORMAT_TEXT,
	REASON_FORMAT_JSON,
	REASON_FORMAT_MARKDOWN,
	REASON_FORMAT_JUNIT,
};

/* A diff's verdict as the caller expects it. */
enum reason_expect { REASON_EXPECT_NONE, REASON_EXPECT_SAME,
		     REASON_EXPECT_DIFFERENT };

/** True when DB (after reason_rules_eval) relates the pair as "same":
 * same_crash or same_root_cause_candidate derived. */
bool reason_pair_is_same(const struct reason_db *db);

/** Report a diff of A and B: relations with proofs (R's shown
 * predicates), per-dimension scores with contributions, aligned stacks
 * with differences marked. EXPECT and MET go into JSON and JUnit. */
struct lpd_error *reason_report_diff(const struct reason_analysis *a,
				     const struct reason_analysis *b,
				     const struct reason_comparison *c,
				     const struct reason_rules *r,
				     const struct reason_db *db,
				     enum reason_expect expect, bool met,
				     enum reason_format fmt,
				     struct lpd_buf *out);
/** Report TR's buckets: signature, representative, members, first/last
 * seen, LPARs. */
struct lpd_error *reason_report_triage(const struct reason_triage *tr,
				       enum reason_format fmt,
				       struct lpd_buf *out);

#endif
