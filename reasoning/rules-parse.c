/* reasoning/rules-parse.c - the rule language: Datalog with negation,
 * comparisons and arithmetic. Parses hostile text into rules, with errors
 * at FILE:LINE:COL, and refuses what could not be evaluated safely: unsafe
 * variables, negation that is not stratifiable, arithmetic inside
 * recursion. Evaluation is rules-eval.c's.
 *
 *   % comment (also # and //)
 *   .show same_crash.                       display this relation
 *   edge(a, b).                             a fact
 *   path(X, Y) :- edge(X, Y).               a rule
 *   path(X, Y) :- path(X, Z), edge(Z, Y).   recursion
 *   lonely(X) :- node(X), not edge(X, _).   negation (stratified)
 *   big(X) :- size(X, S), S >= 10.          comparison
 *   next(X, Y) :- num(X), Y = X + 1.        arithmetic (not recursive)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reasoning/rules-int.h"

/* Bounds on hostile input. */
enum {
	RP_MAX_TEXT = 4 * 1024 * 1024,
	RP_MAX_ARGS = 32,
	RP_MAX_BODY = 64,
	RP_MAX_VARS = 64,
	RP_MAX_IDENT = 256,
	RP_MAX_PREDS = 4096,
	RP_MAX_RULES = 65536,
};

enum rtok {
	TOK_EOF, TOK_IDENT, TOK_VAR, TOK_ANON, TOK_STRING, TOK_NUMBER,
	TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_DOT, TOK_IF, TOK_BANG,
	TOK_EQ, TOK_NE, TOK_LT, TOK_LE, TOK_GT, TOK_GE, TOK_PLUS, TOK_MINUS,
	TOK_STAR, TOK_SLASH,
};

struct rparser {
	struct reason_rules *prog;
	const char *file;
	const char *text;
	size_t len, pos;
	int line, col;
	/* current token */
	enum rtok tok;
	int tline, tcol;
	size_t tstart;
	struct lpd_buf val;	/* identifier / string contents */
	double num;
	/* rule being built */
	struct rrule *rule;
};

static const char *
rp_tok_name(enum rtok t)
{
	static const char *const names[] = {
		"end of file", "identifier", "variable", "'_'", "string",
		"number", "'('", "')'", "','", "'.'", "':-'", "'!'", "'='",
		"'!='", "'<'", "'<='", "'>'", "'>='", "'+'", "'-'", "'*'",
		"'/'",
	};
	return names[t];
}

static struct lpd_error *
rp_error(struct rparser *p, int line, int col, const char *fmt, ...)
	LPD_PRINTF(4, 5);

static struct lpd_error *
rp_error(struct rparser *p, int line, int col, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err != NULL)
		return err;
	err = lpd_error_syntax(p->file, line, col, "%s", b.data);
	lpd_buf_deinit(&b);
	return err;
}

static int
rp_peekc(const struct rparser *p, size_t ahead)
{
	return p->pos + ahead < p->len ? (unsigned char)p->text[p->pos + ahead]
				       : -1;
}

static void
rp_advance(struct rparser *p)
{
	if (p->pos >= p->len)
		return;
	if (p->text[p->pos] == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->pos++;
}

static bool
rp_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
rp_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static void
rp_skip_space(struct rparser *p)
{
	for (;;) {
		int c = rp_peekc(p, 0);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			rp_advance(p);
		} else if (c == '%' || c == '#' ||
			   (c == '/' && rp_peekc(p, 1) == '/')) {
			while (rp_peekc(p, 0) != -1 && rp_peekc(p, 0) != '\n')
				rp_advance(p);
		} else {
			return;
		}
	}
}

/* Numbers are parsed by hand: strtod would follow the locale. */
static struct lpd_error *
rp_number(struct rparser *p)
{
	double v = 0, scale = 0.1;
	int digits = 0;

	while (rp_is_digit(rp_peekc(p, 0))) {
		v = v * 10 + (rp_peekc(p, 0) - '0');
		rp_advance(p);
		if (++digits > 30)
			return rp_error(p, p->tline, p->tcol,
					"number too long");
	}
	if (rp_peekc(p, 0) == '.' && rp_is_digit(rp_peekc(p, 1))) {
		rp_advance(p);
		while (rp_is_digit(rp_peekc(p, 0))) {
			v += scale * (rp_peekc(p, 0) - '0');
			scale /= 10;
			rp_advance(p);
			if (++digits > 30)
				return rp_error(p, p->tline, p->tcol,
						"number too long");
		}
	}
	if (rp_is_alpha(rp_peekc(p, 0)))
		return rp_error(p, p->line, p->col,
				"unexpected '%c' after a number",
				rp_peekc(p, 0));
	p->num = v;
	p->tok = TOK_NUMBER;
	return NULL;
}

