/* reasoning/similarity.c - how alike two analyses are, dimension by
 * dimension, each scored 0..1 and explained. The crashed stacks are
 * aligned as TraceSim and ReBucket do: a frame's weight is a local
 * (position) weight, larger near the crash, times a global weight, larger
 * for rare frames (inverse document frequency over a corpus, or a prior
 * that discounts system libraries and main); matched frames far apart in
 * position are discounted (ReBucket's offset penalty). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reasoning/reasoning-int.h"

/* Local weight exponent (TraceSim's alpha) and ReBucket's offset
 * penalty. Tuned on fixtures/bugs (bench/triage.sh). */
static const double SIM_ALPHA = 1.0;
static const double SIM_OFFSET = 0.08;

static const double sim_dim_weight[REASON_DIM_COUNT] = {
	[REASON_DIM_STACK] = 0.55,
	[REASON_DIM_THREADS] = 0.10,
	[REASON_DIM_FAULT] = 0.20,
	[REASON_DIM_MODULES] = 0.10,
	[REASON_DIM_VALUES] = 0.05,
};

static const char *const sim_dim_names[REASON_DIM_COUNT] = {
	"stack", "threads", "fault", "modules", "values",
};

const char *
reason_dim_name(enum reason_dim d)
{
	return (unsigned)d < REASON_DIM_COUNT ? sim_dim_names[d] : "?";
}

double
reason_pos_weight(size_t i)
{
	return SIM_ALPHA == 1.0 ? 1.0 / ((double)i + 1.0)
				: 1.0 / pow((double)i + 1.0, SIM_ALPHA);
}

double
reason_frame_prior(const char *key, bool system)
{
	if (system)
		return 0.3;
	if (strncmp(key, "main@", 5) == 0)
		return 0.4;
	if (strncmp(key, "??", 2) == 0)
		return 0.5;
	return 1.0;
}

/* ---- corpus ----------------------------------------------------------- */

struct reason_corpus {
	struct reason_intern keys;
	uint32_t *df;		/* documents containing key id */
	size_t cap;
	size_t docs;
};

struct lpd_error *
reason_corpus_create(struct reason_corpus **ret)
{
	struct reason_corpus *c = lpd_calloc(1, sizeof(*c));

	if (c == NULL)
		return &lpd_enomem;
	reason_intern_init(&c->keys);
	*ret = c;
	return NULL;
}

void
reason_corpus_destroy(struct reason_corpus *c)
{
	if (c == NULL)
		return;
	reason_intern_deinit(&c->keys);
	lpd_free(c->df);
	lpd_free(c);
}

struct lpd_error *
reason_corpus_add(struct reason_corpus *c, const struct reason_analysis *a)
{
	struct lpd_error *err;
	size_t i, k;
	uint32_t id;

	for (i = 0; i < a->n_norm; i++) {
		/* Count a key once per document. */
		for (k = 0; k < i; k++)
			if (strcmp(a->norm[k].key, a->norm[i].key) == 0)
				break;
		if (k < i)
			continue;
		if ((err = reason_intern_get(&c->keys, a->norm[i].key,
					     &id)) != NULL)
			return err;
		if (id >= c->cap) {
			size_t old = c->cap;

			err = lpd_vec_reserve((void **)&c->df, &c->cap,
					      (size_t)id + 1, sizeof(*c->df));
			if (err != NULL)
				return err;
			memset(c->df + old, 0, (c->cap - old) * sizeof(*c->df));
		}
		c->df[id]++;
	}
	c->docs++;
	return NULL;
}

double
reason_corpus_weight(const struct reason_corpus *c, const char *key,
		     bool system)
{
	double prior = reason_frame_prior(key, system), idf;
	uint32_t id, df = 0;

	if (c == NULL || c->docs < 2)
		return prior;
	if (reason_intern_find(&c->keys, key, &id) && id < c->cap)
		df = c->df[id];
	idf = log(((double)c->docs + 1.0) / ((double)df + 1.0)) /
	      log((double)c->docs + 1.0);
	if (idf < 0)
		idf = 0;
	return prior * (0.1 + 0.9 * idf);
}

/* ---- stack alignment -------------------------------------------------- */

/* Weighted LCS: the best sum over matched pairs (i, j) of
 * (wa_i + wb_j) * exp(-SIM_OFFSET * |i - j|), over the sum of all
 * weights. Identical stacks score 1, disjoint ones 0. O(na * nb), both at
 * most REASON_MAX_NORM. EQ compares frame I of A with frame J of B. */
