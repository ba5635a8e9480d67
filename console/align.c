/* console/align.c - backtrace alignment for the compare view: longest
 * common subsequence over normalized frame keys, unmatched runs between
 * two matches paired side by side. Pure: no model, no terminal. */
#include <stdio.h>
#include <string.h>

#include "console/align.h"

static const char *const align_prefixes[] = { "__GI_", "__libc_", NULL };
static const char *const align_suffixes[] = {
	".isra.", ".constprop.", ".part.", ".cold", ".lto_priv.", NULL,
};

const char *
align_normalize(const char *function, const char *module, char *buf,
		size_t len)
{
	const char *s, *base;
	size_t n, i;

	if (len == 0)
		return buf;
	if (function == NULL) {
		base = module != NULL ? strrchr(module, '/') : NULL;
		base = base != NULL ? base + 1 : module;
		if (base != NULL)
			snprintf(buf, len, "??@%s", base);
		else
			snprintf(buf, len, "??");
		return buf;
	}
	s = function;
	for (i = 0; align_prefixes[i] != NULL; i++) {
		n = strlen(align_prefixes[i]);
		if (strncmp(s, align_prefixes[i], n) == 0 && s[n] != '\0') {
			s += n;
			break;
		}
	}
	/* "___pthread_cond_wait" is the versioned alias of the public
	 * name; keep at most one leading underscore pair off. */
	while (s[0] == '_' && s[1] == '_' && s[2] == '_')
		s++;
	n = strlen(s);
	for (i = 0; align_suffixes[i] != NULL; i++) {
		const char *p = strstr(s, align_suffixes[i]);

		if (p != NULL && (size_t)(p - s) < n)
			n = (size_t)(p - s);
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static bool
align_eq(const char *x, const char *y)
{
	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

static struct lpd_error *
align_push(struct align_result *r, size_t *cap, long a, long b,
	   enum align_mark mark)
{
	struct lpd_error *err;

	err = lpd_vec_reserve((void **)&r->rows, cap, r->n_rows + 1,
			      sizeof(*r->rows));
	if (err != NULL)
		return err;
	r->rows[r->n_rows].a = a;
	r->rows[r->n_rows].b = b;
	r->rows[r->n_rows].mark = mark;
	r->n_rows++;
	return NULL;
}

/* Rows for the unmatched runs A[ia, ea) and B[ib, eb): paired while both
 * last, then the longer run's rest alone. */
static struct lpd_error *
align_gap(struct align_result *r, size_t *cap, size_t ia, size_t ea,
	  size_t ib, size_t eb)
{
	struct lpd_error *err = NULL;

	while (err == NULL && (ia < ea || ib < eb)) {
		long a = ia < ea ? (long)ia++ : -1;
		long b = ib < eb ? (long)ib++ : -1;

		err = align_push(r, cap, a, b, ALIGN_DIFF);
	}
	return err;
}

struct lpd_error *
align_keys(const char *const *a, size_t n_a, const char *const *b,
	   size_t n_b, struct align_result **ret)
{
	struct align_result *r;
	struct lpd_error *err = NULL;
	uint16_t *L;		/* L[i][j]: LCS of a[i..] and b[j..] */
	size_t i, j, w, cap = 0, ga = 0, gb = 0;

	if (n_a > ALIGN_MAX_FRAMES)
		n_a = ALIGN_MAX_FRAMES;
	if (n_b > ALIGN_MAX_FRAMES)
		n_b = ALIGN_MAX_FRAMES;
	w = n_b + 1;
	r = lpd_calloc(1, sizeof(*r));
	L = lpd_calloc((n_a + 1) * w, sizeof(*L));
	if (r == NULL || L == NULL) {
		lpd_free(r);
		lpd_free(L);
		return &lpd_enomem;
	}
	r->n_a = n_a;
	r->n_b = n_b;
	for (i = n_a; i-- > 0;)
		for (j = n_b; j-- > 0;) {
			uint16_t down = L[(i + 1) * w + j];
			uint16_t right = L[i * w + j + 1];

			if (align_eq(a[i], b[j]))
				L[i * w + j] = (uint16_t)(L[(i + 1) * w + j + 1]
							  + 1);
			else
				L[i * w + j] = down > right ? down : right;
		}
	i = j = 0;
	while (err == NULL && i < n_a && j < n_b) {
		if (align_eq(a[i], b[j]) &&
		    L[i * w + j] == L[(i + 1) * w + j + 1] + 1) {
			err = align_gap(r, &cap, ga, i, gb, j);
			if (err == NULL)
				err = align_push(r, &cap, (long)i, (long)j,
						 ALIGN_SAME);
			r->matched++;
			ga = ++i;
			gb = ++j;
		} else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
			i++;
		} else {
			j++;
		}
	}
	if (err == NULL)
		err = align_gap(r, &cap, ga, n_a, gb, n_b);
	lpd_free(L);
	if (err != NULL) {
		align_result_destroy(r);
		return err;
	}
	r->score = n_a + n_b == 0 ? 1.0
		 : 2.0 * (double)r->matched / (double)(n_a + n_b);
	*ret = r;
	return NULL;
}

void
align_result_destroy(struct align_result *r)
{
	if (r == NULL)
		return;
	lpd_free(r->rows);
	lpd_free(r);
}
