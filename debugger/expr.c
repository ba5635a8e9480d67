/* debugger/expr.c - C expressions over a dump, as gdb's print reads them:
 * a parser to a small tree (identifiers, literals, . -> [] * &, unary and
 * binary arithmetic, comparisons, casts to DWARF type names, sizeof,
 * $registers) and an evaluator on values.c's values. Errors are gdb's
 * one-line messages. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/dwarf-int.h"

enum {
	EXPR_MAX_DEPTH = 200,		/* nesting of the parse */
	EXPR_MAX_NODES = 10000,
	EXPR_MAX_TYPE_WORDS = 8,
	EXPR_MAX_STRING = 4096,
};

enum expr_op {
	EX_INT, EX_FLOAT, EX_CHAR, EX_STRING, EX_IDENT, EX_REG,
	EX_MEMBER, EX_ARROW, EX_INDEX, EX_DEREF, EX_ADDR, EX_NEG, EX_POS,
	EX_NOT, EX_BITNOT, EX_SIZEOF_EXPR, EX_SIZEOF_TYPE, EX_CAST,
	EX_MUL, EX_DIV, EX_MOD, EX_ADD, EX_SUB, EX_SHL, EX_SHR,
	EX_LT, EX_GT, EX_LE, EX_GE, EX_EQ, EX_NE, EX_BITAND, EX_BITXOR,
	EX_BITOR, EX_AND, EX_OR, EX_COND,
};

/* A type as written in a cast: words ("unsigned long", "struct node")
 * and then pointer stars and array bounds. */
struct expr_typename {
	char *words;
	unsigned stars;
	uint64_t dims[4];
	unsigned n_dims;
};

struct dbg_expr_node {
	uint8_t op;		/* enum expr_op */
	struct dbg_expr_node *a, *b, *c;
	uint64_t ival;
	bool is_unsigned, is_long;
	double fval;
	char *str;		/* identifier, register, member, string */
	size_t str_len;
	struct expr_typename *type;
};

/* ---- lexer and parser ------------------------------------------------ */

struct parser {
	const char *text;
	const char *p;
	unsigned depth;
	unsigned nodes;
	struct lpd_error *err;
	/** Whether NAME is a typedef name here. */
	bool (*is_type)(void *arg, const char *name);
	void *arg;
};

static void
parse_skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static struct lpd_error *
parse_error_at(struct parser *ps, const char *at)
{
	(void)ps;
	return lpd_error_format(LPD_ERR_SYNTAX, "A syntax error in expression, "
				"near `%s'.", at);
}

static void
parse_fail(struct parser *ps)
{
	if (ps->err == NULL)
		ps->err = parse_error_at(ps, ps->p);
}

static bool
parse_accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	parse_skip(ps);
	if (strncmp(ps->p, tok, n) != 0)
		return false;
	/* "-" must not take the first char of "->" or "--". */
	if (n == 1 && (tok[0] == '-' || tok[0] == '+' || tok[0] == '&' ||
		       tok[0] == '|' || tok[0] == '<' || tok[0] == '>' ||
		       tok[0] == '=' || tok[0] == '!') &&
	    (ps->p[1] == '=' || ps->p[1] == tok[0] ||
	     (tok[0] == '-' && ps->p[1] == '>')))
		return false;
	if (n == 2 && (strcmp(tok, "<<") == 0 || strcmp(tok, ">>") == 0) &&
	    ps->p[2] == '=')
		return false;
	ps->p += n;
	return true;
}

static bool
parse_is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

/* An identifier at the cursor (not consumed), its length or 0. */
static size_t
parse_peek_ident(struct parser *ps)
{
	size_t n = 0;

	parse_skip(ps);
	if (!parse_is_ident_start(ps->p[0]))
		return 0;
	while (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_' ||
	       (ps->p[n] == ':' && ps->p[n + 1] == ':' && (n += 1)))
		n++;
	return n;
}

static bool
parse_word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncmp(p, w, n) == 0;
}

static struct dbg_expr_node *
parse_node(struct parser *ps, uint8_t op)
{
	struct dbg_expr_node *n;

	if (ps->nodes++ >= EXPR_MAX_NODES) {
		if (ps->err == NULL)
			ps->err = lpd_error_format(LPD_ERR_INVALID_ARG,
						   "expression too complex");
		return NULL;
	}
	n = lpd_calloc(1, sizeof(*n));
	if (n == NULL && ps->err == NULL)
		ps->err = &lpd_enomem;
	if (n != NULL)
		n->op = op;
	return n;
}

void
dbg_expr_free(struct dbg_expr_node *n)
{
	if (n == NULL)
		return;
	dbg_expr_free(n->a);
	dbg_expr_free(n->b);
	dbg_expr_free(n->c);
	lpd_free(n->str);
	if (n->type != NULL)
		lpd_free(n->type->words);
	lpd_free(n->type);
	lpd_free(n);
}

static const char *const parse_type_words[] = {
	"unsigned", "signed", "int", "char", "long", "short", "float",
	"double", "void", "_Bool", "bool", "const", "volatile", "struct",
	"union", "enum", "class",
};

static bool
parse_is_type_word(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(parse_type_words) / sizeof(*parse_type_words);
	     i++)
		if (parse_word_is(p, n, parse_type_words[i]))
			return true;
	return false;
}

/* Does a type name start at the cursor? */
static bool
parse_type_ahead(struct parser *ps)
{
	size_t n = parse_peek_ident(ps);
	char name[256];

	if (n == 0)
		return false;
	if (parse_is_type_word(ps->p, n))
		return true;
	if (ps->is_type == NULL || n >= sizeof(name))
		return false;
	memcpy(name, ps->p, n);
	name[n] = '\0';
	return ps->is_type(ps->arg, name);
}

static struct expr_typename *
parse_typename(struct parser *ps)
{
	struct expr_typename *t = lpd_calloc(1, sizeof(*t));
	struct lpd_buf b = LPD_BUF_INIT;
	unsigned words = 0;
	bool tagged = false, named = false;

	if (t == NULL) {
		ps->err = &lpd_enomem;
		return NULL;
	}
	for (;;) {
		size_t n = parse_peek_ident(ps);
		bool kw;

		if (n == 0 || words >= EXPR_MAX_TYPE_WORDS)
			break;
		kw = parse_is_type_word(ps->p, n);
		/* After a typedef or tag name only qualifiers follow. */
		if ((named || tagged) && !kw && !tagged)
			break;
		if (named && kw && !parse_word_is(ps->p, n, "const") &&
		    !parse_word_is(ps->p, n, "volatile"))
			break;
		if (!kw && !tagged) {
			char name[256];

			if (n >= sizeof(name))
				break;
			memcpy(name, ps->p, n);
			name[n] = '\0';
			if (words > 0 || ps->is_type == NULL ||
			    !ps->is_type(ps->arg, name))
				break;
			named = true;
		} else if (!kw) {
			named = true;
			tagged = false;
		} else if (parse_word_is(ps->p, n, "struct") ||
			   parse_word_is(ps->p, n, "union") ||
			   parse_word_is(ps->p, n, "enum") ||
			   parse_word_is(ps->p, n, "class")) {
			tagged = true;
		}
		if (!(parse_word_is(ps->p, n, "const") ||
		      parse_word_is(ps->p, n, "volatile"))) {
			if (b.len > 0 && lpd_buf_puts(&b, " ") != NULL)
				break;
			if (lpd_buf_append(&b, ps->p, n) != NULL)
				break;
		}
		ps->p += n;
		words++;
	}
	if (b.data == NULL || tagged) {
		lpd_buf_deinit(&b);
		lpd_free(t);
		parse_fail(ps);
		return NULL;
	}
	t->words = lpd_buf_steal(&b);
	for (;;) {
		if (parse_accept(ps, "*")) {
			t->stars++;
			continue;
		}
		if (parse_accept(ps, "const") || parse_accept(ps, "volatile"))
			continue;
		break;
	}
	while (t->n_dims < 4 && parse_accept(ps, "[")) {
		char *end;

		parse_skip(ps);
		t->dims[t->n_dims++] = strtoull(ps->p, &end, 0);
		ps->p = end;
		if (!parse_accept(ps, "]")) {
			parse_fail(ps);
			break;
		}
	}
	return t;
}

static struct dbg_expr_node *parse_expr(struct parser *ps);
static struct dbg_expr_node *parse_unary(struct parser *ps);