struct sim_seq {
	const void *a, *b;
	bool (*eq)(const struct sim_seq *s, size_t i, size_t j);
};

static bool
sim_eq_str(const struct sim_seq *s, size_t i, size_t j)
{
	return strcmp(((const char *const *)s->a)[i],
		      ((const char *const *)s->b)[j]) == 0;
}

static bool
sim_eq_id(const struct sim_seq *s, size_t i, size_t j)
{
	return ((const uint32_t *)s->a)[i] == ((const uint32_t *)s->b)[j];
}

static double
sim_align(const struct sim_seq *s, const double *ga, size_t na,
	  const double *gb, size_t nb, double *dp /* (na+1)*(nb+1) */)
{
	double total = 0, wa[REASON_MAX_NORM], wb[REASON_MAX_NORM];
	size_t i, j, w = nb + 1;

	for (i = 0; i < na; i++) {
		wa[i] = reason_pos_weight(i) * ga[i];
		total += wa[i];
	}
	for (j = 0; j < nb; j++) {
		wb[j] = reason_pos_weight(j) * gb[j];
		total += wb[j];
	}
	for (i = 0; i <= na; i++)
		dp[i * w] = 0;
	for (j = 0; j <= nb; j++)
		dp[j] = 0;
	for (i = 1; i <= na; i++) {
		for (j = 1; j <= nb; j++) {
			double best = dp[(i - 1) * w + j];

			if (dp[i * w + j - 1] > best)
				best = dp[i * w + j - 1];
			if (s->eq(s, i - 1, j - 1)) {
				double d = i > j ? (double)(i - j)
						 : (double)(j - i);
				double m = dp[(i - 1) * w + j - 1] +
					   (wa[i - 1] + wb[j - 1]) *
					   exp(-SIM_OFFSET * d);

				if (m > best)
					best = m;
			}
			dp[i * w + j] = best;
		}
	}
	if (total <= 0)
		return na == 0 && nb == 0 ? 1.0 : 0.0;
	return dp[na * w + nb] / total;
}

double
reason_align_ids(const uint32_t *a, const double *ga, size_t na,
		 const uint32_t *b, const double *gb, size_t nb)
{
	double dp[(REASON_MAX_NORM + 1) * (REASON_MAX_NORM + 1)];
	struct sim_seq s = { a, b, sim_eq_id };

	if (na > REASON_MAX_NORM)
		na = REASON_MAX_NORM;
	if (nb > REASON_MAX_NORM)
		nb = REASON_MAX_NORM;
	return sim_align(&s, ga, na, gb, nb, dp);
}

struct lpd_error *
reason_align_stacks(const char *const *ka, const double *ga, size_t na,
		    const char *const *kb, const double *gb, size_t nb,
		    double *score_ret, struct reason_align **align_ret,
		    size_t *n_align_ret)
{
	double *dp;
	struct sim_seq s = { ka, kb, sim_eq_str };
	struct reason_align *al = NULL;
	size_t i, j, n = 0, w;
	double score;

	if (na > REASON_MAX_NORM)
		na = REASON_MAX_NORM;
	if (nb > REASON_MAX_NORM)
		nb = REASON_MAX_NORM;
	w = nb + 1;
	dp = lpd_calloc((na + 1) * (nb + 1), sizeof(*dp));
	if (dp == NULL)
		return &lpd_enomem;
	score = sim_align(&s, ga, na, gb, nb, dp);
	if (align_ret != NULL) {
		al = lpd_calloc(na + nb + 1, sizeof(*al));
		if (al == NULL) {
			lpd_free(dp);
			return &lpd_enomem;
		}
		/* Trace back from the end, then reverse. */
		i = na;
		j = nb;
		while (i > 0 || j > 0) {
			if (i > 0 && j > 0 && sim_eq_str(&s, i - 1, j - 1) &&
			    dp[i * w + j] > dp[(i - 1) * w + j] &&
			    dp[i * w + j] > dp[i * w + j - 1]) {
				al[n++] = (struct reason_align){
					REASON_ALIGN_MATCH, i - 1, j - 1 };
				i--;
				j--;
			} else if (i > 0 && (j == 0 || dp[(i - 1) * w + j] >=
						       dp[i * w + j - 1])) {
				al[n++] = (struct reason_align){
					REASON_ALIGN_ONLY_A, i - 1, 0 };
				i--;
			} else {
				al[n++] = (struct reason_align){
					REASON_ALIGN_ONLY_B, 0, j - 1 };
				j--;
			}
		}
		for (i = 0; i < n / 2; i++) {
			struct reason_align t = al[i];

			al[i] = al[n - 1 - i];
			al[n - 1 - i] = t;
		}
		*align_ret = al;
		*n_align_ret = n;
	}
	lpd_free(dp);
	*score_ret = score;
	return NULL;
}

