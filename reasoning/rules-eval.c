/* reasoning/rules-eval.c - the fact database and bottom-up evaluation of a
 * checked rule program: stratum by stratum (negation only looks at lower,
 * finished strata), semi-naive within a stratum (each round joins only
 * with the facts new in the previous one), to a fixpoint bounded in facts
 * and rounds. Each derived fact keeps its rule, its premises and the
 * variable bindings, so its proof can be printed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reasoning/rules-int.h"

/* The built-in rules, assembled in from the .dl file so they stay
 * readable (the Makefile makes this object depend on it). */
__asm__(".section .rodata\n"
	".global lpd_reason_builtin_dl\n"
	".type lpd_reason_builtin_dl, @object\n"
	"lpd_reason_builtin_dl:\n"
	".incbin \"reasoning/rules/builtin.dl\"\n"
	".byte 0\n"
	".previous\n");
extern const char lpd_reason_builtin_dl[];

const char *
reason_builtin_rules(void)
{
	return lpd_reason_builtin_dl;
}

enum { DB_DEFAULT_MAX_FACTS = 1000000, DB_DEFAULT_MAX_ITER = 100000 };
static const size_t DB_NONE = (size_t)-1;

struct dval {
	bool is_num;
	uint32_t sym;
	double num;
};

struct dfact {
	uint32_t pred;
	uint32_t nargs;
	size_t args;		/* index into vals */
	long rule;		/* -1: base fact */
	size_t binds;		/* index into vals: the rule's variables */
	size_t prem;		/* index into prems: one per body literal */
};

struct dpred {
	size_t arity;
	size_t *facts;		/* fact ids in derivation order */
	size_t n, cap;
};

struct reason_db {
	struct reason_intern syms;
	struct reason_intern names;	/* predicate name -> dpred index */
	struct dpred *preds;
	size_t npreds, cap_preds;
	struct dfact *facts;
	size_t nfacts, cap_facts;
	struct dval *vals;
	size_t nvals, cap_vals;
	size_t *prems;
	size_t nprems, cap_prems;
	uint32_t *slots;		/* fact id + 1; 0 empty */
	size_t nslots;
	const struct reason_rules *prog;	/* last evaluated; borrowed */
};

struct lpd_error *
reason_db_create(struct reason_db **ret)
{
	struct reason_db *db = lpd_calloc(1, sizeof(*db));

	if (db == NULL)
		return &lpd_enomem;
	reason_intern_init(&db->syms);
	reason_intern_init(&db->names);
	*ret = db;
	return NULL;
}

void
reason_db_destroy(struct reason_db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->npreds; i++)
		lpd_free(db->preds[i].facts);
	lpd_free(db->preds);
	lpd_free(db->facts);
	lpd_free(db->vals);
	lpd_free(db->prems);
	lpd_free(db->slots);
	reason_intern_deinit(&db->syms);
	reason_intern_deinit(&db->names);
	lpd_free(db);
}

static struct lpd_error *
db_pred(struct reason_db *db, const char *name, size_t arity, uint32_t *ret)
{
	struct lpd_error *err;
	uint32_t id;

	if ((err = reason_intern_get(&db->names, name, &id)) != NULL)
		return err;
	if (id < db->npreds) {
		if (db->preds[id].arity != arity)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
				"'%s' has %zu arguments, not %zu", name,
				db->preds[id].arity, arity);
		*ret = id;
		return NULL;
	}
	err = lpd_vec_reserve((void **)&db->preds, &db->cap_preds, id + 1,
			      sizeof(*db->preds));
	if (err != NULL)
		return err;
	memset(&db->preds[id], 0, sizeof(db->preds[id]));
	db->preds[id].arity = arity;
	db->npreds = id + 1;
	*ret = id;
	return NULL;
}

static bool
db_val_eq(const struct dval *a, const struct dval *b)
{
	if (a->is_num != b->is_num)
		return false;
	return a->is_num ? a->num == b->num : a->sym == b->sym;
}