static struct dbg_expr_node *
parse_number(struct parser *ps)
{
	struct dbg_expr_node *n;
	const char *s = ps->p;
	char *end;
	bool is_float = false;
	size_t i;

	for (i = 0; isalnum((unsigned char)s[i]) || s[i] == '.' ||
		    ((s[i] == '+' || s[i] == '-') &&
		     (s[i - 1] == 'e' || s[i - 1] == 'E') &&
		     !(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')));
	     i++)
		if (s[i] == '.' || ((s[i] == 'e' || s[i] == 'E') &&
				    !(s[0] == '0' && (s[1] == 'x' ||
						      s[1] == 'X'))))
			is_float = true;
	n = parse_node(ps, is_float ? EX_FLOAT : EX_INT);
	if (n == NULL)
		return NULL;
	if (is_float) {
		n->fval = strtod(s, &end);
	} else {
		n->ival = strtoull(s, &end, 0);
		if (s[0] == '0' && isdigit((unsigned char)s[1]))
			n->ival = strtoull(s, &end, 8);
	}
	while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L' ||
	       (is_float && (*end == 'f' || *end == 'F'))) {
		if (*end == 'u' || *end == 'U')
			n->is_unsigned = true;
		else if (*end == 'l' || *end == 'L')
			n->is_long = true;
		end++;
	}
	if (end != s + i) {
		ps->p = s;
		if (ps->err == NULL)
			ps->err = lpd_error_format(LPD_ERR_SYNTAX, "Invalid number "
					   "\"%.*s\".", (int)i, s);
		dbg_expr_free(n);
		return NULL;
	}
	ps->p = end;
	return n;
}

/* One character of a literal; *p advanced. */
static int
parse_char(const char **p)
{
	const char *s = *p;
	int c;

	if (*s != '\\') {
		*p = s + 1;
		return (unsigned char)*s;
	}
	s++;
	switch (*s) {
	case 'n': c = '\n'; break;
	case 't': c = '\t'; break;
	case 'r': c = '\r'; break;
	case 'a': c = '\a'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'v': c = '\v'; break;
	case 'e': c = 033; break;
	case 'x':
		c = (int)strtol(s + 1, (char **)&s, 16);
		*p = s;
		return c & 0xff;
	default:
		if (*s >= '0' && *s <= '7') {
			int k;

			c = 0;
			for (k = 0; k < 3 && *s >= '0' && *s <= '7'; k++)
				c = c * 8 + (*s++ - '0');
			*p = s;
			return c & 0xff;
		}
		c = (unsigned char)*s;
		break;
	}
	*p = s + 1;
	return c;
}

static struct dbg_expr_node *
parse_primary(struct parser *ps)
{
	struct dbg_expr_node *n = NULL;
	size_t len;

	parse_skip(ps);
	if (isdigit((unsigned char)*ps->p) ||
	    (*ps->p == '.' && isdigit((unsigned char)ps->p[1])))
		return parse_number(ps);
	if (*ps->p == '\'') {
		const char *s = ps->p + 1;

		if (*s == '\0' || *s == '\'') {
			parse_fail(ps);
			return NULL;
		}
		n = parse_node(ps, EX_CHAR);
		if (n == NULL)
			return NULL;
		n->ival = (uint64_t)parse_char(&s);
		if (*s != '\'') {
			dbg_expr_free(n);
			if (ps->err == NULL)
				ps->err = lpd_error_format(LPD_ERR_SYNTAX,
					"Unmatched single quote.");
			return NULL;
		}
		ps->p = s + 1;
		return n;
	}
	if (*ps->p == '"') {
		struct lpd_buf b = LPD_BUF_INIT;
		const char *s = ps->p + 1;

		while (*s != '\0' && *s != '"' && b.len < EXPR_MAX_STRING) {
			char c = (char)parse_char(&s);

			if (lpd_buf_append(&b, &c, 1) != NULL) {
				ps->err = &lpd_enomem;
				lpd_buf_deinit(&b);
				return NULL;
			}
		}
		if (*s != '"') {
			lpd_buf_deinit(&b);
			if (ps->err == NULL)
				ps->err = lpd_error_format(LPD_ERR_SYNTAX,
					"Unterminated string in expression.");
			return NULL;
		}
		n = parse_node(ps, EX_STRING);
		if (n == NULL) {
			lpd_buf_deinit(&b);
			return NULL;
		}
		n->str_len = b.len;
		n->str = b.data != NULL ? lpd_buf_steal(&b) : lpd_strdup("");
		ps->p = s + 1;
		return n;
	}
	if (*ps->p == '$') {
		const char *s = ps->p + 1;

		len = 0;
		while (isalnum((unsigned char)s[len]) || s[len] == '_')
			len++;
		n = parse_node(ps, EX_REG);
		if (n == NULL)
			return NULL;
		n->str = lpd_strndup(s, len);
		if (n->str == NULL)
			ps->err = &lpd_enomem;
		ps->p = s + len;
		return n;
	}
	if (parse_accept(ps, "(")) {
		n = parse_expr(ps);
		if (ps->err == NULL && !parse_accept(ps, ")"))
			parse_fail(ps);
		return n;
	}
	len = parse_peek_ident(ps);
	if (len > 0 && !parse_is_type_word(ps->p, len)) {
		n = parse_node(ps, EX_IDENT);
		if (n == NULL)
			return NULL;
		n->str = lpd_strndup(ps->p, len);
		if (n->str == NULL)
			ps->err = &lpd_enomem;
		ps->p += len;
		return n;
	}
	parse_fail(ps);
	return NULL;
}

static struct dbg_expr_node *
parse_postfix(struct parser *ps)
{
	struct dbg_expr_node *n = parse_primary(ps), *m;

	while (ps->err == NULL) {
		uint8_t op;

		if (parse_accept(ps, "[")) {
			m = parse_node(ps, EX_INDEX);
			if (m == NULL)
				break;
			m->a = n;
			n = m;
			m->b = parse_expr(ps);
			if (ps->err == NULL && !parse_accept(ps, "]"))
				parse_fail(ps);
			continue;
		}
		if (parse_accept(ps, "->"))
			op = EX_ARROW;
		else if (parse_accept(ps, "."))
			op = EX_MEMBER;
		else
			break;
		m = parse_node(ps, op);
		if (m == NULL)
			break;
		m->a = n;
		n = m;
		if (parse_peek_ident(ps) == 0) {
			parse_fail(ps);
			break;
		}
		{
			size_t len = parse_peek_ident(ps);

			m->str = lpd_strndup(ps->p, len);
			if (m->str == NULL)
				ps->err = &lpd_enomem;
			ps->p += len;
		}
	}
	return n;
}

static struct dbg_expr_node *
parse_unary(struct parser *ps)
{
	static const struct {
		const char *tok;
		uint8_t op;
	} ops[] = {
		{ "-", EX_NEG }, { "+", EX_POS }, { "!", EX_NOT },
		{ "~", EX_BITNOT }, { "*", EX_DEREF }, { "&", EX_ADDR },
	};
	struct dbg_expr_node *n;
	const char *save;
	size_t i;

	if (++ps->depth > EXPR_MAX_DEPTH) {
		if (ps->err == NULL)
			ps->err = lpd_error_format(LPD_ERR_INVALID_ARG,
						   "expression nested too "
						   "deeply");
		ps->depth--;
		return NULL;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (parse_accept(ps, ops[i].tok)) {
			n = parse_node(ps, ops[i].op);
			if (n != NULL)
				n->a = parse_unary(ps);
			goto out;
		}
	}
	parse_skip(ps);
	if (strncmp(ps->p, "sizeof", 6) == 0 &&
	    !isalnum((unsigned char)ps->p[6]) && ps->p[6] != '_') {
		ps->p += 6;
		save = ps->p;
		if (parse_accept(ps, "(") && parse_type_ahead(ps)) {
			n = parse_node(ps, EX_SIZEOF_TYPE);
			if (n != NULL)
				n->type = parse_typename(ps);
			if (ps->err == NULL && !parse_accept(ps, ")"))
				parse_fail(ps);
			goto out;
		}
		ps->p = save;
		n = parse_node(ps, EX_SIZEOF_EXPR);
		if (n != NULL)
			n->a = parse_unary(ps);
		goto out;
	}
	save = ps->p;
	if (parse_accept(ps, "(") && parse_type_ahead(ps)) {
		n = parse_node(ps, EX_CAST);
		if (n != NULL)
			n->type = parse_typename(ps);
		if (ps->err == NULL && !parse_accept(ps, ")"))
			parse_fail(ps);
		if (n != NULL && ps->err == NULL)
			n->a = parse_unary(ps);
		goto out;
	}
	ps->p = save;
	n = parse_postfix(ps);
out:
	ps->depth--;
	return n;
}

/* Binary levels, lowest precedence first. */
static const struct {
	const char *tok;
	uint8_t op;
	unsigned level;
} parse_binops[] = {
	{ "||", EX_OR, 0 }, { "&&", EX_AND, 1 }, { "|", EX_BITOR, 2 },
	{ "^", EX_BITXOR, 3 }, { "&", EX_BITAND, 4 }, { "==", EX_EQ, 5 },
	{ "!=", EX_NE, 5 }, { "<=", EX_LE, 6 }, { ">=", EX_GE, 6 },
	{ "<<", EX_SHL, 7 }, { ">>", EX_SHR, 7 }, { "<", EX_LT, 6 },
	{ ">", EX_GT, 6 }, { "+", EX_ADD, 8 }, { "-", EX_SUB, 8 },
	{ "*", EX_MUL, 9 }, { "/", EX_DIV, 9 }, { "%", EX_MOD, 9 },
};

static struct dbg_expr_node *
parse_binary(struct parser *ps, unsigned level)
{
	struct dbg_expr_node *n, *m;
	size_t i;
	bool again = true;

	if (level > 9)
		return parse_unary(ps);
	n = parse_binary(ps, level + 1);
	while (again && ps->err == NULL) {
		again = false;
		for (i = 0; i < sizeof(parse_binops) / sizeof(*parse_binops);
		     i++) {
			if (parse_binops[i].level != level ||
			    !parse_accept(ps, parse_binops[i].tok))
				continue;
			m = parse_node(ps, parse_binops[i].op);
			if (m == NULL)
				break;
			m->a = n;
			n = m;
			m->b = parse_binary(ps, level + 1);
			again = true;
			break;
		}
	}
	return n;
}

static struct dbg_expr_node *
parse_expr(struct parser *ps)
{
	struct dbg_expr_node *n, *m;

	if (++ps->depth > EXPR_MAX_DEPTH) {
		if (ps->err == NULL)
			ps->err = lpd_error_format(LPD_ERR_INVALID_ARG,
						   "expression nested too "
						   "deeply");
		ps->depth--;
		return NULL;
	}
	n = parse_binary(ps, 0);
	if (ps->err == NULL && parse_accept(ps, "?")) {
		m = parse_node(ps, EX_COND);
		if (m != NULL) {
			m->a = n;
			n = m;
			m->b = parse_expr(ps);
			if (ps->err == NULL && !parse_accept(ps, ":"))
				parse_fail(ps);
			if (ps->err == NULL)
				m->c = parse_expr(ps);
		}
	}
	ps->depth--;
	return n;
}

struct lpd_error *
dbg_expr_parse(const char *text, bool (*is_type)(void *, const char *),
	       void *arg, struct dbg_expr_node **ret)
{
	struct parser ps = {
		.text = text, .p = text, .is_type = is_type, .arg = arg,
	};
	struct dbg_expr_node *n;

	parse_skip(&ps);
	if (*ps.p == '\0')
		return lpd_error_format(LPD_ERR_SYNTAX, "A syntax error in "
					"expression, near `'.");
	n = parse_expr(&ps);
	parse_skip(&ps);
	if (ps.err == NULL && *ps.p != '\0')
		parse_fail(&ps);
	if (ps.err != NULL) {
		dbg_expr_free(n);
		return ps.err;
	}
	*ret = n;
	return NULL;
}

static const char *const expr_op_names[] = {
	[EX_INT] = "int", [EX_FLOAT] = "float", [EX_CHAR] = "char",
	[EX_STRING] = "string", [EX_IDENT] = "id", [EX_REG] = "reg",
	[EX_MEMBER] = ".", [EX_ARROW] = "->", [EX_INDEX] = "[]",
	[EX_DEREF] = "deref", [EX_ADDR] = "addr", [EX_NEG] = "neg",
	[EX_POS] = "pos", [EX_NOT] = "!", [EX_BITNOT] = "~",
	[EX_SIZEOF_EXPR] = "sizeof", [EX_SIZEOF_TYPE] = "sizeof",
	[EX_CAST] = "cast", [EX_MUL] = "*", [EX_DIV] = "/", [EX_MOD] = "%",
	[EX_ADD] = "+", [EX_SUB] = "-", [EX_SHL] = "<<", [EX_SHR] = ">>",
	[EX_LT] = "<", [EX_GT] = ">", [EX_LE] = "<=", [EX_GE] = ">=",
	[EX_EQ] = "==", [EX_NE] = "!=", [EX_BITAND] = "&",
	[EX_BITXOR] = "^", [EX_BITOR] = "|", [EX_AND] = "&&",
	[EX_OR] = "||", [EX_COND] = "?:",
};

struct lpd_error *
dbg_expr_dump(const struct dbg_expr_node *n, struct lpd_buf *out)
{
	struct lpd_error *err;
	unsigned i;

	if (n == NULL)
		return lpd_buf_puts(out, "nil");
	err = lpd_buf_printf(out, "(%s", expr_op_names[n->op]);
	switch (n->op) {
	case EX_INT:
	case EX_CHAR:
		if (err == NULL)
			err = lpd_buf_printf(out, " %" PRIu64, n->ival);
		break;
	case EX_FLOAT:
		if (err == NULL)
			err = lpd_buf_printf(out, " %g", n->fval);
		break;
	case EX_STRING:
	case EX_IDENT:
	case EX_REG:
	case EX_MEMBER:
	case EX_ARROW:
		if (err == NULL)
			err = lpd_buf_printf(out, " %s", n->str);
		break;
	case EX_CAST:
	case EX_SIZEOF_TYPE:
		if (err == NULL)
			err = lpd_buf_printf(out, " <%s", n->type->words);
		for (i = 0; err == NULL && i < n->type->stars; i++)
			err = lpd_buf_puts(out, "*");
		for (i = 0; err == NULL && i < n->type->n_dims; i++)
			err = lpd_buf_printf(out, "[%" PRIu64 "]",
					     n->type->dims[i]);
		if (err == NULL)
			err = lpd_buf_puts(out, ">");
		break;
	default:
		break;
	}
	if (err == NULL && n->a != NULL) {
		err = lpd_buf_puts(out, " ");
		if (err == NULL)
			err = dbg_expr_dump(n->a, out);
	}
	if (err == NULL && n->b != NULL) {
		err = lpd_buf_puts(out, " ");
		if (err == NULL)
			err = dbg_expr_dump(n->b, out);
	}
	if (err == NULL && n->c != NULL) {
		err = lpd_buf_puts(out, " ");
		if (err == NULL)
			err = dbg_expr_dump(n->c, out);
	}
	return err != NULL ? err : lpd_buf_puts(out, ")");
}

/* ---- the evaluator --------------------------------------------------- */

struct eval {
	struct dbg_frame_ctx c;
	struct dbg_target *t;
	const struct dbg_stack *s;
	unsigned depth;
	bool types_only;	/* whatis/ptype: types matter, not places */
};

static struct lpd_error *eval_node(struct eval *ev,
				   const struct dbg_expr_node *n,
				   struct dbg_value **ret);

/* Modules with DWARF: the frame's first, then the others in order. */
static struct dbg_dwarf *
eval_module_dwarf(struct eval *ev, size_t i, uint64_t *bias)
{
	struct dbg_target *t = ev->t;
	size_t k;

	if (i == 0 && ev->c.dwarf != NULL) {
		*bias = ev->c.bias;
		return ev->c.dwarf;
	}
	if (ev->c.dwarf != NULL)
		i--;
	for (k = 0; k < t->n_mods; k++) {
		struct dbg_dwarf *d;

		if (t->mods[k].obj == NULL)
			continue;
		d = dbg_objfile_dwarf(t->mods[k].obj);
		if (d == NULL || d == ev->c.dwarf)
			continue;
		if (i-- == 0) {
			*bias = t->mods[k].dm->bias;
			return d;
		}
	}
	return NULL;
}

static bool
eval_is_type(void *arg, const char *name)
{
	struct eval *ev = arg;
	struct dbg_dwarf *d;
	uint64_t bias;
	Dwarf_Off die;
	bool found = false;
	size_t i;

	for (i = 0; (d = eval_module_dwarf(ev, i, &bias)) != NULL && i < 64;
	     i++) {
		struct lpd_error *err;

		err = dbg_dwarf_find_global(d, name, DBG_GLOBAL_TYPE,
					    ev->c.cu_die, &die, NULL, &found);
		lpd_error_destroy(err);
		if (found)
			return true;
	}
	return false;
}

static struct lpd_error *
eval_int(struct eval *ev, const struct dbg_type *t, uint64_t x,
	 struct dbg_value **ret)
{
	uint64_t size = dbg_type_size(t);
	size_t n = size != 0 && size < 8 ? (size_t)size : 8, i;
	bool big = ev->t != NULL &&
		   dump_get_arch(dbg_target_dump(ev->t))->big_endian;
	uint8_t b[8];

	/* The type's own width in the target's order: value_raw() reads
	 * the bytes back that way (a 4-byte pointer on ppc, s390). */
	for (i = 0; i < n; i++)
		b[big ? n - 1 - i : i] = (uint8_t)(x >> (8 * i));
	return dbg_value_from_bytes(ev->t, t, b, n, ret);
}

static struct lpd_error *
eval_double(struct eval *ev, const struct dbg_type *t, double d,
	    struct dbg_value **ret)
{
	return dbg_value_from_double(ev->t, t, d, ret);
}

/* The type a base-type spelling names: DWARF first, then builtins. */
static struct lpd_error *
eval_base_type(struct eval *ev, const char *words,
	       const struct dbg_type **ret)
{
	static const struct {
		const char *spelled, *dwarf;
		enum dbg_builtin builtin;
	} bases[] = {
		{ "int", "int", DBG_BUILTIN_INT },
		{ "signed int", "int", DBG_BUILTIN_INT },
		{ "signed", "int", DBG_BUILTIN_INT },
		{ "unsigned", "unsigned int", DBG_BUILTIN_UINT },
		{ "unsigned int", "unsigned int", DBG_BUILTIN_UINT },
		{ "long", "long int", DBG_BUILTIN_LONG },
		{ "long int", "long int", DBG_BUILTIN_LONG },
		{ "signed long", "long int", DBG_BUILTIN_LONG },
		{ "unsigned long", "long unsigned int", DBG_BUILTIN_ULONG },
		{ "unsigned long int", "long unsigned int",
		  DBG_BUILTIN_ULONG },
		{ "long unsigned int", "long unsigned int",
		  DBG_BUILTIN_ULONG },
		{ "long long", "long long int", DBG_BUILTIN_LONGLONG },
		{ "long long int", "long long int", DBG_BUILTIN_LONGLONG },
		{ "unsigned long long", "long long unsigned int",
		  DBG_BUILTIN_ULONGLONG },
		{ "short", "short int", DBG_BUILTIN_SHORT },
		{ "short int", "short int", DBG_BUILTIN_SHORT },
		{ "unsigned short", "short unsigned int",
		  DBG_BUILTIN_USHORT },
		{ "char", "char", DBG_BUILTIN_CHAR },
		{ "signed char", "signed char", DBG_BUILTIN_SCHAR },
		{ "unsigned char", "unsigned char", DBG_BUILTIN_UCHAR },
		{ "float", "float", DBG_BUILTIN_FLOAT },
		{ "double", "double", DBG_BUILTIN_DOUBLE },
		{ "_Bool", "_Bool", DBG_BUILTIN_BOOL },
		{ "bool", "_Bool", DBG_BUILTIN_BOOL },
		{ "void", "void", DBG_BUILTIN_VOID },
	};
	size_t i;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		struct dbg_dwarf *d;
		uint64_t bias;
		Dwarf_Off die;
		bool found = false;
		size_t k;

		if (strcmp(bases[i].spelled, words) != 0)
			continue;
		for (k = 0; bases[i].builtin != DBG_BUILTIN_VOID &&
		     (d = eval_module_dwarf(ev, k, &bias)) != NULL && k < 64;
		     k++) {
			struct lpd_error *err;

			err = dbg_dwarf_find_global(d, bases[i].dwarf,
						    DBG_GLOBAL_TYPE,
						    ev->c.cu_die, &die, NULL,
						    &found);
			if (err == NULL && found)
				return dbg_type_from_die(d, die, ret);
			lpd_error_destroy(err);
		}
		*ret = dbg_types_builtin(ev->c.scratch, bases[i].builtin);
		return NULL;
	}
	return lpd_error_format(LPD_ERR_NOT_FOUND, "No symbol \"%s\" in "
				"current context.", words);
}