static void
sim_weights(const struct reason_analysis *a, const struct reason_corpus *c,
	    const char **keys, double *g)
{
	size_t i;

	for (i = 0; i < a->n_norm && i < REASON_MAX_NORM; i++) {
		keys[i] = a->norm[i].key;
		g[i] = reason_corpus_weight(c, a->norm[i].key,
					    a->norm[i].system);
	}
}

double
reason_stack_similarity(const struct reason_analysis *a,
			const struct reason_analysis *b,
			const struct reason_corpus *corpus)
{
	const char *ka[REASON_MAX_NORM], *kb[REASON_MAX_NORM];
	double ga[REASON_MAX_NORM], gb[REASON_MAX_NORM];
	double dp[(REASON_MAX_NORM + 1) * (REASON_MAX_NORM + 1)];
	struct sim_seq s = { ka, kb, sim_eq_str };
	size_t na = a->n_norm < REASON_MAX_NORM ? a->n_norm : REASON_MAX_NORM;
	size_t nb = b->n_norm < REASON_MAX_NORM ? b->n_norm : REASON_MAX_NORM;

	sim_weights(a, corpus, ka, ga);
	sim_weights(b, corpus, kb, gb);
	return sim_align(&s, ga, na, gb, nb, dp);
}

/* ---- dimensions ------------------------------------------------------- */

static struct lpd_error *
sim_stack(struct reason_comparison *c, const struct reason_corpus *corpus)
{
	const struct reason_analysis *a = c->a, *b = c->b;
	const char *ka[REASON_MAX_NORM], *kb[REASON_MAX_NORM];
	double ga[REASON_MAX_NORM], gb[REASON_MAX_NORM];
	size_t na = a->n_norm < REASON_MAX_NORM ? a->n_norm : REASON_MAX_NORM;
	size_t nb = b->n_norm < REASON_MAX_NORM ? b->n_norm : REASON_MAX_NORM;
	size_t i, matched = 0;
	struct lpd_error *err;
	double score;

	sim_weights(a, corpus, ka, ga);
	sim_weights(b, corpus, kb, gb);
	err = reason_align_stacks(ka, ga, na, kb, gb, nb, &score, &c->align,
				  &c->n_align);
	if (err != NULL)
		return err;
	for (i = 0; i < c->n_align; i++)
		if (c->align[i].op == REASON_ALIGN_MATCH)
			matched++;
	for (i = 0; i < na && i < nb && strcmp(ka[i], kb[i]) == 0; i++)
		;
	c->common_prefix = i;
	c->has_first_diff = i < na || i < nb;
	c->first_diff = i;
	c->applies[REASON_DIM_STACK] = na > 0 || nb > 0;
	c->score[REASON_DIM_STACK] = score;
	if (!c->has_first_diff)
		c->explain[REASON_DIM_STACK] = lpd_asprintf(
			"all %zu normalized frames match", na);
	else if (i < na && i < nb)
		c->explain[REASON_DIM_STACK] = lpd_asprintf(
			"%zu of %zu/%zu frames align; top %zu equal, first "
			"difference at #%zu: %s vs %s", matched, na, nb, i, i,
			ka[i], kb[i]);
	else
		c->explain[REASON_DIM_STACK] = lpd_asprintf(
			"%zu of %zu/%zu frames align; one stack is a prefix "
			"of the other (%zu frames)", matched, na, nb, i);
	return c->explain[REASON_DIM_STACK] != NULL ? NULL : &lpd_enomem;
}