static uint64_t
db_hash(uint32_t pred, const struct dval *args, size_t n)
{
	uint64_t h = reason_hash(&pred, sizeof(pred), 0x9e3779b9);
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t x;

		if (args[i].is_num) {
			double d = args[i].num == 0 ? 0 : args[i].num;

			memcpy(&x, &d, sizeof(x));
			x ^= UINT64_C(0x5555555555555555);
		} else {
			x = args[i].sym;
		}
		h = reason_hash(&x, sizeof(x), h);
	}
	return h;
}

/* Fact id of PRED(ARGS) or DB_NONE. */
static size_t
db_lookup(const struct reason_db *db, uint32_t pred, const struct dval *args,
	  size_t n)
{
	size_t mask, i, k;

	if (db->nslots == 0)
		return DB_NONE;
	mask = db->nslots - 1;
	i = (size_t)db_hash(pred, args, n) & mask;
	while (db->slots[i] != 0) {
		const struct dfact *f = &db->facts[db->slots[i] - 1];

		if (f->pred == pred && f->nargs == n) {
			for (k = 0; k < n; k++)
				if (!db_val_eq(&db->vals[f->args + k],
					       &args[k]))
					break;
			if (k == n)
				return db->slots[i] - 1;
		}
		i = (i + 1) & mask;
	}
	return DB_NONE;
}

static struct lpd_error *
db_rehash(struct reason_db *db)
{
	size_t n = db->nslots != 0 ? db->nslots * 2 : 256, i, k;
	uint32_t *slots = lpd_calloc(n, sizeof(*slots));

	if (slots == NULL)
		return &lpd_enomem;
	for (i = 0; i < db->nfacts; i++) {
		const struct dfact *f = &db->facts[i];

		k = (size_t)db_hash(f->pred, &db->vals[f->args], f->nargs) &
		    (n - 1);
		while (slots[k] != 0)
			k = (k + 1) & (n - 1);
		slots[k] = (uint32_t)i + 1;
	}
	lpd_free(db->slots);
	db->slots = slots;
	db->nslots = n;
	return NULL;
}

/* Add PRED(ARGS) unless present; *added says whether it was new. BINDS
 * (NB values) and PREMS (NP fact ids) record how it was derived. */
static struct lpd_error *
db_insert(struct reason_db *db, uint32_t pred, const struct dval *args,
	  size_t n, long rule, const struct dval *binds, size_t nb,
	  const size_t *prems, size_t np, bool *added)
{
	struct lpd_error *err;
	struct dpred *p = &db->preds[pred];
	struct dfact *f;
	size_t k;

	*added = false;
	if (db_lookup(db, pred, args, n) != DB_NONE)
		return NULL;
	if (db->nfacts >= UINT32_MAX - 1)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "too many facts");
	if ((db->nfacts + 1) * 2 > db->nslots &&
	    (err = db_rehash(db)) != NULL)
		return err;
	if ((err = lpd_vec_reserve((void **)&db->facts, &db->cap_facts,
				   db->nfacts + 1, sizeof(*db->facts))) ||
	    (err = lpd_vec_reserve((void **)&db->vals, &db->cap_vals,
				   db->nvals + n + nb, sizeof(*db->vals))) ||
	    (err = lpd_vec_reserve((void **)&db->prems, &db->cap_prems,
				   db->nprems + np, sizeof(*db->prems))) ||
	    (err = lpd_vec_reserve((void **)&p->facts, &p->cap, p->n + 1,
				   sizeof(*p->facts))))
		return err;
	f = &db->facts[db->nfacts];
	f->pred = pred;
	f->nargs = (uint32_t)n;
	f->args = db->nvals;
	f->rule = rule;
	memcpy(&db->vals[db->nvals], args, n * sizeof(*args));
	db->nvals += n;
	f->binds = db->nvals;
	if (nb > 0)
		memcpy(&db->vals[db->nvals], binds, nb * sizeof(*binds));
	db->nvals += nb;
	f->prem = db->nprems;
	for (k = 0; k < np; k++)
		db->prems[db->nprems++] = prems[k];
	p->facts[p->n++] = db->nfacts;
	k = (size_t)db_hash(pred, args, n) & (db->nslots - 1);
	while (db->slots[k] != 0)
		k = (k + 1) & (db->nslots - 1);
	db->slots[k] = (uint32_t)db->nfacts + 1;
	db->nfacts++;
	*added = true;
	return NULL;
}