static struct lpd_error *
eval_type(struct eval *ev, const struct expr_typename *tn,
	  const struct dbg_type **ret)
{
	const struct dbg_type *t = NULL;
	struct lpd_error *err = NULL;
	const char *w = tn->words;
	unsigned kinds = DBG_GLOBAL_TYPE;
	unsigned i;

	if (strncmp(w, "struct ", 7) == 0 || strncmp(w, "union ", 6) == 0 ||
	    strncmp(w, "enum ", 5) == 0 || strncmp(w, "class ", 6) == 0) {
		kinds = DBG_GLOBAL_TAG;
		w = strchr(w, ' ') + 1;
	}
	if (kinds == DBG_GLOBAL_TYPE)
		err = eval_base_type(ev, w, &t);
	if (kinds == DBG_GLOBAL_TAG || (err != NULL &&
					err->code == LPD_ERR_NOT_FOUND)) {
		struct dbg_dwarf *d;
		uint64_t bias;
		Dwarf_Off die;
		bool found = false;
		size_t k;

		lpd_error_destroy(err);
		err = NULL;
		for (k = 0; (d = eval_module_dwarf(ev, k, &bias)) != NULL &&
		     k < 1024 && !found; k++) {
			err = dbg_dwarf_find_global(d, w, kinds, ev->c.cu_die,
						    &die, NULL, &found);
			if (err == NULL && found)
				err = dbg_type_from_die(d, die, &t);
			if (err != NULL)
				return err;
		}
		if (!found)
			return lpd_error_format(LPD_ERR_NOT_FOUND,
						kinds == DBG_GLOBAL_TAG ?
						"No %s type named %s." :
						"No symbol \"%s%s\" in current "
						"context.",
						kinds == DBG_GLOBAL_TAG ?
						tn->words : "", w);
		/* "No struct type named x." wants the keyword alone. */
	}
	if (err != NULL)
		return err;
	for (i = 0; err == NULL && i < tn->stars; i++)
		err = dbg_type_pointer_to(ev->c.scratch, t, &t);
	for (i = tn->n_dims; err == NULL && i-- > 0;)
		err = dbg_type_array_of(ev->c.scratch, t, tn->dims[i], &t);
	if (err == NULL)
		*ret = t;
	return err;
}