static struct lpd_error *
rp_string(struct rparser *p)
{
	struct lpd_error *err;

	rp_advance(p);	/* opening quote */
	lpd_buf_reset(&p->val);
	if ((err = lpd_buf_puts(&p->val, "")) != NULL)
		return err;
	for (;;) {
		int c = rp_peekc(p, 0);
		char ch;

		if (c == -1 || c == '\n')
			return rp_error(p, p->tline, p->tcol,
					"unterminated string");
		rp_advance(p);
		if (c == '"')
			break;
		if (c == '\\') {
			c = rp_peekc(p, 0);
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c != '\\' && c != '"')
				return rp_error(p, p->line, p->col,
						"bad escape '\\%c' in string",
						c == -1 ? ' ' : c);
			rp_advance(p);
		} else if (c == 0) {
			return rp_error(p, p->line, p->col - 1,
					"NUL byte in string");
		}
		if (p->val.len >= 4096)
			return rp_error(p, p->tline, p->tcol,
					"string longer than 4096 bytes");
		ch = (char)c;
		if ((err = lpd_buf_append(&p->val, &ch, 1)) != NULL)
			return err;
	}
	p->tok = TOK_STRING;
	return NULL;
}

static struct lpd_error *
rp_next(struct rparser *p)
{
	int c, d;

	rp_skip_space(p);
	p->tline = p->line;
	p->tcol = p->col;
	p->tstart = p->pos;
	c = rp_peekc(p, 0);
	d = rp_peekc(p, 1);
	if (c == -1) {
		p->tok = TOK_EOF;
		return NULL;
	}
	if (rp_is_alpha(c)) {
		struct lpd_error *err;

		lpd_buf_reset(&p->val);
		while (rp_is_alpha(rp_peekc(p, 0)) ||
		       rp_is_digit(rp_peekc(p, 0))) {
			char ch = (char)rp_peekc(p, 0);

			if (p->val.len >= RP_MAX_IDENT)
				return rp_error(p, p->tline, p->tcol,
					"name longer than %d characters",
					RP_MAX_IDENT);
			if ((err = lpd_buf_append(&p->val, &ch, 1)) != NULL)
				return err;
			rp_advance(p);
		}
		if (strcmp(p->val.data, "_") == 0)
			p->tok = TOK_ANON;
		else if ((c >= 'A' && c <= 'Z') || c == '_')
			p->tok = TOK_VAR;
		else
			p->tok = TOK_IDENT;
		return NULL;
	}
	if (rp_is_digit(c))
		return rp_number(p);
	if (c == '"')
		return rp_string(p);
	rp_advance(p);
	switch (c) {
	case '(': p->tok = TOK_LPAREN; return NULL;
	case ')': p->tok = TOK_RPAREN; return NULL;
	case ',': p->tok = TOK_COMMA; return NULL;
	case '.': p->tok = TOK_DOT; return NULL;
	case '+': p->tok = TOK_PLUS; return NULL;
	case '-': p->tok = TOK_MINUS; return NULL;
	case '*': p->tok = TOK_STAR; return NULL;
	case '/': p->tok = TOK_SLASH; return NULL;
	case '=': p->tok = TOK_EQ; return NULL;
	case ':':
		if (d == '-') {
			rp_advance(p);
			p->tok = TOK_IF;
			return NULL;
		}
		break;
	case '!':
		if (d == '=') {
			rp_advance(p);
			p->tok = TOK_NE;
		} else {
			p->tok = TOK_BANG;
		}
		return NULL;
	case '<':
		if (d == '=') {
			rp_advance(p);
			p->tok = TOK_LE;
		} else {
			p->tok = TOK_LT;
		}
		return NULL;
	case '>':
		if (d == '=') {
			rp_advance(p);
			p->tok = TOK_GE;
		} else {
			p->tok = TOK_GT;
		}
		return NULL;
	}
	if (c >= 0x20 && c < 0x7f)
		return rp_error(p, p->tline, p->tcol, "unexpected '%c'", c);
	return rp_error(p, p->tline, p->tcol, "unexpected byte 0x%02x", c);
}

static struct lpd_error *
rp_expect(struct rparser *p, enum rtok t, const char *where)
{
	if (p->tok != t)
		return rp_error(p, p->tline, p->tcol,
				"expected %s %s, found %s", rp_tok_name(t),
				where, rp_tok_name(p->tok));
	return rp_next(p);
}