static struct lpd_error *
db_term_val(struct reason_db *db, const struct reason_term *t,
	    struct dval *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (t->is_num) {
		ret->is_num = true;
		ret->num = t->num;
		return NULL;
	}
	return reason_intern_get(&db->syms, t->sym != NULL ? t->sym : "",
				 &ret->sym);
}

struct lpd_error *
reason_db_add(struct reason_db *db, const char *pred,
	      const struct reason_term *args, size_t n)
{
	struct dval vals[32];
	struct lpd_error *err;
	uint32_t p;
	size_t i;
	bool added;

	if (n > 32)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"'%s': more than 32 arguments", pred);
	if ((err = db_pred(db, pred, n, &p)) != NULL)
		return err;
	for (i = 0; i < n; i++)
		if ((err = db_term_val(db, &args[i], &vals[i])) != NULL)
			return err;
	return db_insert(db, p, vals, n, -1, NULL, 0, NULL, 0, &added);
}

/* ---- evaluation ------------------------------------------------------- */

struct ectx {
	struct reason_db *db;
	const struct reason_rules *prog;
	const struct reason_limits *lim;
	uint32_t *pmap;			/* program pred -> db pred */
	struct dval ***consts;		/* rule -> literal -> constants */
	size_t *full_end;		/* per db pred: facts visible */
	size_t *dstart, *dend;		/* per db pred: the delta */
	/* per join */
	long rule_idx;
	const struct rrule *rule;
	const size_t *plan;
	size_t delta_lit;
	struct dval binds[64];
	bool bound[64];
	size_t prem[64];
	struct lpd_error *err;
};

static const struct dval *
ectx_const(const struct ectx *e, size_t lit, size_t k)
{
	/* lit == nbody: the head */
	return &e->consts[e->rule_idx][lit][k];
}

/* Value of term K of literal LIT, or NULL when it is an unbound var or
 * anonymous. */
static const struct dval *
ectx_term(const struct ectx *e, size_t lit, size_t k)
{
	const struct rlit *l = lit < e->rule->nbody ? &e->rule->body[lit]
						    : &e->rule->head;
	const struct rterm *t = &l->args[k];

	switch (t->kind) {
	case RTERM_VAR:
		return e->bound[t->var] ? &e->binds[t->var] : NULL;
	case RTERM_ANON:
		return NULL;
	default:
		return ectx_const(e, lit, k);
	}
}

static void ectx_join(struct ectx *e, size_t step);

static void
ectx_derive(struct ectx *e)
{
	const struct rrule *r = e->rule;
	struct dval args[32];
	size_t k, max_facts;
	bool added;

	for (k = 0; k < r->head.nargs; k++) {
		const struct dval *v = ectx_term(e, r->nbody, k);

		if (v == NULL)
			return;		/* cannot happen for a safe rule */
		args[k] = *v;
	}
	e->err = db_insert(e->db, e->pmap[r->head.pred], args, r->head.nargs,
			   e->rule_idx, e->binds, r->nvars, e->prem, r->nbody,
			   &added);
	if (e->err != NULL || !added)
		return;
	max_facts = e->lim->max_facts != 0 ? e->lim->max_facts
					   : DB_DEFAULT_MAX_FACTS;
	if (e->db->nfacts > max_facts)
		e->err = lpd_error_format(LPD_ERR_INVALID_ARG,
			"more than %zu facts derived; stopped at rule '%s' "
			"(%s:%d:%d): the rules may not terminate", max_facts,
			e->prog->preds[r->head.pred].name, r->file, r->line,
			r->col);
}

static bool
ectx_cmp(enum rcmp op, const struct dval *a, const struct dval *b,
	 const struct reason_db *db)
{
	int c;

	if (op == RCMP_EQ)
		return db_val_eq(a, b);
	if (op == RCMP_NE)
		return !db_val_eq(a, b);
	if (a->is_num != b->is_num)
		return false;	/* numbers and symbols do not order */
	if (a->is_num)
		c = a->num < b->num ? -1 : a->num > b->num ? 1 : 0;
	else
		c = strcmp(reason_intern_str(&db->syms, a->sym),
			   reason_intern_str(&db->syms, b->sym));
	switch (op) {
	case RCMP_LT: return c < 0;
	case RCMP_LE: return c <= 0;
	case RCMP_GT: return c > 0;
	default: return c >= 0;
	}
}