/* A variable named NAME in the frame's scope chain. */
static struct lpd_error *
eval_local(struct eval *ev, const char *name, struct dbg_value **ret,
	   bool *found)
{
	struct dbg_var *vars = NULL;
	struct lpd_error *err;
	size_t n = 0, i, k;

	*found = false;
	if (ev->s == NULL || ev->c.scope_die == 0)
		return NULL;
	err = dbg_frame_vars(ev->t, ev->s, ev->c.frame,
			     DBG_VARS_LOCALS | DBG_VARS_ARGS, &vars, &n);
	if (err != NULL)
		return err;
	/* Locals (innermost first), then the arguments. */
	for (k = 0; k < 2 && !*found; k++) {
		for (i = 0; i < n; i++) {
			if (vars[i].is_arg != (k == 1) ||
			    strcmp(vars[i].name, name) != 0)
				continue;
			*ret = vars[i].value;
			vars[i].value = NULL;
			*found = true;
			break;
		}
	}
	dbg_vars_free(vars, n);
	return NULL;
}

/* The value of function DIE (its address is its value). */
static struct lpd_error *
eval_function(struct eval *ev, struct dbg_dwarf *d, uint64_t bias,
	      Dwarf_Off off, struct dbg_value **ret)
{
	const struct dbg_type *t;
	struct dbg_value *v;
	struct lpd_error *err;
	Dwarf_Die die;
	Dwarf_Error e = NULL;
	Dwarf_Addr lo = 0;

	err = dbg_type_from_die(d, off, &t);
	if (err != NULL)
		return err;
	if (dwarf_offdie_b(dbg_dwarf_handle(d), off, 1, &die, &e) !=
	    DW_DLV_OK)
		return dbg_dwarf_error(d, e, off, "reading function");
	if (dwarf_lowpc(die, &lo, &e) != DW_DLV_OK && e != NULL)
		dwarf_dealloc_error(dbg_dwarf_handle(d), e);
	dwarf_dealloc_die(die);
	v = dbg_value_new(ev->t, t);
	if (v == NULL)
		return &lpd_enomem;
	v->in_memory = true;
	v->address = lo + bias;
	v->size = 0;
	*ret = v;
	return NULL;
}