/* ---- building rules --------------------------------------------------- */

void
reason_rules_free_rule(struct rrule *r)
{
	size_t i, k;

	if (r->head.args != NULL) {
		for (k = 0; k < r->head.nargs; k++)
			lpd_free(r->head.args[k].sym);
		lpd_free(r->head.args);
	}
	for (i = 0; i < r->nbody; i++) {
		for (k = 0; k < r->body[i].nargs; k++)
			lpd_free(r->body[i].args[k].sym);
		lpd_free(r->body[i].args);
	}
	lpd_free(r->body);
	for (i = 0; i < r->nvars; i++)
		lpd_free(r->vars[i]);
	lpd_free(r->vars);
	if (r->plans != NULL)
		for (i = 0; i <= r->nbody; i++)
			lpd_free(r->plans[i]);
	lpd_free(r->plans);
	lpd_free(r->text);
	memset(r, 0, sizeof(*r));
}

long
reason_rules_find_pred(const struct reason_rules *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->npreds; i++)
		if (strcmp(r->preds[i].name, name) == 0)
			return (long)i;
	return -1;
}

static struct lpd_error *
rp_pred(struct rparser *p, const char *name, size_t arity, int line,
	int col, uint32_t *ret)
{
	struct reason_rules *r = p->prog;
	long i = reason_rules_find_pred(r, name);
	struct lpd_error *err;

	if (i >= 0) {
		if (r->preds[i].arity != arity)
			return rp_error(p, line, col,
				"'%s' used with %zu argument%s here, %zu "
				"before", name, arity, arity == 1 ? "" : "s",
				r->preds[i].arity);
		*ret = (uint32_t)i;
		return NULL;
	}
	if (r->npreds >= RP_MAX_PREDS)
		return rp_error(p, line, col, "more than %d predicates",
				RP_MAX_PREDS);
	err = lpd_vec_reserve((void **)&r->preds, &r->cap_preds,
			      r->npreds + 1, sizeof(*r->preds));
	if (err != NULL)
		return err;
	memset(&r->preds[r->npreds], 0, sizeof(r->preds[0]));
	r->preds[r->npreds].name = lpd_strdup(name);
	if (r->preds[r->npreds].name == NULL)
		return &lpd_enomem;
	r->preds[r->npreds].arity = arity;
	*ret = (uint32_t)r->npreds++;
	return NULL;
}

static struct lpd_error *
rp_var(struct rparser *p, const char *name, uint32_t *ret)
{
	struct rrule *r = p->rule;
	size_t i;
	char **v;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->vars[i], name) == 0) {
			*ret = (uint32_t)i;
			return NULL;
		}
	if (r->nvars >= RP_MAX_VARS)
		return rp_error(p, p->tline, p->tcol,
				"more than %d variables in one rule",
				RP_MAX_VARS);
	v = lpd_reallocarray(r->vars, r->nvars + 1, sizeof(*v));
	if (v == NULL)
		return &lpd_enomem;
	r->vars = v;
	v[r->nvars] = lpd_strdup(name);
	if (v[r->nvars] == NULL)
		return &lpd_enomem;
	*ret = (uint32_t)r->nvars++;
	return NULL;
}

/* term := VAR | '_' | ident | string | ['-'] number */
static struct lpd_error *
rp_term(struct rparser *p, struct rterm *t)
{
	struct lpd_error *err;
	bool neg = false;

	memset(t, 0, sizeof(*t));
	switch (p->tok) {
	case TOK_VAR:
		t->kind = RTERM_VAR;
		if ((err = rp_var(p, p->val.data, &t->var)) != NULL)
			return err;
		break;
	case TOK_ANON:
		t->kind = RTERM_ANON;
		break;
	case TOK_IDENT:
	case TOK_STRING:
		t->kind = RTERM_SYM;
		t->sym = lpd_strdup(p->val.data != NULL ? p->val.data : "");
		if (t->sym == NULL)
			return &lpd_enomem;
		break;
	case TOK_MINUS:
		neg = true;
		if ((err = rp_next(p)) != NULL)
			return err;
		if (p->tok != TOK_NUMBER)
			return rp_error(p, p->tline, p->tcol,
					"expected a number after '-', found "
					"%s", rp_tok_name(p->tok));
		/* fall through */
	case TOK_NUMBER:
		t->kind = RTERM_NUM;
		t->num = neg ? -p->num : p->num;
		break;
	default:
		return rp_error(p, p->tline, p->tcol,
				"expected a term, found %s",
				rp_tok_name(p->tok));
	}
	return rp_next(p);
}