static void
ectx_pos(struct ectx *e, size_t step, size_t li)
{
	const struct rlit *l = &e->rule->body[li];
	uint32_t p = e->pmap[l->pred];
	const struct dpred *dp = &e->db->preds[p];
	size_t lo = 0, hi = e->full_end[p], i, k;

	if (li == e->delta_lit) {
		lo = e->dstart[p];
		hi = e->dend[p];
	}
	for (i = lo; i < hi && e->err == NULL; i++) {
		size_t fid = dp->facts[i];
		const struct dfact *f = &e->db->facts[fid];
		uint64_t newly = 0;

		for (k = 0; k < l->nargs; k++) {
			const struct rterm *t = &l->args[k];
			const struct dval *fv = &e->db->vals[f->args + k];

			if (t->kind == RTERM_ANON)
				continue;
			if (t->kind == RTERM_VAR && !e->bound[t->var]) {
				e->binds[t->var] = *fv;
				e->bound[t->var] = true;
				newly |= UINT64_C(1) << t->var;
				continue;
			}
			if (!db_val_eq(ectx_term(e, li, k), fv))
				break;
		}
		if (k == l->nargs) {
			e->prem[li] = fid;
			ectx_join(e, step + 1);
		}
		for (k = 0; k < 64; k++)
			if (newly >> k & 1)
				e->bound[k] = false;
	}
}

static bool
ectx_exists(struct ectx *e, size_t li)
{
	const struct rlit *l = &e->rule->body[li];
	uint32_t p = e->pmap[l->pred];
	const struct dpred *dp = &e->db->preds[p];
	struct dval args[32];
	bool anon = false;
	size_t i, k;

	for (k = 0; k < l->nargs; k++) {
		const struct dval *v = ectx_term(e, li, k);

		if (v == NULL)
			anon = true;
		else
			args[k] = *v;
	}
	if (!anon)
		return db_lookup(e->db, p, args, l->nargs) != DB_NONE;
	for (i = 0; i < dp->n; i++) {
		const struct dfact *f = &e->db->facts[dp->facts[i]];

		for (k = 0; k < l->nargs; k++) {
			const struct dval *v = ectx_term(e, li, k);

			if (v != NULL &&
			    !db_val_eq(v, &e->db->vals[f->args + k]))
				break;
		}
		if (k == l->nargs)
			return true;
	}
	return false;
}

static void
ectx_join(struct ectx *e, size_t step)
{
	const struct rrule *r = e->rule;
	const struct rlit *l;
	const struct dval *a, *b;
	size_t li;

	if (e->err != NULL)
		return;
	if (step == r->nbody) {
		ectx_derive(e);
		return;
	}
	li = e->plan[step];
	l = &r->body[li];
	e->prem[li] = DB_NONE;
	switch (l->kind) {
	case RLIT_POS:
		ectx_pos(e, step, li);
		return;
	case RLIT_NEG:
		if (!ectx_exists(e, li))
			ectx_join(e, step + 1);
		return;
	case RLIT_CMP:
		a = ectx_term(e, li, 0);
		b = ectx_term(e, li, 1);
		if (a != NULL && b != NULL) {
			if (ectx_cmp(l->cmp, a, b, e->db))
				ectx_join(e, step + 1);
			return;
		}
		/* "=" with one side unbound binds it. */
		if (l->cmp == RCMP_EQ && (a != NULL || b != NULL)) {
			const struct rterm *t = &l->args[a == NULL ? 0 : 1];

			e->binds[t->var] = a != NULL ? *a : *b;
			e->bound[t->var] = true;
			ectx_join(e, step + 1);
			e->bound[t->var] = false;
		}
		return;
	case RLIT_ASSIGN: {
		struct dval v = { .is_num = true };
		const struct dval *x = ectx_term(e, li, 1);
		const struct dval *y = ectx_term(e, li, 2);
		const struct rterm *t = &l->args[0];

		if (x == NULL || y == NULL || !x->is_num || !y->is_num)
			return;
		switch (l->aop) {
		case '+': v.num = x->num + y->num; break;
		case '-': v.num = x->num - y->num; break;
		case '*': v.num = x->num * y->num; break;
		default:
			if (y->num == 0)
				return;
			v.num = x->num / y->num;
		}
		if (!isfinite(v.num))
			return;
		if (e->bound[t->var]) {
			if (db_val_eq(&e->binds[t->var], &v))
				ectx_join(e, step + 1);
			return;
		}
		e->binds[t->var] = v;
		e->bound[t->var] = true;
		ectx_join(e, step + 1);
		e->bound[t->var] = false;
		return;
	}
	}
}