static struct lpd_error *
eval_ident(struct eval *ev, const char *name, struct dbg_value **ret)
{
	struct lpd_error *err;
	struct dbg_dwarf *d;
	uint64_t bias;
	Dwarf_Off die;
	unsigned kind = 0;
	bool found = false;
	size_t k;

	err = eval_local(ev, name, ret, &found);
	if (err != NULL || found)
		return err;
	for (k = 0; (d = eval_module_dwarf(ev, k, &bias)) != NULL && k < 4096;
	     k++) {
		err = dbg_dwarf_find_global(d, name,
					    DBG_GLOBAL_VAR | DBG_GLOBAL_FUNC,
					    k == 0 ? ev->c.cu_die : 0, &die,
					    &kind, &found);
		if (err != NULL)
			return err;
		if (!found)
			continue;
		if (kind == DBG_GLOBAL_FUNC)
			return eval_function(ev, d, bias, die, ret);
		return dbg_value_of_var(&ev->c, d, bias, die, ret);
	}
	return lpd_error_format(LPD_ERR_NOT_FOUND, "No symbol \"%s\" in "
				"current context.", name);
}

/* How gdb types a register: pointers where its register descriptions say
 * so, else an integer of the register's width with gdb's name for it.
 * REG_OTHER (float and vector registers, and every register of an
 * architecture not listed) keeps the 8-byte long. */
enum reg_class { REG_OTHER, REG_INT, REG_CODE, REG_DATA };

struct reg_type {
	enum reg_class cls;
	const char *name;	/* REG_INT: int32_t, uint64_t... */
	unsigned size;		/* REG_INT: bytes */
	bool is_signed;
};

/* Register REGNO of ARCH, asked for as $NAME ("pc", "sp" and "fp" are
 * gdb's aliases). */
static struct reg_type
eval_reg_type(const struct dump_arch *arch, unsigned regno, const char *name)
{
	struct reg_type rt = { .cls = REG_OTHER };
	bool ppc = arch->e_machine == 20 || arch->e_machine == 21;
	bool i386 = arch->e_machine == 3;

	switch (arch->e_machine) {
	case 3:		/* i386 */
	case 62:	/* x86_64, x32 */
		if (regno == arch->pc_regno) {
			rt.cls = REG_CODE;
		} else if (regno == arch->sp_regno || regno == arch->fp_regno) {
			/* x32 too, though gdb has int64_t there (64-bit
			 * registers): ours stay x32's 4-byte pointers. */
			rt.cls = REG_DATA;
		} else if (i386 ? regno <= 10 || (regno >= 40 && regno <= 45)
				: regno <= 15) {
			/* i386's eflags too, though gdb prints its flags. */
			rt.cls = REG_INT;
			rt.is_signed = true;
			rt.size = i386 ? 4 : 8;
			rt.name = i386 ? "int32_t" : "int64_t";
		}
		break;
	case 20:	/* ppc */
	case 21:	/* ppc64 */
	case 22:	/* s390, s390x */
		/* gdb's $sp here is r1 / r15 itself, an unsigned int. */
		if (strcmp(name, "pc") == 0 ||
		    (ppc && (regno == 65 || regno == 108))) {
			rt.cls = REG_CODE;		/* the pc, ppc's lr */
		} else if (strcmp(name, "fp") == 0) {
			rt.cls = REG_DATA;		/* gdb's frame base */
		} else if (ppc ? regno < 32 || regno == 64 || regno == 66 ||
				 regno == 76 || regno == 127
			       : regno < 16 || regno == 64 || regno == 65) {
			rt.cls = REG_INT;
			rt.size = arch->addr_size;
			/* ppc64's cr and xer are 32 bits. s390's gdb shows
			 * a 31-bit core's r0-r15 as 64-bit (with the high
			 * halves' note); we hold the low halves. */
			if (ppc && (regno == 64 || regno == 76))
				rt.size = 4;
			rt.name = rt.size == 4 ? "uint32_t" : "uint64_t";
		}
		break;
	default:
		if (regno == arch->pc_regno)
			rt.cls = REG_CODE;
		else if (regno == arch->sp_regno || regno == arch->fp_regno)
			rt.cls = REG_DATA;
		break;
	}
	return rt;
}

static struct lpd_error *
eval_register(struct eval *ev, const char *name, struct dbg_value **ret)
{
	const struct dump_arch *arch = dump_get_arch(dbg_target_dump(ev->t));
	const struct dbg_type *t = dbg_type_builtin(DBG_BUILTIN_INT64);
	struct dbg_value *v;
	struct reg_type rt;
	unsigned regno = UINT32_MAX, r;

	if (strcmp(name, "pc") == 0) {
		regno = arch->pc_regno;
	} else if (strcmp(name, "sp") == 0) {
		regno = arch->sp_regno;
	} else if (strcmp(name, "fp") == 0) {
		regno = arch->fp_regno;
	} else {
		for (r = 0; r < arch->nregs && r < DUMP_MAX_REGS; r++) {
			const char *rn = arch->reg_name(r);

			if (rn != NULL && strcmp(rn, name) == 0) {
				regno = r;
				break;
			}
		}
	}
	if (regno == UINT32_MAX) {
		/* gdb: an unset convenience variable is void. */
		v = dbg_value_new(ev->t, dbg_type_builtin(DBG_BUILTIN_VOID));
		if (v == NULL)
			return &lpd_enomem;
		*ret = v;
		return NULL;
	}
	rt = eval_reg_type(arch, regno, name);
	if (rt.cls == REG_CODE || rt.cls == REG_DATA) {
		/* Pointers of the target's address size, not the builtins'
		 * 8 bytes. */
		struct lpd_error *err = dbg_type_pointer_to(ev->c.scratch,
			dbg_type_builtin(rt.cls == REG_CODE ?
					 DBG_BUILTIN_VOID_FUNC :
					 DBG_BUILTIN_VOID), &t);

		if (err != NULL)
			return err;
	} else if (rt.cls == REG_INT) {
		struct lpd_error *err = dbg_types_register_int(ev->c.scratch,
			rt.name, rt.size, rt.is_signed, &t);

		if (err != NULL)
			return err;
	}
	if (ev->s == NULL || ev->c.raw == NULL)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "No registers.");
	if (!dump_regs_has(&ev->c.known, regno)) {
		v = dbg_value_new(ev->t, t);
		if (v == NULL)
			return &lpd_enomem;
		v->state = DBG_VALUE_NOT_SAVED;
		*ret = v;
		return NULL;
	}
	{
		struct lpd_error *err = eval_int(ev, t, ev->c.known.value[regno],
						 ret);

		if (err == NULL)
			(*ret)->is_register = true;
		return err;
	}
}

/* Fail when V cannot be used as an operand. */
static struct lpd_error *
eval_usable(const struct dbg_value *v)
{
	switch (v->state) {
	case DBG_VALUE_OK:
		return NULL;
	case DBG_VALUE_ERROR:
		return lpd_error_format(LPD_ERR_FAULT, "%s", v->error != NULL ?
					v->error : "Cannot access memory");
	case DBG_VALUE_NOT_SAVED:
		return lpd_error_format(LPD_ERR_INVALID_ARG, "value is not "
					"available");
	default:
		return lpd_error_format(LPD_ERR_INVALID_ARG, "value has been "
					"optimized out");
	}
}

static bool
eval_is_int(const struct dbg_type *t)
{
	t = dbg_type_strip(t);
	return t != NULL && (t->kind == DBG_TYPE_INT ||
			     t->kind == DBG_TYPE_CHAR ||
			     t->kind == DBG_TYPE_BOOL ||
			     t->kind == DBG_TYPE_ENUM);
}

/* An array used as a value decays to a pointer to its first element. */
static struct lpd_error *
eval_decay(struct eval *ev, struct dbg_value **v)
{
	const struct dbg_type *t = dbg_type_strip((*v)->type), *p;
	struct lpd_error *err;
	struct dbg_value *r;

	if (t == NULL || (t->kind != DBG_TYPE_ARRAY &&
			  t->kind != DBG_TYPE_FUNC))
		return NULL;
	if (!(*v)->in_memory)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "Attempt to take "
					"address of value not located in "
					"memory.");
	err = dbg_type_pointer_to(ev->c.scratch, t->kind == DBG_TYPE_ARRAY ?
				  t->target : (*v)->type, &p);
	if (err == NULL)
		err = eval_int(ev, p, (*v)->address, &r);
	if (err != NULL)
		return err;
	dbg_value_destroy(*v);
	*v = r;
	return NULL;
}

