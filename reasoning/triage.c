/* reasoning/triage.c - sort many analyses into buckets, one per bug,
 * without comparing every pair: (1) exact normalized signatures collapse
 * duplicates into groups in O(n); (2) MinHash over frame shingles and
 * LSH banding propose candidate pairs of groups; (3) only candidates are
 * scored (position- and rarity-weighted stack alignment + fault), and
 * those above the threshold are joined with union-find. The baselines
 * (raw top frame, raw top 3, raw-stack edit distance) are here too, so
 * the benchmark compares them on the same items in the same run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasoning/reasoning-int.h"

enum {
	TR_SHINGLE_DEPTH = 6,	/* frames that make shingles */
	TR_MAX_BAND_BUCKET = 64,	/* groups compared per LSH bucket */
};

static const double TR_DEFAULT_THRESHOLD = 0.75;
static const double TR_STACK_WEIGHT = 0.85;
/* Weight left to a frame present in every signature. */
static const double TR_IDF_FLOOR = 0.3;

struct lpd_error *
reason_triage_create(const struct reason_triage_options *o,
		     struct reason_triage **ret)
{
	struct reason_triage *tr = lpd_calloc(1, sizeof(*tr));

	if (tr == NULL)
		return &lpd_enomem;
	if (o != NULL)
		tr->o = *o;
	if (tr->o.threshold <= 0)
		tr->o.threshold = tr->o.method == REASON_METHOD_EDIT
				  ? 0.75 : TR_DEFAULT_THRESHOLD;
	if (tr->o.lsh_bands == 0)
		tr->o.lsh_bands = 24;
	if (tr->o.lsh_rows == 0)
		tr->o.lsh_rows = 2;
	if (tr->o.lsh_bands * tr->o.lsh_rows > 512) {
		lpd_free(tr);
		return lpd_error_format(LPD_ERR_INVALID_ARG,
			"LSH bands x rows must be at most 512");
	}
	reason_intern_init(&tr->keys);
	*ret = tr;
	return NULL;
}

static void
tr_free_buckets(struct reason_triage *tr)
{
	size_t i;

	for (i = 0; i < tr->nbuckets; i++)
		lpd_free(tr->buckets[i].members);
	lpd_free(tr->buckets);
	tr->buckets = NULL;
	tr->nbuckets = 0;
}

void
reason_triage_destroy(struct reason_triage *tr)
{
	size_t i;

	if (tr == NULL)
		return;
	for (i = 0; i < tr->n; i++) {
		lpd_free(tr->items[i].id);
		lpd_free(tr->items[i].lpar);
		lpd_free(tr->items[i].frames);
		lpd_free(tr->items[i].raw);
	}
	lpd_free(tr->items);
	lpd_free(tr->groups);
	tr_free_buckets(tr);
	lpd_free(tr->df);
	lpd_free(tr->system);
	lpd_free(tr->weight);
	reason_intern_deinit(&tr->keys);
	lpd_free(tr);
}

static struct lpd_error *
tr_key(struct reason_triage *tr, const char *s, bool system, uint32_t *ret)
{
	struct lpd_error *err = reason_intern_get(&tr->keys, s, ret);

	if (err != NULL)
		return err;
	if (*ret >= tr->cap_keys) {
		size_t old = tr->cap_keys, cap = old;

		err = lpd_vec_reserve((void **)&tr->df, &cap, (size_t)*ret + 1,
				      sizeof(*tr->df));
		if (err != NULL)
			return err;
		cap = old;
		err = lpd_vec_reserve((void **)&tr->system, &cap,
				      (size_t)*ret + 1, sizeof(*tr->system));
		if (err != NULL)
			return err;
		/* Both grew to the same capacity (same growth rule). */
		memset(tr->df + old, 0, (cap - old) * sizeof(*tr->df));
		memset(tr->system + old, 0, (cap - old) * sizeof(*tr->system));
		tr->cap_keys = cap;
	}
	if (system)
		tr->system[*ret] = true;
	return NULL;
}