static void
ectx_run_rule(struct ectx *e, size_t ri, size_t plan_index, size_t delta_lit)
{
	const struct rrule *r = &e->prog->rules[ri];

	e->rule_idx = (long)ri;
	e->rule = r;
	e->plan = r->plans[plan_index];
	e->delta_lit = delta_lit;
	memset(e->bound, 0, sizeof(e->bound));
	ectx_join(e, 0);
}

static void
ectx_snapshot(struct ectx *e)
{
	size_t p;

	for (p = 0; p < e->db->npreds; p++)
		e->full_end[p] = e->db->preds[p].n;
}

static struct lpd_error *
ectx_stratum(struct ectx *e, int s)
{
	const struct reason_rules *prog = e->prog;
	size_t max_iter = e->lim->max_iterations != 0
			  ? e->lim->max_iterations : DB_DEFAULT_MAX_ITER;
	size_t ri, k, p, iter, np = e->db->npreds;
	bool any = false;

	/* Round 0: every rule of the stratum over everything known. */
	ectx_snapshot(e);
	for (ri = 0; ri < prog->nrules && e->err == NULL; ri++) {
		if (prog->preds[prog->rules[ri].head.pred].stratum != s)
			continue;
		any = true;
		ectx_run_rule(e, ri, 0, DB_NONE);
	}
	if (!any || e->err != NULL)
		return e->err;
	for (p = 0; p < np; p++) {
		e->dstart[p] = e->full_end[p];
		e->dend[p] = e->db->preds[p].n;
	}
	for (iter = 1;; iter++) {
		bool delta = false;

		for (p = 0; p < np; p++)
			if (e->dend[p] > e->dstart[p])
				delta = true;
		if (!delta)
			return NULL;
		if (iter > max_iter)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
				"no fixpoint after %zu rounds in stratum %d: "
				"the rules may not terminate", max_iter, s);
		ectx_snapshot(e);
		for (ri = 0; ri < prog->nrules && e->err == NULL; ri++) {
			const struct rrule *r = &prog->rules[ri];

			if (prog->preds[r->head.pred].stratum != s)
				continue;
			for (k = 0; k < r->nbody && e->err == NULL; k++) {
				const struct rlit *l = &r->body[k];
				uint32_t dp;

				if (l->kind != RLIT_POS ||
				    prog->preds[l->pred].stratum != s)
					continue;
				dp = e->pmap[l->pred];
				if (e->dend[dp] == e->dstart[dp])
					continue;
				ectx_run_rule(e, ri, k + 1, k);
			}
		}
		if (e->err != NULL)
			return e->err;
		for (p = 0; p < np; p++) {
			e->dstart[p] = e->full_end[p];
			e->dend[p] = e->db->preds[p].n;
		}
	}
}