static struct lpd_error *
eval_deref(struct eval *ev, struct dbg_value *v, struct dbg_value **ret)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_error *err;
	int64_t x;

	if (t != NULL && t->kind == DBG_TYPE_ARRAY)
		return dbg_value_element(v, 0, ret);
	if (t == NULL || (t->kind != DBG_TYPE_POINTER &&
			  t->kind != DBG_TYPE_REF)) {
		if (t != NULL && t->kind == DBG_TYPE_FUNC)
			return dbg_value_copy(v, ret);
		if (t != NULL && eval_is_int(v->type))
			return lpd_error_format(LPD_ERR_INVALID_ARG, "Attempt "
						"to take contents of a "
						"non-pointer value.");
		return lpd_error_format(LPD_ERR_INVALID_ARG, "Attempt to take "
					"contents of a non-pointer value.");
	}
	err = eval_usable(v);
	if (err != NULL)
		return err;
	if (!dbg_value_as_int(v, &x))
		return lpd_error_format(LPD_ERR_INVALID_ARG, "cannot read "
					"pointer");
	{
		const struct dbg_type *tg = dbg_type_strip(t->target);

		if (tg == NULL || tg->kind == DBG_TYPE_VOID)
			return lpd_error_format(LPD_ERR_INVALID_ARG,
						"Attempt to take contents of "
						"a non-pointer value.");
		if (tg->kind == DBG_TYPE_FUNC) {
			struct dbg_value *f = dbg_value_new(ev->t, t->target);

			if (f == NULL)
				return &lpd_enomem;
			f->in_memory = true;
			f->address = (uint64_t)x;
			f->size = 0;
			*ret = f;
			return NULL;
		}
	}
	{
		struct dbg_value *r = NULL;

		err = dbg_value_at(ev->t, t->target, (uint64_t)x, &r);
		if (err == NULL && r->state == DBG_VALUE_ERROR) {
			err = lpd_error_format(LPD_ERR_FAULT, "%s", r->error);
			if (err != &lpd_enomem)
				err->address = (uint64_t)x;
			dbg_value_destroy(r);
			return err;
		}
		if (err == NULL)
			*ret = r;
		return err;
	}
}

/* Member NAME of struct V, looking into anonymous members too. */
static struct lpd_error *
eval_member(struct dbg_value *v, const char *name, struct dbg_value **ret,
	    bool *found, unsigned depth)
{
	const struct dbg_type *t = dbg_type_strip(v->type);
	struct lpd_error *err;
	size_t i;

	*found = false;
	if (depth > 32)
		return NULL;
	for (i = 0; i < t->n_members; i++) {
		const struct dbg_member *m = &t->members[i];
		const struct dbg_type *mt = dbg_type_strip(m->type);
		struct dbg_value *c;

		if (m->name != NULL && strcmp(m->name, name) == 0) {
			*found = true;
			return dbg_value_member(v, i, ret);
		}
		if ((m->name == NULL || m->inheritance) && mt != NULL &&
		    (mt->kind == DBG_TYPE_STRUCT || mt->kind == DBG_TYPE_UNION ||
		     mt->kind == DBG_TYPE_CLASS)) {
			err = dbg_value_member(v, i, &c);
			if (err != NULL)
				return err;
			err = eval_member(c, name, ret, found, depth + 1);
			dbg_value_destroy(c);
			if (err != NULL || *found)
				return err;
		}
	}
	return NULL;
}

static bool
eval_is_struct(const struct dbg_type *t)
{
	t = dbg_type_strip(t);
	return t != NULL && (t->kind == DBG_TYPE_STRUCT ||
			     t->kind == DBG_TYPE_UNION ||
			     t->kind == DBG_TYPE_CLASS);
}

/* C's usual arithmetic conversions, as far as gdb goes: int, unsigned
 * int, long, unsigned long, double. */
static const struct dbg_type *
eval_arith_type(const struct dbg_value *a, const struct dbg_value *b)
{
	const struct dbg_type *x = dbg_type_strip(a->type);
	const struct dbg_type *y = dbg_type_strip(b->type);
	uint64_t size;
	bool uns;

	if (x->kind == DBG_TYPE_FLOAT || y->kind == DBG_TYPE_FLOAT) {
		/* gdb keeps the wider float operand's type, and an integer
		 * does not widen it: float * int is a float. */
		if ((x->kind == DBG_TYPE_FLOAT && x->size > 4) ||
		    (y->kind == DBG_TYPE_FLOAT && y->size > 4))
			return dbg_type_builtin(DBG_BUILTIN_DOUBLE);
		return dbg_type_builtin(DBG_BUILTIN_FLOAT);
	}
	size = x->size > y->size ? x->size : y->size;
	if (size < 4)
		size = 4;
	uns = (!x->is_signed && x->size >= size && x->kind != DBG_TYPE_BOOL)
	      || (!y->is_signed && y->size >= size &&
		  y->kind != DBG_TYPE_BOOL);
	if (size > 4)
		return dbg_type_builtin(uns ? DBG_BUILTIN_ULONG
					    : DBG_BUILTIN_LONG);
	return dbg_type_builtin(uns ? DBG_BUILTIN_UINT : DBG_BUILTIN_INT);
}

static struct lpd_error *
eval_binary(struct eval *ev, uint8_t op, struct dbg_value *a,
	    struct dbg_value *b, struct dbg_value **ret)
{
	const struct dbg_type *ta, *tb, *rt;
	struct lpd_error *err;
	int64_t x = 0, y = 0;
	double dx, dy;
	bool pa, pb;

	err = eval_decay(ev, &a);
	if (err == NULL)
		err = eval_decay(ev, &b);
	if (err == NULL)
		err = eval_usable(a);
	if (err == NULL)
		err = eval_usable(b);
	if (err != NULL)
		goto out;
	ta = dbg_type_strip(a->type);
	tb = dbg_type_strip(b->type);
	pa = ta->kind == DBG_TYPE_POINTER;
	pb = tb->kind == DBG_TYPE_POINTER;
	if ((!pa && !eval_is_int(ta) && ta->kind != DBG_TYPE_FLOAT) ||
	    (!pb && !eval_is_int(tb) && tb->kind != DBG_TYPE_FLOAT)) {
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "Argument to "
				       "arithmetic operation not a number or "
				       "boolean.");
		goto out;
	}
	if (pa || pb) {
		uint64_t es;

		dbg_value_as_int(a, &x);
		dbg_value_as_int(b, &y);
		switch (op) {
		case EX_ADD:
		case EX_SUB:
			if (pa && pb && op == EX_SUB) {
				es = dbg_type_size(ta->target);
				err = eval_int(ev, dbg_types_builtin(
						ev->c.scratch,
						DBG_BUILTIN_LONG),
					       (uint64_t)((x - y) /
							  (int64_t)(es ? es
								       : 1)),
					       ret);
				goto out;
			}
			if (pa && pb) {
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
						       "Argument to arithmetic "
						       "operation not a number "
						       "or boolean.");
				goto out;
			}
			if (pb && op == EX_SUB) {
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
						       "Argument to arithmetic "
						       "operation not a number "
						       "or boolean.");
				goto out;
			}
			es = dbg_type_size(pa ? ta->target : tb->target);
			if (es == 0)
				es = 1;
			if (pb) {
				int64_t tmp = x;

				x = y;
				y = tmp;
			}
			err = eval_int(ev, pa ? a->type : b->type,
				       (uint64_t)(op == EX_ADD ?
						  x + y * (int64_t)es :
						  x - y * (int64_t)es), ret);
			goto out;
		case EX_LT: x = (uint64_t)x < (uint64_t)y; break;
		case EX_GT: x = (uint64_t)x > (uint64_t)y; break;
		case EX_LE: x = (uint64_t)x <= (uint64_t)y; break;
		case EX_GE: x = (uint64_t)x >= (uint64_t)y; break;
		case EX_EQ: x = x == y; break;
		case EX_NE: x = x != y; break;
		case EX_AND: x = x && y; break;
		case EX_OR: x = x || y; break;
		default:
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "Argument "
					       "to arithmetic operation not a "
					       "number or boolean.");
			goto out;
		}
		err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_INT),
			       (uint64_t)x, ret);
		goto out;
	}
	rt = eval_arith_type(a, b);
	if (rt->kind == DBG_TYPE_FLOAT) {
		dbg_value_as_double(a, &dx);
		dbg_value_as_double(b, &dy);
		switch (op) {
		case EX_ADD: dx += dy; break;
		case EX_SUB: dx -= dy; break;
		case EX_MUL: dx *= dy; break;
		case EX_DIV:
			if (dy == 0) {
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
						       "Division by zero");
				goto out;
			}
			dx /= dy;
			break;
		case EX_LT: case EX_GT: case EX_LE: case EX_GE:
		case EX_EQ: case EX_NE: case EX_AND: case EX_OR:
			x = op == EX_LT ? dx < dy : op == EX_GT ? dx > dy :
			    op == EX_LE ? dx <= dy : op == EX_GE ? dx >= dy :
			    op == EX_EQ ? dx == dy : op == EX_NE ? dx != dy :
			    op == EX_AND ? (dx != 0 && dy != 0)
					 : (dx != 0 || dy != 0);
			err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_INT),
				       (uint64_t)x, ret);
			goto out;
		default:
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "Integer "
					       "only operation.");
			goto out;
		}
		err = eval_double(ev, rt, dx, ret);
		goto out;
	}
	dbg_value_as_int(a, &x);
	dbg_value_as_int(b, &y);
	if (!ta->is_signed && ta->size < 8 && ta->kind != DBG_TYPE_ENUM)
		x &= (int64_t)((UINT64_C(1) << (8 * ta->size)) - 1);
	if (!tb->is_signed && tb->size < 8 && tb->kind != DBG_TYPE_ENUM)
		y &= (int64_t)((UINT64_C(1) << (8 * tb->size)) - 1);
	{
		bool uns = !rt->is_signed;
		uint64_t ux = (uint64_t)x, uy = (uint64_t)y, r = 0;

		if (rt->size == 4 && uns) {
			ux &= 0xffffffff;
			uy &= 0xffffffff;
		}
		switch (op) {
		case EX_ADD: r = ux + uy; break;
		case EX_SUB: r = ux - uy; break;
		case EX_MUL: r = ux * uy; break;
		case EX_DIV:
		case EX_MOD:
			if (y == 0) {
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
						       "Division by zero");
				goto out;
			}
			if (uns)
				r = op == EX_DIV ? ux / uy : ux % uy;
			else if (x == INT64_MIN && y == -1)
				r = op == EX_DIV ? ux : 0;
			else
				r = (uint64_t)(op == EX_DIV ? x / y : x % y);
			break;
		case EX_SHL: r = uy >= 64 ? 0 : ux << uy; break;
		case EX_SHR:
			r = uy >= 64 ? 0 : uns ? ux >> uy
					       : (uint64_t)(x >> uy);
			break;
		case EX_BITAND: r = ux & uy; break;
		case EX_BITOR: r = ux | uy; break;
		case EX_BITXOR: r = ux ^ uy; break;
		default:
			switch (op) {
			case EX_LT: r = uns ? ux < uy : x < y; break;
			case EX_GT: r = uns ? ux > uy : x > y; break;
			case EX_LE: r = uns ? ux <= uy : x <= y; break;
			case EX_GE: r = uns ? ux >= uy : x >= y; break;
			case EX_EQ: r = ux == uy; break;
			case EX_NE: r = ux != uy; break;
			case EX_AND: r = x && y; break;
			default: r = x || y; break;
			}
			rt = dbg_type_builtin(DBG_BUILTIN_INT);
			break;
		}
		err = eval_int(ev, rt, r, ret);
	}