static struct lpd_error *
sim_fault(struct reason_comparison *c)
{
	const struct reason_analysis *a = c->a, *b = c->b;
	bool sig, code, region;
	double s = 0;

	if (!a->has_signal && !b->has_signal) {
		c->explain[REASON_DIM_FAULT] = lpd_strdup("no signal in "
							  "either dump");
		return c->explain[REASON_DIM_FAULT] != NULL ? NULL
							    : &lpd_enomem;
	}
	c->applies[REASON_DIM_FAULT] = true;
	sig = a->has_signal && b->has_signal && a->signo == b->signo;
	code = sig && a->sigcode == b->sigcode;
	region = a->region != NULL && b->region != NULL &&
		 strcmp(a->region, b->region) == 0;
	s = (sig ? 0.5 : 0) + (code ? 0.2 : 0) + (region ? 0.3 : 0);
	c->score[REASON_DIM_FAULT] = s;
	c->explain[REASON_DIM_FAULT] = lpd_asprintf(
		"signal %s%s%s, code %d%s%d, fault %s%s%s",
		a->signame != NULL ? a->signame : "none",
		sig ? " = " : " vs ",
		b->signame != NULL ? b->signame : "none",
		a->sigcode, code ? " = " : " vs ", b->sigcode,
		a->region != NULL ? a->region : "none",
		region ? " = " : " vs ",
		b->region != NULL ? b->region : "none");
	return c->explain[REASON_DIM_FAULT] != NULL ? NULL : &lpd_enomem;
}

/* Multiset Jaccard of the other threads' "state:top". */
static struct lpd_error *
sim_threads(struct reason_comparison *c)
{
	const struct reason_analysis *a = c->a, *b = c->b;
	size_t na = 0, nb = 0, common = 0, i, k;
	bool *used;

	used = lpd_calloc(b->n_threads + 1, sizeof(*used));
	if (used == NULL)
		return &lpd_enomem;
	for (k = 0; k < b->n_threads; k++)
		if (k != b->crashed)
			nb++;
	for (i = 0; i < a->n_threads; i++) {
		const struct reason_thread *ta = &a->threads[i];

		if (i == a->crashed)
			continue;
		na++;
		for (k = 0; k < b->n_threads; k++) {
			const struct reason_thread *tb = &b->threads[k];

			if (k == b->crashed || used[k])
				continue;
			if (strcmp(ta->state, tb->state) == 0 &&
			    ((ta->top == NULL && tb->top == NULL) ||
			     (ta->top != NULL && tb->top != NULL &&
			      strcmp(ta->top, tb->top) == 0))) {
				used[k] = true;
				common++;
				break;
			}
		}
	}
	lpd_free(used);
	if (na == 0 && nb == 0) {
		c->explain[REASON_DIM_THREADS] = lpd_strdup(
			"no other threads in either dump");
	} else {
		c->applies[REASON_DIM_THREADS] = true;
		c->score[REASON_DIM_THREADS] =
			(double)common / (double)(na + nb - common);
		c->explain[REASON_DIM_THREADS] = lpd_asprintf(
			"%zu of %zu/%zu other threads in the same state at "
			"the same frame", common, na, nb);
	}
	return c->explain[REASON_DIM_THREADS] != NULL ? NULL : &lpd_enomem;
}

static double
sim_jaccard_modules(const struct reason_analysis *a,
		    const struct reason_analysis *b, bool by_build_id)
{
	size_t i, k, na = 0, nb = 0, common = 0;

	for (i = 0; i < a->n_modules; i++) {
		const char *x = by_build_id
			? a->modules[i].build_id
			: reason_basename(a->modules[i].path);

		if (x == NULL)
			continue;
		na++;
		for (k = 0; k < b->n_modules; k++) {
			const char *y = by_build_id
				? b->modules[k].build_id
				: reason_basename(b->modules[k].path);

			if (y != NULL && strcmp(x, y) == 0) {
				common++;
				break;
			}
		}
	}
	for (k = 0; k < b->n_modules; k++)
		if (!by_build_id || b->modules[k].build_id != NULL)
			nb++;
	if (na + nb == 0)
		return 1.0;
	if (common > na || common > nb)
		common = na < nb ? na : nb;
	return (double)common / (double)(na + nb - common);
}

static struct lpd_error *
sim_modules(struct reason_comparison *c)
{
	const struct reason_analysis *a = c->a, *b = c->b;
	double names, ids;
	const char *verdict;

	if (a->n_modules == 0 && b->n_modules == 0) {
		c->explain[REASON_DIM_MODULES] = lpd_strdup("no modules known");
		return c->explain[REASON_DIM_MODULES] != NULL ? NULL
							      : &lpd_enomem;
	}
	c->applies[REASON_DIM_MODULES] = true;
	names = sim_jaccard_modules(a, b, false);
	ids = sim_jaccard_modules(a, b, true);
	c->score[REASON_DIM_MODULES] = 0.5 * names + 0.5 * ids;
	if (a->exe_build_id != NULL && b->exe_build_id != NULL &&
	    strcmp(a->exe_build_id, b->exe_build_id) == 0)
		verdict = "same executable build (same code)";
	else if (a->executable != NULL && b->executable != NULL &&
		 strcmp(reason_basename(a->executable),
			reason_basename(b->executable)) == 0)
		verdict = "same executable, different build (new version)";
	else
		verdict = "different executables";
	c->explain[REASON_DIM_MODULES] = lpd_asprintf(
		"%s; module names %.0f%% alike, build-ids %.0f%% alike",
		verdict, names * 100, ids * 100);
	return c->explain[REASON_DIM_MODULES] != NULL ? NULL : &lpd_enomem;
}