struct lpd_error *
reason_rules_eval(const struct reason_rules *prog, struct reason_db *db,
		  const struct reason_limits *limits)
{
	static const struct reason_limits no_limits;
	struct ectx e = { .db = db, .prog = prog };
	struct lpd_error *err = NULL;
	size_t i, k, np;
	int s;

	e.lim = limits != NULL ? limits : &no_limits;
	db->prog = prog;
	e.pmap = lpd_calloc(prog->npreds + 1, sizeof(*e.pmap));
	e.consts = lpd_calloc(prog->nrules + 1, sizeof(*e.consts));
	if (e.pmap == NULL || e.consts == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	for (i = 0; i < prog->npreds; i++)
		if ((err = db_pred(db, prog->preds[i].name,
				   prog->preds[i].arity, &e.pmap[i])) != NULL)
			goto out;
	/* Constants of every literal (the head last), as database values. */
	for (i = 0; i < prog->nrules; i++) {
		const struct rrule *r = &prog->rules[i];
		struct dval **c = lpd_calloc(r->nbody + 1, sizeof(*c));

		if (c == NULL) {
			err = &lpd_enomem;
			goto out;
		}
		e.consts[i] = c;
		for (k = 0; k <= r->nbody; k++) {
			const struct rlit *l = k < r->nbody ? &r->body[k]
							    : &r->head;
			size_t t;

			c[k] = lpd_calloc(l->nargs + 1, sizeof(**c));
			if (c[k] == NULL) {
				err = &lpd_enomem;
				goto out;
			}
			for (t = 0; t < l->nargs; t++) {
				struct reason_term rt = {
					.is_num = l->args[t].kind == RTERM_NUM,
					.sym = l->args[t].sym,
					.num = l->args[t].num,
				};

				if (l->args[t].kind != RTERM_SYM &&
				    l->args[t].kind != RTERM_NUM)
					continue;
				if ((err = db_term_val(db, &rt,
						       &c[k][t])) != NULL)
					goto out;
			}
		}
	}
	np = db->npreds;
	e.full_end = lpd_calloc(np + 1, sizeof(size_t));
	e.dstart = lpd_calloc(np + 1, sizeof(size_t));
	e.dend = lpd_calloc(np + 1, sizeof(size_t));
	if (e.full_end == NULL || e.dstart == NULL || e.dend == NULL) {
		err = &lpd_enomem;
		goto out;
	}
	for (s = 0; s <= prog->max_stratum && err == NULL; s++)
		err = ectx_stratum(&e, s);
out:
	if (e.consts != NULL) {
		for (i = 0; i < prog->nrules; i++) {
			struct dval **c = e.consts[i];

			if (c == NULL)
				continue;
			for (k = 0; k <= prog->rules[i].nbody; k++)
				lpd_free(c[k]);
			lpd_free(c);
		}
	}
	lpd_free(e.consts);
	lpd_free(e.pmap);
	lpd_free(e.full_end);
	lpd_free(e.dstart);
	lpd_free(e.dend);
	return err;
}

/* ---- queries and proofs ----------------------------------------------- */

static bool
db_find_pred(const struct reason_db *db, const char *pred, uint32_t *ret)
{
	return reason_intern_find(&db->names, pred, ret) && *ret < db->npreds;
}

size_t
reason_db_count(const struct reason_db *db, const char *pred)
{
	uint32_t p;

	return db_find_pred(db, pred, &p) ? db->preds[p].n : 0;
}

bool
reason_db_holds(const struct reason_db *db, const char *pred,
		const struct reason_term *args, size_t n)
{
	struct dval vals[32];
	uint32_t p;
	size_t i;

	if (n > 32 || !db_find_pred(db, pred, &p) || db->preds[p].arity != n)
		return false;
	for (i = 0; i < n; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		if (args[i].is_num) {
			vals[i].is_num = true;
			vals[i].num = args[i].num;
		} else if (!reason_intern_find(&db->syms,
				args[i].sym != NULL ? args[i].sym : "",
				&vals[i].sym)) {
			return false;
		}
	}
	return db_lookup(db, p, vals, n) != DB_NONE;
}

static size_t
db_fact_id(const struct reason_db *db, const char *pred, size_t i)
{
	uint32_t p;

	if (!db_find_pred(db, pred, &p) || i >= db->preds[p].n)
		return DB_NONE;
	return db->preds[p].facts[i];
}

struct reason_term
reason_db_fact_arg(const struct reason_db *db, const char *pred, size_t i,
		   size_t k)
{
	struct reason_term t = { .is_num = false, .sym = NULL };
	size_t fid = db_fact_id(db, pred, i);
	const struct dval *v;

	if (fid == DB_NONE || k >= db->facts[fid].nargs)
		return t;
	v = &db->vals[db->facts[fid].args + k];
	t.is_num = v->is_num;
	t.num = v->num;
	if (!v->is_num)
		t.sym = reason_intern_str(&db->syms, v->sym);
	return t;
}

static struct lpd_error *
db_val_text(const struct reason_db *db, const struct dval *v,
	    struct lpd_buf *b)
{
	const char *s;
	struct lpd_error *err;
	char tmp[64];

	if (v->is_num) {
		if (v->num == floor(v->num) && fabs(v->num) < 1e15)
			snprintf(tmp, sizeof(tmp), "%.0f", v->num);
		else
			snprintf(tmp, sizeof(tmp), "%.4g", v->num);
		for (char *c = tmp; *c != '\0'; c++)
			if (*c == ',')
				*c = '.';
		return lpd_buf_puts(b, tmp);
	}
	s = reason_intern_str(&db->syms, v->sym);
	if ((err = lpd_buf_puts(b, "\"")) != NULL)
		return err;
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			err = lpd_buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			err = lpd_buf_puts(b, "\\n");
		else
			err = lpd_buf_append(b, s, 1);
		if (err != NULL)
			return err;
	}
	return lpd_buf_puts(b, "\"");
}