out:
	dbg_value_destroy(a);
	dbg_value_destroy(b);
	return err;
}

static struct lpd_error *
eval_cast(struct eval *ev, const struct dbg_type *to, struct dbg_value *v,
	  struct dbg_value **ret)
{
	const struct dbg_type *s = dbg_type_strip(to);
	const struct dbg_type *f;
	struct lpd_error *err;
	int64_t x;
	double d;

	err = eval_decay(ev, &v);
	if (err == NULL)
		err = eval_usable(v);
	if (err != NULL)
		goto out;
	f = dbg_type_strip(v->type);
	if (s->kind == DBG_TYPE_STRUCT || s->kind == DBG_TYPE_UNION ||
	    s->kind == DBG_TYPE_ARRAY || s->kind == DBG_TYPE_CLASS) {
		if (f->kind == s->kind && dbg_type_size(to) == v->size) {
			err = dbg_value_copy(v, ret);
			if (err == NULL)
				(*ret)->type = to;
			goto out;
		}
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "Invalid cast.");
		goto out;
	}
	if (s->kind == DBG_TYPE_VOID) {
		*ret = dbg_value_new(ev->t, to);
		err = *ret == NULL ? &lpd_enomem : NULL;
		goto out;
	}
	if (s->kind == DBG_TYPE_FLOAT) {
		if (!dbg_value_as_double(v, &d)) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG,
					       "Invalid cast.");
			goto out;
		}
		err = eval_double(ev, to, d, ret);
		goto out;
	}
	if (f->kind == DBG_TYPE_FLOAT) {
		dbg_value_as_double(v, &d);
		x = (int64_t)d;
	} else if (!dbg_value_as_int(v, &x)) {
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "Invalid cast.");
		goto out;
	}
	if (s->kind == DBG_TYPE_BOOL)
		x = x != 0;
	err = eval_int(ev, to, (uint64_t)x, ret);
out:
	dbg_value_destroy(v);
	return err;
}

static struct lpd_error *
eval_node(struct eval *ev, const struct dbg_expr_node *n,
	  struct dbg_value **ret)
{
	struct dbg_value *a = NULL, *b = NULL, *b2 = NULL;
	const struct dbg_type *t;
	struct lpd_error *err = NULL;
	bool found;
	int64_t x;

