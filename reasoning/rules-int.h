/* reasoning/rules-int.h - private to reasoning/ and its tests: the parsed
 * form of a rule program, shared by rules-parse.c (text -> rules, checks)
 * and rules-eval.c (semi-naive evaluation with proofs). */
#ifndef LPD_RULES_INT_H
#define LPD_RULES_INT_H

#include "reasoning/reasoning-int.h"

enum rterm_kind { RTERM_VAR, RTERM_ANON, RTERM_SYM, RTERM_NUM };

struct rterm {
	enum rterm_kind kind;
	uint32_t var;		/* RTERM_VAR: index in the rule's variables */
	char *sym;		/* RTERM_SYM */
	double num;		/* RTERM_NUM */
};

enum rlit_kind {
	RLIT_POS,		/* p(t...) */
	RLIT_NEG,		/* not p(t...) */
	RLIT_CMP,		/* t1 OP t2; "=" may bind one side */
	RLIT_ASSIGN,		/* X = t1 AOP t2 (arithmetic) */
};

enum rcmp { RCMP_EQ, RCMP_NE, RCMP_LT, RCMP_LE, RCMP_GT, RCMP_GE };

struct rlit {
	enum rlit_kind kind;
	uint32_t pred;		/* POS/NEG: index in the program's preds */
	struct rterm *args;	/* POS/NEG: nargs; CMP: 2; ASSIGN: 3 */
	size_t nargs;
	enum rcmp cmp;
	char aop;		/* ASSIGN: '+', '-', '*', '/' */
	int line, col;
};

struct rrule {
	struct rlit head;
	struct rlit *body;
	size_t nbody;
	char **vars;		/* variable names, index = var id */
	size_t nvars;
	const char *file;	/* borrowed from the program's file list */
	int line, col;
	char *text;		/* the clause, whitespace collapsed */
	/* plans[0]: body order with no delta atom; plans[k + 1]: order
	 * starting with positive literal k (semi-naive delta). */
	size_t **plans;
};

struct rpred {
	char *name;
	size_t arity;
	int stratum;
	bool derived;		/* head of some rule */
};

struct reason_rules {
	struct rpred *preds;
	size_t npreds, cap_preds;
	struct rrule *rules;
	size_t nrules, cap_rules;
	char **files;
	size_t nfiles;
	char **shown;
	size_t nshown;
	int max_stratum;
};

/* rules-parse.c */
void reason_rules_free_rule(struct rrule *r);
/** Index of predicate NAME in R, or -1. */
long reason_rules_find_pred(const struct reason_rules *r, const char *name);

/* rules-eval.c */
/** The built-in rule text (reasoning/rules/builtin.dl), NUL-terminated. */
const char *reason_builtin_rules(void);

#endif