static struct lpd_error *
db_fact_to(const struct reason_db *db, size_t fid, struct lpd_buf *b)
{
	const struct dfact *f = &db->facts[fid];
	struct lpd_error *err;
	size_t k;

	err = lpd_buf_puts(b, reason_intern_str(&db->names, f->pred));
	for (k = 0; err == NULL && k < f->nargs; k++) {
		err = lpd_buf_puts(b, k == 0 ? "(" : ", ");
		if (err == NULL)
			err = db_val_text(db, &db->vals[f->args + k], b);
	}
	if (err == NULL && f->nargs > 0)
		err = lpd_buf_puts(b, ")");
	return err;
}

char *
reason_db_fact_text(const struct reason_db *db, const char *pred, size_t i)
{
	struct lpd_buf b = LPD_BUF_INIT;
	size_t fid = db_fact_id(db, pred, i);

	if (fid == DB_NONE || db_fact_to(db, fid, &b) != NULL) {
		lpd_buf_deinit(&b);
		return NULL;
	}
	return lpd_buf_steal(&b);
}

/* Literal LI of fact F's rule with F's bindings substituted. */
static struct lpd_error *
db_lit_text(const struct reason_db *db, const struct dfact *f,
	    const struct rrule *r, const struct rlit *l, struct lpd_buf *b)
{
	static const char *const ops[] = { "=", "!=", "<", "<=", ">", ">=" };
	struct lpd_error *err = NULL;
	size_t k;

	if (l->kind == RLIT_NEG)
		err = lpd_buf_printf(b, "not %s",
				     db->prog->preds[l->pred].name);
	else if (l->kind == RLIT_POS)
		err = lpd_buf_puts(b, db->prog->preds[l->pred].name);
	for (k = 0; err == NULL && k < l->nargs; k++) {
		const struct rterm *t = &l->args[k];
		struct dval v = { 0 };

		if (l->kind == RLIT_POS || l->kind == RLIT_NEG)
			err = lpd_buf_puts(b, k == 0 ? "(" : ", ");
		else if (k == 1)
			err = lpd_buf_printf(b, " %s ", ops[l->cmp]);
		else if (k == 2)
			err = lpd_buf_printf(b, " %c ", l->aop);
		if (err != NULL)
			break;
		switch (t->kind) {
		case RTERM_ANON:
			err = lpd_buf_puts(b, "_");
			continue;
		case RTERM_VAR:
			v = db->vals[f->binds + t->var];
			break;
		case RTERM_NUM:
			v.is_num = true;
			v.num = t->num;
			break;
		case RTERM_SYM:
			if (!reason_intern_find(&db->syms, t->sym, &v.sym)) {
				err = lpd_buf_printf(b, "\"%s\"", t->sym);
				continue;
			}
			break;
		}
		err = db_val_text(db, &v, b);
	}
	if (err == NULL && (l->kind == RLIT_POS || l->kind == RLIT_NEG) &&
	    l->nargs > 0)
		err = lpd_buf_puts(b, ")");
	(void)r;
	return err;
}