static struct lpd_error *
rp_push_arg(struct rlit *l, const struct rterm *t)
{
	struct rterm *a = lpd_reallocarray(l->args, l->nargs + 1, sizeof(*a));

	if (a == NULL)
		return &lpd_enomem;
	l->args = a;
	a[l->nargs++] = *t;
	return NULL;
}

/* atom := ident [ '(' term {',' term} ')' ] ; the name is current. */
static struct lpd_error *
rp_atom(struct rparser *p, struct rlit *l)
{
	char name[RP_MAX_IDENT + 1];
	struct lpd_error *err;
	struct rterm t;

	if (p->tok != TOK_IDENT)
		return rp_error(p, p->tline, p->tcol,
				"expected a predicate name, found %s",
				rp_tok_name(p->tok));
	snprintf(name, sizeof(name), "%s", p->val.data);
	l->line = p->tline;
	l->col = p->tcol;
	if ((err = rp_next(p)) != NULL)
		return err;
	if (p->tok == TOK_LPAREN) {
		do {
			if ((err = rp_next(p)) != NULL)
				return err;
			if (l->nargs >= RP_MAX_ARGS)
				return rp_error(p, p->tline, p->tcol,
					"more than %d arguments",
					RP_MAX_ARGS);
			if ((err = rp_term(p, &t)) != NULL)
				return err;
			if ((err = rp_push_arg(l, &t)) != NULL) {
				lpd_free(t.sym);
				return err;
			}
		} while (p->tok == TOK_COMMA);
		if ((err = rp_expect(p, TOK_RPAREN,
				     "after the arguments")) != NULL)
			return err;
	}
	return rp_pred(p, name, l->nargs, l->line, l->col, &l->pred);
}

static bool
rp_is_cmp(enum rtok t, enum rcmp *ret)
{
	switch (t) {
	case TOK_EQ: *ret = RCMP_EQ; return true;
	case TOK_NE: *ret = RCMP_NE; return true;
	case TOK_LT: *ret = RCMP_LT; return true;
	case TOK_LE: *ret = RCMP_LE; return true;
	case TOK_GT: *ret = RCMP_GT; return true;
	case TOK_GE: *ret = RCMP_GE; return true;
	default: return false;
	}
}

/* literal := ('not' | '!') atom | atom | term CMP term
 *	    | VAR '=' term AOP term */
static struct lpd_error *
rp_literal(struct rparser *p, struct rlit *l)
{
	struct lpd_error *err;
	struct rterm t;

	memset(l, 0, sizeof(*l));
	l->line = p->tline;
	l->col = p->tcol;
	if (p->tok == TOK_BANG ||
	    (p->tok == TOK_IDENT && strcmp(p->val.data, "not") == 0)) {
		if ((err = rp_next(p)) != NULL)
			return err;
		l->kind = RLIT_NEG;
		return rp_atom(p, l);
	}
	if (p->tok == TOK_IDENT) {
		/* An identifier followed by a comparison is a constant. */
		struct rparser peek = *p;
		int c;

		rp_skip_space(&peek);
		c = rp_peekc(&peek, 0);
		if (c != '=' && c != '!' && c != '<' && c != '>') {
			l->kind = RLIT_POS;
			return rp_atom(p, l);
		}
	}
	l->kind = RLIT_CMP;
	if ((err = rp_term(p, &t)) != NULL)
		return err;
	if ((err = rp_push_arg(l, &t)) != NULL) {
		lpd_free(t.sym);
		return err;
	}
	if (!rp_is_cmp(p->tok, &l->cmp))
		return rp_error(p, p->tline, p->tcol,
				"expected a comparison (=, !=, <, <=, >, >=), "
				"found %s", rp_tok_name(p->tok));
	if ((err = rp_next(p)) != NULL)
		return err;
	if ((err = rp_term(p, &t)) != NULL)
		return err;
	if ((err = rp_push_arg(l, &t)) != NULL) {
		lpd_free(t.sym);
		return err;
	}
	if (p->tok == TOK_PLUS || p->tok == TOK_MINUS || p->tok == TOK_STAR ||
	    p->tok == TOK_SLASH) {
		int line = p->tline, col = p->tcol;

		l->aop = "+-*/"[p->tok - TOK_PLUS];
		if (l->cmp != RCMP_EQ || l->args[0].kind != RTERM_VAR)
			return rp_error(p, line, col,
				"arithmetic only as 'Var = term %c term'",
				l->aop);
		if ((err = rp_next(p)) != NULL)
			return err;
		if ((err = rp_term(p, &t)) != NULL)
			return err;
		if ((err = rp_push_arg(l, &t)) != NULL) {
			lpd_free(t.sym);
			return err;
		}
		l->kind = RLIT_ASSIGN;
	}
	return NULL;
}