struct lpd_error *
reason_triage_add(struct reason_triage *tr, const struct reason_analysis *a)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct reason_titem *it;
	struct lpd_error *err;
	size_t i, nraw = 0;
	const struct reason_thread *ct = NULL;

	err = lpd_vec_reserve((void **)&tr->items, &tr->cap, tr->n + 1,
			      sizeof(*tr->items));
	if (err != NULL)
		return err;
	it = &tr->items[tr->n];
	memset(it, 0, sizeof(*it));
	it->time = a->time;
	it->id = lpd_strdup(a->id != NULL ? a->id : "?");
	if (it->id == NULL || (a->lpar != NULL &&
			       (it->lpar = lpd_strdup(a->lpar)) == NULL))
		goto nomem;
	it->nframes = a->n_norm < REASON_MAX_NORM ? a->n_norm
						  : REASON_MAX_NORM;
	it->frames = lpd_calloc(it->nframes + 1, sizeof(*it->frames));
	if (a->n_threads > 0) {
		ct = &a->threads[a->crashed];
		nraw = ct->n_frames < REASON_MAX_RAW ? ct->n_frames
						     : REASON_MAX_RAW;
	}
	it->raw = lpd_calloc(nraw + 1, sizeof(*it->raw));
	if (it->frames == NULL || it->raw == NULL)
		goto nomem;
	for (i = 0; i < it->nframes; i++) {
		err = tr_key(tr, a->norm[i].key, a->norm[i].system,
			     &it->frames[i]);
		if (err != NULL)
			goto fail;
	}
	for (i = 0; i < nraw; i++) {
		const struct reason_frame *f = &ct->frames[i];

		lpd_buf_reset(&b);
		if (f->function != NULL)
			err = lpd_buf_printf(&b, "raw:%s", f->function);
		else
			err = lpd_buf_printf(&b, "raw:0x%llx",
					     (unsigned long long)f->pc);
		if (err == NULL)
			err = tr_key(tr, b.data, false, &it->raw[i]);
		if (err != NULL)
			goto fail;
	}
	it->nraw = nraw;
	lpd_buf_reset(&b);
	err = lpd_buf_printf(&b, "fault:%s/%s",
			     a->signame != NULL ? a->signame : "none",
			     a->region != NULL ? a->region : "none");
	if (err == NULL)
		err = tr_key(tr, b.data, false, &it->fault);
	if (err != NULL)
		goto fail;
	lpd_buf_deinit(&b);
	tr->n++;
	tr->ran = false;
	return NULL;
nomem:
	err = &lpd_enomem;
fail:
	lpd_buf_deinit(&b);
	lpd_free(it->id);
	lpd_free(it->lpar);
	lpd_free(it->frames);
	lpd_free(it->raw);
	return err;
}

/* ---- union-find --------------------------------------------------------- */

static size_t
tr_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static void
tr_union(size_t *parent, size_t a, size_t b)
{
	a = tr_find(parent, a);
	b = tr_find(parent, b);
	if (a == b)
		return;
	/* The smaller index stays root: buckets keep first-seen order. */
	if (a < b)
		parent[b] = a;
	else
		parent[a] = b;
}

/* ---- hash sets of 64-bit keys ---------------------------------------- */

struct tr_map {
	uint64_t *keys;		/* 0 = empty; stored keys are made non-zero */
	size_t *vals;
	size_t nslots, n;
};

static struct lpd_error *
tr_map_init(struct tr_map *m, size_t expect)
{
	size_t n = 64;

	while (n < expect * 2 + 2)
		n *= 2;
	m->keys = lpd_calloc(n, sizeof(*m->keys));
	m->vals = lpd_calloc(n, sizeof(*m->vals));
	m->nslots = n;
	m->n = 0;
	if (m->keys == NULL || m->vals == NULL) {
		lpd_free(m->keys);
		lpd_free(m->vals);
		return &lpd_enomem;
	}
	return NULL;
}

static void
tr_map_deinit(struct tr_map *m)
{
	lpd_free(m->keys);
	lpd_free(m->vals);
}

/* Slot of KEY (found or empty). The map never fills: sized for EXPECT. */
static size_t
tr_map_slot(const struct tr_map *m, uint64_t key)
{
	size_t i = (size_t)(key * UINT64_C(0x9e3779b97f4a7c15) >> 20) &
		   (m->nslots - 1);

	key |= 1;
	while (m->keys[i] != 0 && m->keys[i] != key)
		i = (i + 1) & (m->nslots - 1);
	return i;
}