static struct lpd_error *
db_proof_to(const struct reason_db *db, size_t fid, unsigned depth,
	    unsigned indent, struct lpd_buf *b)
{
	const struct dfact *f = &db->facts[fid];
	const struct rrule *r;
	struct lpd_error *err;
	size_t k;

	if ((err = lpd_buf_printf(b, "%*s", (int)indent, "")) != NULL ||
	    (err = db_fact_to(db, fid, b)) != NULL)
		return err;
	if (f->rule < 0 || db->prog == NULL ||
	    (size_t)f->rule >= db->prog->nrules)
		return lpd_buf_puts(b, "  [fact]\n");
	r = &db->prog->rules[f->rule];
	if (depth == 0)
		return lpd_buf_printf(b, "  [by %s:%d]\n", r->file, r->line);
	if ((err = lpd_buf_printf(b, "\n%*s  by %s:%d: %s\n", (int)indent,
				  "", r->file, r->line, r->text)) != NULL)
		return err;
	for (k = 0; k < r->nbody; k++) {
		const struct rlit *l = &r->body[k];
		size_t pf = db->prems[f->prem + k];

		if (l->kind == RLIT_POS && pf != DB_NONE) {
			err = db_proof_to(db, pf, depth - 1, indent + 4, b);
		} else {
			err = lpd_buf_printf(b, "%*s", (int)indent + 4, "");
			if (err == NULL)
				err = db_lit_text(db, f, r, l, b);
			if (err == NULL)
				err = lpd_buf_puts(b, l->kind == RLIT_NEG
					? "  [no such fact]\n" : "  [holds]\n");
		}
		if (err != NULL)
			return err;
	}
	return NULL;
}

char *
reason_db_proof_text(const struct reason_db *db, const char *pred, size_t i,
		     unsigned depth)
{
	struct lpd_buf b = LPD_BUF_INIT;
	size_t fid = db_fact_id(db, pred, i);

	if (fid == DB_NONE || db_proof_to(db, fid, depth, 0, &b) != NULL) {
		lpd_buf_deinit(&b);
		return NULL;
	}
	return lpd_buf_steal(&b);
}

static void
db_proof_json(const struct reason_db *db, size_t fid, unsigned depth,
	      struct lpd_json *j)
{
	const struct dfact *f = &db->facts[fid];
	struct lpd_buf b = LPD_BUF_INIT;
	const struct rrule *r = NULL;
	size_t k;

	if (f->rule >= 0 && db->prog != NULL &&
	    (size_t)f->rule < db->prog->nrules)
		r = &db->prog->rules[f->rule];
	lpd_json_object_begin(j);
	lpd_json_key(j, "fact");
	if (db_fact_to(db, fid, &b) == NULL)
		lpd_json_string(j, b.data);
	else
		lpd_json_null(j);
	lpd_json_key(j, "rule");
	lpd_json_string(j, r != NULL ? r->text : NULL);
	lpd_json_key(j, "at");
	lpd_buf_reset(&b);
	if (r != NULL && lpd_buf_printf(&b, "%s:%d", r->file, r->line) == NULL)
		lpd_json_string(j, b.data);
	else
		lpd_json_null(j);
	lpd_json_key(j, "premises");
	lpd_json_array_begin(j);
	for (k = 0; r != NULL && depth > 0 && k < r->nbody; k++) {
		size_t pf = db->prems[f->prem + k];

		if (r->body[k].kind == RLIT_POS && pf != DB_NONE)
			db_proof_json(db, pf, depth - 1, j);
	}
	lpd_json_array_end(j);
	lpd_json_key(j, "conditions");
	lpd_json_array_begin(j);
	for (k = 0; r != NULL && k < r->nbody; k++) {
		if (r->body[k].kind == RLIT_POS)
			continue;
		lpd_buf_reset(&b);
		if (db_lit_text(db, f, r, &r->body[k], &b) == NULL)
			lpd_json_string(j, b.data);
	}
	lpd_json_array_end(j);
	lpd_json_object_end(j);
	lpd_buf_deinit(&b);
}

void
reason_db_proof_json(const struct reason_db *db, const char *pred, size_t i,
		     unsigned depth, struct lpd_json *j)
{
	size_t fid = db_fact_id(db, pred, i);

	if (fid == DB_NONE) {
		lpd_json_null(j);
		return;
	}
	db_proof_json(db, fid, depth, j);
}