/* ---- checks ----------------------------------------------------------- */

static void
rp_term_vars(const struct rterm *t, size_t n, uint64_t *mask)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].kind == RTERM_VAR)
			*mask |= UINT64_C(1) << t[i].var;
}

/* The variables bound after every literal that can bind has run:
 * positive atoms, then "=" and arithmetic whose other side is bound,
 * repeated until nothing changes. */
static uint64_t
rp_bound(const struct rrule *r)
{
	uint64_t bound = 0, need;
	bool changed = true;
	size_t i;

	for (i = 0; i < r->nbody; i++)
		if (r->body[i].kind == RLIT_POS)
			rp_term_vars(r->body[i].args, r->body[i].nargs, &bound);
	while (changed) {
		changed = false;
		for (i = 0; i < r->nbody; i++) {
			const struct rlit *l = &r->body[i];
			uint64_t before = bound;

			if (l->kind == RLIT_ASSIGN) {
				need = 0;
				rp_term_vars(l->args + 1, 2, &need);
				if ((need & ~bound) == 0)
					rp_term_vars(l->args, 1, &bound);
			} else if (l->kind == RLIT_CMP && l->cmp == RCMP_EQ) {
				uint64_t a = 0, b = 0;

				rp_term_vars(l->args, 1, &a);
				rp_term_vars(l->args + 1, 1, &b);
				if ((a & ~bound) == 0)
					bound |= b;
				if ((b & ~bound) == 0)
					bound |= a;
			}
			if (bound != before)
				changed = true;
		}
	}
	return bound;
}

/* Range restriction: every variable of the head, of a negated atom, of a
 * comparison or of an arithmetic operand is bound by a positive atom
 * (possibly through "="). */
static struct lpd_error *
rp_check_safe(struct rparser *p, const struct rrule *r)
{
	uint64_t bound = rp_bound(r);
	size_t i, k;

	for (k = 0; k < r->head.nargs; k++) {
		const struct rterm *t = &r->head.args[k];

		if (t->kind == RTERM_ANON)
			return rp_error(p, r->head.line, r->head.col,
				"'_' in the head of a rule");
		if (t->kind == RTERM_VAR &&
		    !(bound >> t->var & 1))
			return rp_error(p, r->head.line, r->head.col,
				"unsafe rule: head variable %s is not bound "
				"by a positive body atom", r->vars[t->var]);
	}
	for (i = 0; i < r->nbody; i++) {
		const struct rlit *l = &r->body[i];

		for (k = 0; k < l->nargs; k++) {
			const struct rterm *t = &l->args[k];

			if (l->kind != RLIT_POS && t->kind == RTERM_ANON &&
			    l->kind != RLIT_NEG)
				return rp_error(p, l->line, l->col,
					"'_' in a comparison");
			if (t->kind != RTERM_VAR || (bound >> t->var & 1))
				continue;
			return rp_error(p, l->line, l->col,
				"unsafe rule: variable %s in %s is not bound "
				"by a positive body atom", r->vars[t->var],
				l->kind == RLIT_NEG ? "a negated atom"
				: l->kind == RLIT_CMP ? "a comparison"
						      : "arithmetic");
		}
	}
	return NULL;
}

/* Evaluation order: FIRST (a positive literal index, or nbody for none)
 * first, then each literal as soon as the variables it needs are bound,
 * positives in textual order. */