static struct lpd_error *
tr_map_grow(struct tr_map *m)
{
	struct tr_map bigger;
	struct lpd_error *err;
	size_t i;

	if ((err = tr_map_init(&bigger, m->nslots)) != NULL)
		return err;
	for (i = 0; i < m->nslots; i++) {
		size_t s;

		if (m->keys[i] == 0)
			continue;
		s = tr_map_slot(&bigger, m->keys[i]);
		bigger.keys[s] = m->keys[i];
		bigger.vals[s] = m->vals[i];
		bigger.n++;
	}
	tr_map_deinit(m);
	*m = bigger;
	return NULL;
}

/* ---- the relational method -------------------------------------------- */

static uint64_t
tr_signature(const struct reason_titem *it)
{
	uint64_t h = reason_hash(&it->fault, sizeof(it->fault), 7);

	return reason_hash(it->frames, it->nframes * sizeof(*it->frames), h);
}

static bool
tr_same_signature(const struct reason_titem *a, const struct reason_titem *b)
{
	return a->fault == b->fault && a->nframes == b->nframes &&
	       memcmp(a->frames, b->frames,
		      a->nframes * sizeof(*a->frames)) == 0;
}

/* Global weights: TraceSim's rarity times the prior (system libraries
 * and main count less). Document frequency is counted over distinct
 * signatures, not dumps, so a bug that crashed a thousand times does not
 * make its own frames look common. */
static struct lpd_error *
tr_weights(struct reason_triage *tr)
{
	struct reason_corpus *none = NULL;
	size_t k, g, i, nk = tr->keys.n, ndocs = tr->ngroups;
	double lognp1 = log((double)ndocs + 1.0);

	memset(tr->df, 0, tr->cap_keys * sizeof(*tr->df));
	for (g = 0; g < tr->ngroups; g++) {
		const struct reason_titem *it = &tr->items[tr->groups[g].first];

		for (i = 0; i < it->nframes; i++) {
			for (k = 0; k < i; k++)
				if (it->frames[k] == it->frames[i])
					break;
			if (k == i)
				tr->df[it->frames[i]]++;
		}
	}
	lpd_free(tr->weight);
	tr->weight = lpd_calloc(nk + 1, sizeof(*tr->weight));
	if (tr->weight == NULL)
		return &lpd_enomem;
	for (k = 0; k < nk; k++) {
		double idf = 1.0;

		if (ndocs >= 2) {
			idf = log(((double)ndocs + 1.0) /
				  ((double)tr->df[k] + 1.0)) / lognp1;
			if (idf < 0)
				idf = 0;
		}
		tr->weight[k] = reason_corpus_weight(none,
			reason_intern_str(&tr->keys, (uint32_t)k),
			tr->system[k]) *
			(TR_IDF_FLOOR + (1 - TR_IDF_FLOOR) * idf);
	}
	return NULL;
}

static double
tr_score(const struct reason_triage *tr, const struct reason_titem *a,
	 const struct reason_titem *b)
{
	double ga[REASON_MAX_NORM], gb[REASON_MAX_NORM];
	size_t i;

	for (i = 0; i < a->nframes; i++)
		ga[i] = tr->weight[a->frames[i]];
	for (i = 0; i < b->nframes; i++)
		gb[i] = tr->weight[b->frames[i]];
	return TR_STACK_WEIGHT * reason_align_ids(a->frames, ga, a->nframes,
						  b->frames, gb, b->nframes) +
	       (1 - TR_STACK_WEIGHT) * (a->fault == b->fault);
}

/* Exact signatures: items with equal normalized stacks and fault share a
 * group. O(n) expected. */
