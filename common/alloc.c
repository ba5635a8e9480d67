/* common/alloc.c - overflow-checked allocation; test builds can inject
 * failures to walk every cleanup path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lpd.h"

/* Failure injection for tests (declared under LPD_TESTING in lpd.h): the
 * one piece of global state in the libraries, read-only unless a test
 * arms it. */
static long alloc_fail_countdown = -1;

void lpd_alloc_fail_after(long n);

void
lpd_alloc_fail_after(long n)
{
	alloc_fail_countdown = n;
}

static inline bool
alloc_should_fail(void)
{
	if (__builtin_expect(alloc_fail_countdown < 0, 1))
		return false;
	if (alloc_fail_countdown == 0)
		return true;
	alloc_fail_countdown--;
	return false;
}

void *
lpd_malloc(size_t size)
{
	if (alloc_should_fail())
		return NULL;
	return malloc(size != 0 ? size : 1);
}

void *
lpd_calloc(size_t n, size_t size)
{
	if (alloc_should_fail())
		return NULL;
	if (n == 0 || size == 0)
		n = size = 1;
	return calloc(n, size);
}

void *
lpd_reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	if (alloc_should_fail())
		return NULL;
	return realloc(p, total != 0 ? total : 1);
}

char *
lpd_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = lpd_malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *
lpd_strdup(const char *s)
{
	return lpd_strndup(s, strlen(s));
}

char *
lpd_asprintf(const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (err != NULL) {
		lpd_error_destroy(err);
		lpd_buf_deinit(&b);
		return NULL;
	}
	return lpd_buf_steal(&b);
}

void
lpd_free(void *p)
{
	free(p);
}

struct lpd_error *
lpd_vec_reserve(void **items, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return NULL;
	ncap = *cap != 0 ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return &lpd_enomem;
		ncap *= 2;
	}
	p = lpd_reallocarray(*items, ncap, elem);
	if (p == NULL)
		return &lpd_enomem;
	*items = p;
	*cap = ncap;
	return NULL;
}