static struct lpd_error *
rp_plan(const struct rrule *r, size_t first, size_t **ret)
{
	size_t *plan = lpd_calloc(r->nbody + 1, sizeof(*plan)), n = 0, i;
	bool *done = lpd_calloc(r->nbody + 1, sizeof(*done));
	uint64_t bound = 0;

	if (plan == NULL || done == NULL) {
		lpd_free(plan);
		lpd_free(done);
		return &lpd_enomem;
	}
	if (first < r->nbody) {
		plan[n++] = first;
		done[first] = true;
		rp_term_vars(r->body[first].args, r->body[first].nargs,
			     &bound);
	}
	while (n < r->nbody) {
		bool progress = false;

		for (i = 0; i < r->nbody; i++) {
			const struct rlit *l = &r->body[i];
			uint64_t need = 0, a = 0, b = 0;
			bool ready = false;

			if (done[i] || l->kind == RLIT_POS)
				continue;
			if (l->kind == RLIT_NEG) {
				rp_term_vars(l->args, l->nargs, &need);
				ready = (need & ~bound) == 0;
			} else if (l->kind == RLIT_ASSIGN) {
				rp_term_vars(l->args + 1, 2, &need);
				ready = (need & ~bound) == 0;
				if (ready)
					rp_term_vars(l->args, 1, &bound);
			} else {
				rp_term_vars(l->args, 1, &a);
				rp_term_vars(l->args + 1, 1, &b);
				ready = ((a | b) & ~bound) == 0 ||
					(l->cmp == RCMP_EQ &&
					 ((a & ~bound) == 0 ||
					  (b & ~bound) == 0));
				if (ready)
					bound |= a | b;
			}
			if (ready) {
				plan[n++] = i;
				done[i] = true;
				progress = true;
			}
		}
		if (progress)
			continue;
		for (i = 0; i < r->nbody; i++)
			if (!done[i] && r->body[i].kind == RLIT_POS)
				break;
		if (i == r->nbody)
			break;	/* cannot happen for a safe rule */
		plan[n++] = i;
		done[i] = true;
		rp_term_vars(r->body[i].args, r->body[i].nargs, &bound);
	}
	lpd_free(done);
	*ret = plan;
	return NULL;
}

/* Predicate dependencies: dep[h * n + q] when h depends on q (through
 * any chain of rules). */
static bool *
rp_depends(const struct reason_rules *prog)
{
	size_t n = prog->npreds, i, j, k;
	bool *dep = lpd_calloc(n * n + 1, sizeof(*dep));

	if (dep == NULL)
		return NULL;
	for (i = 0; i < prog->nrules; i++) {
		const struct rrule *r = &prog->rules[i];

		for (k = 0; k < r->nbody; k++)
			if (r->body[k].kind == RLIT_POS ||
			    r->body[k].kind == RLIT_NEG)
				dep[r->head.pred * n + r->body[k].pred] = true;
	}
	/* Warshall: n is bounded by RP_MAX_PREDS. */
	for (k = 0; k < n; k++)
		for (i = 0; i < n; i++)
			if (dep[i * n + k])
				for (j = 0; j < n; j++)
					if (dep[k * n + j])
						dep[i * n + j] = true;
	return dep;
}

/* Whole-program checks after new rules were added: stratified negation,
 * no arithmetic in recursion; then strata and evaluation plans. */
static struct lpd_error *
rp_check_program(struct rparser *p)
{
	struct reason_rules *prog = p->prog;
	size_t n = prog->npreds, i, k;
	struct lpd_error *err = NULL;
	bool changed = true;
	bool *dep;

	dep = rp_depends(prog);
	if (dep == NULL)
		return &lpd_enomem;
	for (i = 0; i < prog->nrules && err == NULL; i++) {
		const struct rrule *r = &prog->rules[i];
		uint32_t h = r->head.pred;
		bool recursive = false;

		for (k = 0; k < r->nbody; k++) {
			const struct rlit *l = &r->body[k];

			if (l->kind != RLIT_POS && l->kind != RLIT_NEG)
				continue;
			if (l->pred == h || dep[l->pred * n + h]) {
				if (l->kind == RLIT_NEG) {
					err = lpd_error_syntax(r->file, l->line,
						l->col, "negation of '%s' is "
						"not stratifiable: it depends "
						"on '%s', which this rule "
						"defines",
						prog->preds[l->pred].name,
						prog->preds[h].name);
					break;
				}
				recursive = true;
			}
		}
		for (k = 0; err == NULL && recursive && k < r->nbody; k++)
			if (r->body[k].kind == RLIT_ASSIGN)
				err = lpd_error_syntax(r->file,
					r->body[k].line, r->body[k].col,
					"rule may not terminate: arithmetic "
					"in a recursive rule for '%s' can "
					"make new values forever",
					prog->preds[h].name);
	}
	lpd_free(dep);
	if (err != NULL)
		return err;
	for (i = 0; i < n; i++) {
		prog->preds[i].stratum = 0;
		prog->preds[i].derived = false;
	}
	for (i = 0; i < prog->nrules; i++)
		prog->preds[prog->rules[i].head.pred].derived = true;
	/* Strata: no cycle through negation, so this terminates within n
	 * rounds. */
	for (size_t round = 0; changed && round <= n + 1; round++) {
		changed = false;
		for (i = 0; i < prog->nrules; i++) {
			const struct rrule *r = &prog->rules[i];
			int *s = &prog->preds[r->head.pred].stratum;

			for (k = 0; k < r->nbody; k++) {
				const struct rlit *l = &r->body[k];
				int need;

				if (l->kind != RLIT_POS && l->kind != RLIT_NEG)
					continue;
				need = prog->preds[l->pred].stratum +
				       (l->kind == RLIT_NEG);
				if (need > *s) {
					*s = need;
					changed = true;
				}
			}
		}
	}
	prog->max_stratum = 0;
	for (i = 0; i < n; i++)
		if (prog->preds[i].stratum > prog->max_stratum)
			prog->max_stratum = prog->preds[i].stratum;
	for (i = 0; i < prog->nrules; i++) {
		struct rrule *r = &prog->rules[i];

		if (r->plans != NULL)
			continue;
		r->plans = lpd_calloc(r->nbody + 1, sizeof(*r->plans));
		if (r->plans == NULL)
			return &lpd_enomem;
		for (k = 0; k <= r->nbody; k++) {
			if (k > 0 && r->body[k - 1].kind != RLIT_POS)
				continue;
			err = rp_plan(r, k == 0 ? r->nbody : k - 1,
				      &r->plans[k]);
			if (err != NULL)
				return err;
		}
	}
	return NULL;
}