static struct lpd_error *
tr_groups(struct reason_triage *tr)
{
	struct lpd_error *err;
	struct tr_map m;
	size_t i;

	lpd_free(tr->groups);
	tr->groups = NULL;
	tr->ngroups = tr->cap_groups = 0;
	if ((err = tr_map_init(&m, tr->n)) != NULL)
		return err;
	for (i = 0; i < tr->n; i++) {
		struct reason_titem *it = &tr->items[i];
		uint64_t h = tr_signature(it);
		size_t s;

		for (;;) {
			s = tr_map_slot(&m, h);
			if (m.keys[s] == 0 ||
			    tr_same_signature(it,
				&tr->items[tr->groups[m.vals[s]].first]))
				break;
			h++;	/* a collision: probe the next key */
		}
		if (m.keys[s] != 0) {
			it->group = m.vals[s];
			tr->groups[it->group].count++;
			continue;
		}
		err = lpd_vec_reserve((void **)&tr->groups, &tr->cap_groups,
				      tr->ngroups + 1, sizeof(*tr->groups));
		if (err != NULL)
			break;
		tr->groups[tr->ngroups] = (struct reason_tgroup){
			.first = i, .count = 1, .hash = h };
		m.keys[s] = h | 1;
		m.vals[s] = tr->ngroups;
		m.n++;
		it->group = tr->ngroups++;
		if (m.n * 2 > m.nslots && (err = tr_map_grow(&m)) != NULL)
			break;
	}
	tr_map_deinit(&m);
	return err;
}

/* A frame in more than a quarter of the signatures (main, an event loop,
 * a logging helper) is a stop word for LSH: shingles of it would put
 * unrelated stacks in one LSH bucket. It still counts in the score. */
static bool
tr_stop_frame(const struct reason_triage *tr, uint32_t key)
{
	size_t limit = tr->ngroups / 4;

	return tr->df[key] > (limit > 8 ? limit : 8);
}

/* Shingles of a stack: its first frames that are not stop words, the
 * first one in 4 copies and the second in 2 (a weighted set, so MinHash
 * estimates a Jaccard that favors the crash site as the score does), and
 * adjacent pairs. */
static size_t
tr_shingles(const struct reason_triage *tr, const struct reason_titem *it,
	    uint64_t *out)
{
	uint32_t f[TR_SHINGLE_DEPTH], x[2];
	size_t n = 0, nf = 0, i, c;

	for (i = 0; i < it->nframes && nf < TR_SHINGLE_DEPTH; i++)
		if (!tr_stop_frame(tr, it->frames[i]))
			f[nf++] = it->frames[i];
	for (i = 0; i < nf; i++) {
		size_t copies = i == 0 ? 4 : i == 1 ? 2 : 1;

		for (c = 0; c < copies; c++) {
			x[0] = f[i];
			x[1] = (uint32_t)c;
			out[n++] = reason_hash(x, sizeof(x), 1);
		}
		if (i + 1 < nf)
			out[n++] = reason_hash(&f[i], 2 * sizeof(uint32_t), 2);
	}
	if (n == 0)
		out[n++] = reason_hash(&it->fault, sizeof(it->fault), 5);
	return n;
}

struct tr_band_entry {
	uint64_t key;
	size_t group;
};

static int
tr_band_cmp(const void *x, const void *y)
{
	const struct tr_band_entry *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->group < b->group ? -1 : a->group > b->group;
}

/* Score the candidate pair (g1, g2) once; join the groups when alike. */
static struct lpd_error *
tr_candidate(struct reason_triage *tr, struct tr_map *seen, size_t *parent,
	     size_t g1, size_t g2)
{
	uint64_t key;
	size_t s;

	if (g1 == g2)
		return NULL;
	if (g1 > g2) {
		size_t t = g1;

		g1 = g2;
		g2 = t;
	}
	tr->candidates++;
	if (tr_find(parent, g1) == tr_find(parent, g2))
		return NULL;
	key = ((uint64_t)g1 << 32 | (uint64_t)g2) << 1 | 1;
	s = tr_map_slot(seen, key);
	if (seen->keys[s] != 0)
		return NULL;
	seen->keys[s] = key | 1;
	seen->n++;
	tr->scored++;
	if (tr_score(tr, &tr->items[tr->groups[g1].first],
		     &tr->items[tr->groups[g2].first]) >= tr->o.threshold)
		tr_union(parent, g1, g2);
	if (seen->n * 2 > seen->nslots)
		return tr_map_grow(seen);
	return NULL;
}