/* Values known in both dumps (the crashed frame's variables, a
 * plugin's, the meta file's): the share that are equal, naming the first
 * few that differ as the evidence. */
static struct lpd_error *
sim_values(struct reason_comparison *c)
{
	const struct reason_analysis *a = c->a, *b = c->b;
	struct lpd_buf diff = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	size_t i, k, common = 0, equal = 0, named = 0;

	for (i = 0; i < a->n_values && err == NULL; i++)
		for (k = 0; k < b->n_values; k++) {
			if (strcmp(a->values[i].key, b->values[k].key) != 0)
				continue;
			common++;
			if (strcmp(a->values[i].value,
				   b->values[k].value) == 0)
				equal++;
			else if (named++ < 3)
				err = lpd_buf_printf(&diff, "%s%s %s vs %s",
						     named > 1 ? ", " : "",
						     a->values[i].key,
						     a->values[i].value,
						     b->values[k].value);
		}
	if (err != NULL) {
		lpd_buf_deinit(&diff);
		return err;
	}
	if (common == 0) {
		c->explain[REASON_DIM_VALUES] = lpd_strdup(
			"no values known in both dumps");
	} else {
		c->applies[REASON_DIM_VALUES] = true;
		c->score[REASON_DIM_VALUES] = (double)equal / (double)common;
		c->explain[REASON_DIM_VALUES] = lpd_asprintf(
			"%zu of %zu common values equal%s%s%s", equal, common,
			named > 0 ? "; differ: " : "",
			named > 0 ? diff.data : "", named > 3 ? ", ..." : "");
	}
	lpd_buf_deinit(&diff);
	return c->explain[REASON_DIM_VALUES] != NULL ? NULL : &lpd_enomem;
}

void
reason_comparison_destroy(struct reason_comparison *c)
{
	size_t d;

	if (c == NULL)
		return;
	for (d = 0; d < REASON_DIM_COUNT; d++)
		lpd_free(c->explain[d]);
	lpd_free(c->align);
	lpd_free(c);
}

struct lpd_error *
reason_compare(const struct reason_analysis *a,
	       const struct reason_analysis *b,
	       const struct reason_corpus *corpus,
	       struct reason_comparison **ret)
{
	struct reason_comparison *c = lpd_calloc(1, sizeof(*c));
	struct lpd_error *err;
	double wsum = 0, sum = 0;
	size_t d;

	if (c == NULL)
		return &lpd_enomem;
	c->a = a;
	c->b = b;
	if ((err = sim_stack(c, corpus)) != NULL ||
	    (err = sim_fault(c)) != NULL ||
	    (err = sim_threads(c)) != NULL ||
	    (err = sim_modules(c)) != NULL ||
	    (err = sim_values(c)) != NULL) {
		reason_comparison_destroy(c);
		return err;
	}
	for (d = 0; d < REASON_DIM_COUNT; d++) {
		if (!c->applies[d])
			continue;
		wsum += sim_dim_weight[d];
		sum += sim_dim_weight[d] * c->score[d];
	}
	for (d = 0; d < REASON_DIM_COUNT; d++)
		c->weight[d] = c->applies[d] && wsum > 0
			       ? sim_dim_weight[d] / wsum : 0;
	c->overall = wsum > 0 ? sum / wsum : 0;
	*ret = c;
	return NULL;
}

double
reason_comparison_score(const struct reason_comparison *c)
{
	return c->overall;
}

bool
reason_comparison_dim(const struct reason_comparison *c, enum reason_dim d,
		      double *ret)
{
	if ((unsigned)d >= REASON_DIM_COUNT || !c->applies[d])
		return false;
	*ret = c->score[d];
	return true;
}

const char *
reason_comparison_explain(const struct reason_comparison *c,
			  enum reason_dim d)
{
	return (unsigned)d < REASON_DIM_COUNT ? c->explain[d] : NULL;
}