/* ---- clauses ---------------------------------------------------------- */

static struct lpd_error *
rp_rule_text(struct rparser *p, struct rrule *r, size_t start)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	bool space = false;
	size_t i;

	for (i = start; i < p->pos && err == NULL; i++) {
		char c = p->text[i];

		if (c == '%' || c == '#') {
			while (i < p->pos && p->text[i] != '\n')
				i++;
			space = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = true;
			continue;
		}
		if (space && b.len > 0)
			err = lpd_buf_puts(&b, " ");
		space = false;
		if (err == NULL)
			err = lpd_buf_append(&b, &c, 1);
	}
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	r->text = lpd_buf_steal(&b);
	return r->text != NULL ? NULL : &lpd_enomem;
}

static struct lpd_error *
rp_directive(struct rparser *p)
{
	struct reason_rules *prog = p->prog;
	struct lpd_error *err;
	char **s;
	size_t i;

	if ((err = rp_next(p)) != NULL)
		return err;
	if (p->tok != TOK_IDENT || strcmp(p->val.data, "show") != 0)
		return rp_error(p, p->tline, p->tcol,
				"unknown directive (only '.show NAME.')");
	if ((err = rp_next(p)) != NULL)
		return err;
	if (p->tok != TOK_IDENT)
		return rp_error(p, p->tline, p->tcol,
				"expected a predicate name after .show");
	for (i = 0; i < prog->nshown; i++)
		if (strcmp(prog->shown[i], p->val.data) == 0)
			break;
	if (i == prog->nshown) {
		s = lpd_reallocarray(prog->shown, prog->nshown + 1,
				     sizeof(*s));
		if (s == NULL)
			return &lpd_enomem;
		prog->shown = s;
		s[prog->nshown] = lpd_strdup(p->val.data);
		if (s[prog->nshown] == NULL)
			return &lpd_enomem;
		prog->nshown++;
	}
	if ((err = rp_next(p)) != NULL)
		return err;
	return rp_expect(p, TOK_DOT, "after the directive");
}

/* clause := atom [':-' literal {',' literal}] '.' */
static struct lpd_error *
rp_clause(struct rparser *p)
{
	struct reason_rules *prog = p->prog;
	struct lpd_error *err;
	struct rrule *r;
	size_t start = p->tstart;

	if (prog->nrules >= RP_MAX_RULES)
		return rp_error(p, p->tline, p->tcol, "more than %d rules",
				RP_MAX_RULES);
	err = lpd_vec_reserve((void **)&prog->rules, &prog->cap_rules,
			      prog->nrules + 1, sizeof(*prog->rules));
	if (err != NULL)
		return err;
	r = &prog->rules[prog->nrules++];
	memset(r, 0, sizeof(*r));
	p->rule = r;
	r->file = prog->files[prog->nfiles - 1];
	r->line = p->tline;
	r->col = p->tcol;
	if ((err = rp_atom(p, &r->head)) != NULL)
		return err;
	if (p->tok == TOK_IF) {
		do {
			struct rlit *b;

			if ((err = rp_next(p)) != NULL)
				return err;
			if (r->nbody >= RP_MAX_BODY)
				return rp_error(p, p->tline, p->tcol,
					"more than %d literals in one body",
					RP_MAX_BODY);
			b = lpd_reallocarray(r->body, r->nbody + 1,
					     sizeof(*b));
			if (b == NULL)
				return &lpd_enomem;
			r->body = b;
			memset(&b[r->nbody], 0, sizeof(*b));
			r->nbody++;
			if ((err = rp_literal(p, &b[r->nbody - 1])) != NULL)
				return err;
		} while (p->tok == TOK_COMMA);
	}
	if (p->tok != TOK_DOT)
		return rp_error(p, p->tline, p->tcol,
				"expected ',' or '.' after %s, found %s",
				r->nbody > 0 ? "a literal" : "the head",
				rp_tok_name(p->tok));
	if ((err = rp_rule_text(p, r, start)) != NULL)
		return err;
	if ((err = rp_check_safe(p, r)) != NULL)
		return err;
	return rp_next(p);
}