static struct lpd_error *
tr_relational(struct reason_triage *tr, size_t *parent)
{
	size_t nb = tr->o.lsh_bands, nr = tr->o.lsh_rows, nh = nb * nr;
	uint64_t shingles[4 * TR_SHINGLE_DEPTH], *sig = NULL;
	struct tr_band_entry *band = NULL;
	struct lpd_error *err;
	struct tr_map seen;
	size_t g, b, h, i, k;

	if ((err = tr_weights(tr)) != NULL)
		return err;
	if ((err = tr_map_init(&seen, tr->ngroups * 4)) != NULL)
		return err;
	sig = lpd_calloc(tr->ngroups * nh + 1, sizeof(*sig));
	band = lpd_calloc(tr->ngroups + 1, sizeof(*band));
	if (sig == NULL || band == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	/* MinHash signatures of each group's representative. */
	for (g = 0; g < tr->ngroups; g++) {
		size_t ns = tr_shingles(tr, &tr->items[tr->groups[g].first],
					shingles);

		for (h = 0; h < nh; h++) {
			uint64_t min = UINT64_MAX, seed = h * 0x9e37 + 11;

			for (i = 0; i < ns; i++) {
				uint64_t x = reason_hash(&shingles[i],
							 sizeof(uint64_t),
							 seed);
				if (x < min)
					min = x;
			}
			sig[g * nh + h] = min;
		}
	}
	/* LSH: groups agreeing on all rows of some band are candidates. */
	for (b = 0; b < nb && err == NULL; b++) {
		for (g = 0; g < tr->ngroups; g++) {
			band[g].key = reason_hash(&sig[g * nh + b * nr],
						  nr * sizeof(uint64_t), b);
			band[g].group = g;
		}
		qsort(band, tr->ngroups, sizeof(*band), tr_band_cmp);
		for (i = 0; i < tr->ngroups && err == NULL; i = k) {
			size_t j;

			for (k = i + 1; k < tr->ngroups &&
			     band[k].key == band[i].key; k++)
				;
			/* A huge LSH bucket is compared against its first
			 * members only, which bounds the work per bucket. */
			for (j = i + 1; j < k && err == NULL; j++) {
				size_t l, lim = j - i < TR_MAX_BAND_BUCKET
						? j : i + TR_MAX_BAND_BUCKET;

				for (l = i; l < lim && err == NULL; l++)
					err = tr_candidate(tr, &seen, parent,
							   band[l].group,
							   band[j].group);
			}
		}
	}
out:
	lpd_free(sig);
	lpd_free(band);
	tr_map_deinit(&seen);
	return err;
}

/* ---- baselines -------------------------------------------------------- */

static struct lpd_error *
tr_baseline_top(struct reason_triage *tr, size_t depth, size_t *parent)
{
	struct lpd_error *err;
	struct tr_map m;
	size_t i;

	if ((err = tr_map_init(&m, tr->ngroups)) != NULL)
		return err;
	for (i = 0; i < tr->ngroups && err == NULL; i++) {
		const struct reason_titem *it = &tr->items[tr->groups[i].first];
		size_t n = it->nraw < depth ? it->nraw : depth;
		uint64_t h = reason_hash(it->raw, n * sizeof(*it->raw), n);
		size_t s = tr_map_slot(&m, h);

		if (m.keys[s] != 0) {
			tr_union(parent, m.vals[s], i);
			continue;
		}
		m.keys[s] = h | 1;
		m.vals[s] = i;
		m.n++;
		if (m.n * 2 > m.nslots)
			err = tr_map_grow(&m);
	}
	tr_map_deinit(&m);
	return err;
}

static double
tr_edit_similarity(const struct reason_titem *a, const struct reason_titem *b)
{
	unsigned row[REASON_MAX_RAW + 1], prev, tmp;
	size_t i, j, n = a->nraw, m = b->nraw, mx = n > m ? n : m;

	if (mx == 0)
		return 1.0;
	for (j = 0; j <= m; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= n; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= m; j++) {
			unsigned best = prev + (a->raw[i - 1] != b->raw[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return 1.0 - (double)row[m] / (double)mx;
}

/* Whole raw stacks by edit distance: every pair (quadratic, as this
 * baseline is done in practice). */
static void
tr_baseline_edit(struct reason_triage *tr, size_t *parent)
{
	size_t i, j;

	for (i = 0; i < tr->ngroups; i++)
		for (j = i + 1; j < tr->ngroups; j++) {
			tr->scored++;
			if (tr_edit_similarity(
				    &tr->items[tr->groups[i].first],
				    &tr->items[tr->groups[j].first]) >=
			    tr->o.threshold)
				tr_union(parent, i, j);
		}
}

/* ---- buckets ---------------------------------------------------------- */

static struct lpd_error *
tr_buckets(struct reason_triage *tr, size_t *parent)
{
	size_t *bucket_of_root = NULL, *best = NULL, i;
	struct lpd_error *err = NULL;

	tr_free_buckets(tr);
	bucket_of_root = lpd_calloc(tr->ngroups + 1, sizeof(size_t));
	tr->buckets = lpd_calloc(tr->ngroups + 1, sizeof(*tr->buckets));
	best = lpd_calloc(tr->ngroups + 1, sizeof(size_t));
	if (bucket_of_root == NULL || tr->buckets == NULL || best == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	for (i = 0; i < tr->ngroups; i++)
		bucket_of_root[i] = (size_t)-1;
	for (i = 0; i < tr->n; i++) {
		struct reason_titem *it = &tr->items[i];
		size_t root = tr_find(parent, it->group);
		struct reason_tbucket *bk;

		if (bucket_of_root[root] == (size_t)-1) {
			bucket_of_root[root] = tr->nbuckets;
			bk = &tr->buckets[tr->nbuckets++];
			bk->first_seen = bk->last_seen = it->time;
			bk->representative = i;
			best[bucket_of_root[root]] = it->group;
		}
		it->bucket = bucket_of_root[root];
		bk = &tr->buckets[it->bucket];
		err = lpd_vec_reserve((void **)&bk->members, &bk->cap,
				      bk->n + 1, sizeof(*bk->members));
		if (err != NULL)
			goto out;
		bk->members[bk->n++] = i;
		if (it->time < bk->first_seen)
			bk->first_seen = it->time;
		if (it->time > bk->last_seen)
			bk->last_seen = it->time;
		/* Representative: first item of the most common signature. */
		if (tr->groups[it->group].count >
		    tr->groups[best[it->bucket]].count) {
			best[it->bucket] = it->group;
			bk->representative = tr->groups[it->group].first;
		}
	}
out:
	lpd_free(bucket_of_root);
	lpd_free(best);
	return err;
}

struct lpd_error *
reason_triage_run(struct reason_triage *tr)
{
	struct lpd_error *err;
	size_t *parent, i;

	tr->candidates = tr->scored = 0;
	if ((err = tr_groups(tr)) != NULL)
		return err;
	parent = lpd_calloc(tr->ngroups + 1, sizeof(*parent));
	if (parent == NULL)
		return &lpd_enomem;
	for (i = 0; i < tr->ngroups; i++)
		parent[i] = i;
	switch (tr->o.method) {
	case REASON_METHOD_RELATIONAL:
		err = tr_relational(tr, parent);
		break;
	case REASON_METHOD_TOP1:
		err = tr_baseline_top(tr, 1, parent);
		break;
	case REASON_METHOD_TOP3:
		err = tr_baseline_top(tr, 3, parent);
		break;
	case REASON_METHOD_EDIT:
		tr_baseline_edit(tr, parent);
		break;
	}
	if (err == NULL)
		err = tr_buckets(tr, parent);
	lpd_free(parent);
	tr->ran = err == NULL;
	return err;
}

size_t
reason_triage_item_count(const struct reason_triage *tr)
{
	return tr->n;
}

size_t
reason_triage_bucket_count(const struct reason_triage *tr)
{
	return tr->ran ? tr->nbuckets : 0;
}

size_t
reason_triage_bucket_of(const struct reason_triage *tr, size_t i)
{
	return i < tr->n ? tr->items[i].bucket : (size_t)-1;
}

const char *
reason_triage_item_id(const struct reason_triage *tr, size_t i)
{
	return i < tr->n ? tr->items[i].id : NULL;
}

void
reason_triage_stats(const struct reason_triage *tr, size_t *signatures,
		    size_t *candidates, size_t *scored)
{
	*signatures = tr->ngroups;
	*candidates = tr->candidates;
	*scored = tr->scored;
}