	if (++ev->depth > EXPR_MAX_DEPTH) {
		ev->depth--;
		return lpd_error_format(LPD_ERR_INVALID_ARG, "expression "
					"nested too deeply");
	}
	switch (n->op) {
	case EX_INT:
		t = dbg_type_builtin(n->is_unsigned ?
				     (n->is_long || n->ival > UINT32_MAX ?
				      DBG_BUILTIN_ULONG : DBG_BUILTIN_UINT) :
				     (n->is_long || n->ival > INT32_MAX ?
				      (n->ival > INT64_MAX ? DBG_BUILTIN_ULONG
							   : DBG_BUILTIN_LONG)
				      : DBG_BUILTIN_INT));
		err = eval_int(ev, t, n->ival, ret);
		break;
	case EX_FLOAT:
		err = eval_double(ev, dbg_type_builtin(DBG_BUILTIN_DOUBLE),
				  n->fval, ret);
		break;
	case EX_CHAR:
		err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_CHAR), n->ival,
			       ret);
		break;
	case EX_STRING:
		err = dbg_type_array_of(ev->c.scratch,
					dbg_type_builtin(DBG_BUILTIN_CHAR),
					n->str_len + 1, &t);
		if (err == NULL)
			err = dbg_value_from_bytes(ev->t, t, n->str,
						   n->str_len + 1, ret);
		break;
	case EX_IDENT:
		err = eval_ident(ev, n->str, ret);
		break;
	case EX_REG:
		err = eval_register(ev, n->str, ret);
		break;
	case EX_MEMBER:
	case EX_ARROW:
		err = eval_node(ev, n->a, &a);
		if (err != NULL)
			break;
		if (n->op == EX_ARROW) {
			t = dbg_type_strip(a->type);
			if (t->kind != DBG_TYPE_POINTER ||
			    !eval_is_struct(t->target)) {
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
					"Attempt to extract a component of a "
					"value that is not a structure "
					"pointer.");
				if (eval_is_struct(a->type)) {
					lpd_error_destroy(err);
					err = NULL;
					b = a;
					a = NULL;
				}
			} else {
				/* Only the member is read, as gdb's lazy
				 * values do: faults name its address. */
				err = eval_usable(a);
				if (err == NULL && !dbg_value_as_int(a, &x))
					err = lpd_error_format(
						LPD_ERR_INVALID_ARG,
						"cannot read pointer");
				if (err == NULL) {
					b = dbg_value_new(ev->t, t->target);
					if (b == NULL)
						err = &lpd_enomem;
				}
				if (err == NULL) {
					b->in_memory = true;
					b->lazy = true;
					b->address = (uint64_t)x;
				}
			}
			if (err != NULL)
				break;
			dbg_value_destroy(a);
			a = b;
			b = NULL;
		} else if (!eval_is_struct(a->type)) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "Attempt to "
					       "extract a component of a value "
					       "that is not a structure.");
			break;
		}
		if (a->state == DBG_VALUE_ERROR)
			err = eval_usable(a);
		if (err == NULL)
			err = eval_member(a, n->str, ret, &found, 0);
		if (err == NULL && !found)
			err = lpd_error_format(LPD_ERR_NOT_FOUND, "There is no "
					       "member named %s.", n->str);
		break;
	case EX_INDEX:
		err = eval_node(ev, n->a, &a);
		if (err == NULL)
			err = eval_node(ev, n->b, &b);
		if (err != NULL)
			break;
		t = dbg_type_strip(a->type);
		if (!eval_is_int(b->type) || !dbg_value_as_int(b, &x)) {
			err = eval_usable(b);
			if (err == NULL)
				err = lpd_error_format(LPD_ERR_INVALID_ARG,
						       "Argument to arithmetic "
						       "operation not a number "
						       "or boolean.");
			break;
		}
		if (t->kind == DBG_TYPE_ARRAY && x >= 0) {
			if (a->state == DBG_VALUE_ERROR)
				err = eval_usable(a);
			if (err == NULL)
				err = dbg_value_element(a, (uint64_t)x, &b2);
			if (err == NULL && b2->state == DBG_VALUE_ERROR) {
				err = lpd_error_format(LPD_ERR_FAULT, "%s",
						       b2->error);
				dbg_value_destroy(b2);
			} else if (err == NULL) {
				*ret = b2;
			}
		} else if (t->kind == DBG_TYPE_POINTER ||
			   t->kind == DBG_TYPE_ARRAY) {
			struct dbg_value *sum;

			err = eval_binary(ev, EX_ADD, a, b, &sum);
			a = b = NULL;
			if (err == NULL) {
				err = eval_deref(ev, sum, ret);
				dbg_value_destroy(sum);
			}
		} else {
			struct lpd_buf tb = LPD_BUF_INIT;

			dbg_type_print(a->type, NULL, &tb);
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "cannot "
					       "subscript something of type "
					       "`%s'", tb.data != NULL ?
					       tb.data : "?");
			lpd_buf_deinit(&tb);
		}
		break;
	case EX_DEREF:
		err = eval_node(ev, n->a, &a);
		if (err == NULL)
			err = eval_deref(ev, a, ret);
		break;
	case EX_ADDR:
		err = eval_node(ev, n->a, &a);
		if (err != NULL)
			break;
		if ((!a->in_memory || a->bit_size != 0) && ev->types_only) {
			err = dbg_type_pointer_to(ev->c.scratch, a->type, &t);
			if (err == NULL)
				err = eval_int(ev, t, 0, ret);
			break;
		}
		if ((!a->in_memory || a->bit_size != 0) && a->name != NULL &&
		    n->a->op == EX_IDENT) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "Can't take "
					       "address of \"%s\" which isn't "
					       "an lvalue.", a->name);
			break;
		}
		if (!a->in_memory || a->bit_size != 0) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "Attempt to "
					       "take address of value not "
					       "located in memory.");
			break;
		}
		err = dbg_type_pointer_to(ev->c.scratch, a->type, &t);
		if (err == NULL)
			err = eval_int(ev, t, a->address, ret);
		break;
	case EX_NEG:
	case EX_POS:
	case EX_BITNOT:
	case EX_NOT:
		err = eval_node(ev, n->a, &a);
		if (err != NULL)
			break;
		if (n->op == EX_NOT) {
			err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_INT),
				       0, &b);
			if (err == NULL)
				err = eval_binary(ev, EX_EQ, a, b, ret);
			a = b = NULL;
			break;
		}
		err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_INT),
			       n->op == EX_BITNOT ? UINT64_MAX : 0, &b);
		if (err != NULL)
			break;
		if (n->op == EX_BITNOT && !eval_is_int(a->type)) {
			err = lpd_error_format(LPD_ERR_INVALID_ARG, "Argument "
					       "to complement operation not "
					       "an integer, boolean.");
			break;
		}
		if (n->op == EX_POS) {
			dbg_value_destroy(b);
			b = NULL;
			err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_INT),
				       0, &b);
			if (err == NULL)
				err = eval_binary(ev, EX_ADD, a, b, ret);
		} else if (n->op == EX_NEG) {
			err = eval_binary(ev, EX_SUB, b, a, ret);
		} else {
			err = eval_binary(ev, EX_BITXOR, a, b, ret);
		}
		a = b = NULL;
		break;
	case EX_SIZEOF_EXPR:
	case EX_SIZEOF_TYPE:
		if (n->op == EX_SIZEOF_TYPE) {
			err = eval_type(ev, n->type, &t);
		} else {
			err = eval_node(ev, n->a, &a);
			t = a != NULL ? a->type : NULL;
		}
		if (err == NULL)
			err = eval_int(ev, dbg_types_builtin(ev->c.scratch,
							     DBG_BUILTIN_ULONG),
				       dbg_type_size(t), ret);
		break;
	case EX_CAST:
		err = eval_type(ev, n->type, &t);
		if (err == NULL)
			err = eval_node(ev, n->a, &a);
		if (err == NULL)
			err = eval_cast(ev, t, a, ret);
		a = NULL;
		break;
	case EX_AND:
	case EX_OR:
		err = eval_node(ev, n->a, &a);
		if (err == NULL)
			err = eval_decay(ev, &a);
		if (err == NULL)
			err = eval_usable(a);
		if (err != NULL)
			break;
		if (!dbg_value_as_int(a, &x)) {
			double d;

			x = dbg_value_as_double(a, &d) && d != 0;
		}
		if ((n->op == EX_AND && x == 0) || (n->op == EX_OR && x != 0)) {
			err = eval_int(ev, dbg_type_builtin(DBG_BUILTIN_INT),
				       n->op == EX_OR, ret);
			break;
		}
		err = eval_node(ev, n->b, &b);
		if (err == NULL)
			err = eval_binary(ev, n->op, a, b, ret);
		a = b = NULL;
		break;
	case EX_COND:
		err = eval_node(ev, n->a, &a);
		if (err == NULL)
			err = eval_usable(a);
		if (err != NULL)
			break;
		if (!dbg_value_as_int(a, &x))
			x = 1;
		err = eval_node(ev, x != 0 ? n->b : n->c, ret);
		break;
	default:
		err = eval_node(ev, n->a, &a);
		if (err == NULL)
			err = eval_node(ev, n->b, &b);
		if (err == NULL)
			err = eval_binary(ev, n->op, a, b, ret);
		a = b = NULL;
		break;
	}
	dbg_value_destroy(a);
	dbg_value_destroy(b);
	ev->depth--;
	return err;
}

static struct lpd_error *
eval_init(struct eval *ev, struct dbg_target *t, const struct dbg_stack *s,
	  size_t frame)
{
	memset(ev, 0, sizeof(*ev));
	ev->t = t;
	ev->s = s;
	return dbg_frame_ctx_init(t, s, frame, &ev->c);
}

struct lpd_error *
dbg_eval(struct dbg_target *t, const struct dbg_stack *s, size_t frame,
	 const char *text, struct dbg_value **ret)
{
	struct dbg_expr_node *n = NULL;
	struct dbg_value *v = NULL;
	struct lpd_error *err;
	struct eval ev;

	err = eval_init(&ev, t, s, frame);
	if (err == NULL)
		err = dbg_expr_parse(text, eval_is_type, &ev, &n);
	if (err == NULL)
		err = eval_node(&ev, n, &v);
	dbg_expr_free(n);
	if (err != NULL)
		return err;
	/* print fails on memory it cannot read, as gdb's does. */
	if (v->state == DBG_VALUE_ERROR && v->error != NULL &&
	    strncmp(v->error, "Cannot access memory", 20) == 0) {
		err = lpd_error_format(LPD_ERR_FAULT, "%s", v->error);
		dbg_value_destroy(v);
		return err;
	}
	*ret = v;
	return NULL;
}

struct lpd_error *
dbg_eval_type(struct dbg_target *t, const struct dbg_stack *s, size_t frame,
	      const char *text, bool expand, struct lpd_buf *out)
{
	struct parser ps;
	struct expr_typename *tn = NULL;
	const struct dbg_type *type = NULL;
	struct dbg_value *v = NULL;
	struct lpd_error *err;
	struct eval ev;

	err = eval_init(&ev, t, s, frame);
	if (err != NULL)
		return err;
	memset(&ps, 0, sizeof(ps));
	ps.text = ps.p = text;
	ps.is_type = eval_is_type;
	ps.arg = &ev;
	if (parse_type_ahead(&ps)) {
		tn = parse_typename(&ps);
		parse_skip(&ps);
		if (ps.err == NULL && tn != NULL && *ps.p == '\0')
			err = eval_type(&ev, tn, &type);
		else if (ps.err == NULL)
			err = parse_error_at(&ps, ps.p);
		else
			err = ps.err;
		if (tn != NULL)
			lpd_free(tn->words);
		lpd_free(tn);
	} else {
		struct dbg_expr_node *n = NULL;

		ev.types_only = true;
		err = dbg_expr_parse(text, eval_is_type, &ev, &n);
		if (err == NULL)
			err = eval_node(&ev, n, &v);
		dbg_expr_free(n);
		if (err == NULL)
			type = v->type;
	}
	if (err == NULL)
		err = lpd_buf_puts(out, "type = ");
	if (err == NULL)
		err = expand ? dbg_type_ptype(type, out)
			     : dbg_type_print(type, NULL, out);
	dbg_value_destroy(v);
	return err;
}