struct lpd_error *
reason_rules_add(struct reason_rules *prog, const char *text, size_t len,
		 const char *file)
{
	struct rparser p = { 0 };
	struct lpd_error *err = NULL;
	size_t old_rules = prog->nrules, old_preds = prog->npreds;
	size_t old_shown = prog->nshown, i;
	char **files;

	if (file == NULL)
		file = "<rules>";
	if (len > RP_MAX_TEXT)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"%s: larger than %d bytes", file,
					RP_MAX_TEXT);
	files = lpd_reallocarray(prog->files, prog->nfiles + 1,
				 sizeof(*files));
	if (files == NULL)
		return &lpd_enomem;
	prog->files = files;
	files[prog->nfiles] = lpd_strdup(file);
	if (files[prog->nfiles] == NULL)
		return &lpd_enomem;
	prog->nfiles++;
	p.prog = prog;
	p.file = files[prog->nfiles - 1];
	p.text = text;
	p.len = len;
	p.line = 1;
	p.col = 1;
	err = rp_next(&p);
	while (err == NULL && p.tok != TOK_EOF) {
		if (p.tok == TOK_DOT)
			err = rp_directive(&p);
		else
			err = rp_clause(&p);
	}
	if (err == NULL)
		err = rp_check_program(&p);
	lpd_buf_deinit(&p.val);
	if (err == NULL)
		return NULL;
	/* Roll back: R is unchanged on error (the file name stays; it is
	 * only a string). */
	for (i = old_rules; i < prog->nrules; i++)
		reason_rules_free_rule(&prog->rules[i]);
	prog->nrules = old_rules;
	for (i = old_preds; i < prog->npreds; i++)
		lpd_free(prog->preds[i].name);
	prog->npreds = old_preds;
	for (i = old_shown; i < prog->nshown; i++)
		lpd_free(prog->shown[i]);
	prog->nshown = old_shown;
	if (old_rules > 0) {
		struct lpd_error *e2 = rp_check_program(&p);

		if (e2 != NULL) {
			lpd_error_destroy(err);
			return e2;
		}
	}
	return err;
}

struct lpd_error *
reason_rules_add_file(struct reason_rules *r, const char *path)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	char chunk[65536];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return lpd_error_os(errno, path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > RP_MAX_TEXT) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG,
					       "%s: larger than %d bytes",
					       path, RP_MAX_TEXT);
			break;
		}
		if ((err = lpd_buf_append(&b, chunk, n)) != NULL)
			break;
	}
	if (err == NULL && ferror(f))
		err = lpd_error_os(errno, path);
	fclose(f);
	if (err == NULL)
		err = reason_rules_add(r, b.data != NULL ? b.data : "", b.len,
				       path);
	lpd_buf_deinit(&b);
	return err;
}

struct lpd_error *
reason_rules_create(bool builtin, struct reason_rules **ret)
{
	struct reason_rules *r = lpd_calloc(1, sizeof(*r));
	struct lpd_error *err;

	if (r == NULL)
		return &lpd_enomem;
	if (builtin) {
		const char *text = reason_builtin_rules();

		err = reason_rules_add(r, text, strlen(text),
				       "builtin.dl");
		if (err != NULL) {
			reason_rules_destroy(r);
			return err;
		}
	}
	*ret = r;
	return NULL;
}

void
reason_rules_destroy(struct reason_rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++)
		reason_rules_free_rule(&r->rules[i]);
	lpd_free(r->rules);
	for (i = 0; i < r->npreds; i++)
		lpd_free(r->preds[i].name);
	lpd_free(r->preds);
	for (i = 0; i < r->nfiles; i++)
		lpd_free(r->files[i]);
	lpd_free(r->files);
	for (i = 0; i < r->nshown; i++)
		lpd_free(r->shown[i]);
	lpd_free(r->shown);
	lpd_free(r);
}

size_t
reason_rules_shown_count(const struct reason_rules *r)
{
	return r->nshown;
}

const char *
reason_rules_shown(const struct reason_rules *r, size_t i)
{
	return i < r->nshown ? r->shown[i] : NULL;
}
