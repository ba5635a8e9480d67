/* common/buf.c - growable NUL-terminated string buffer. */
#include <stdio.h>
#include <string.h>

#include "common/lpd.h"

void
lpd_buf_deinit(struct lpd_buf *b)
{
	lpd_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
lpd_buf_reset(struct lpd_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static struct lpd_error *
buf_grow(struct lpd_buf *b, size_t extra)
{
	size_t need;

	if (__builtin_add_overflow(b->len, extra, &need) ||
	    __builtin_add_overflow(need, 1, &need))
		return &lpd_enomem;
	return lpd_vec_reserve((void **)&b->data, &b->cap, need, 1);
}

struct lpd_error *
lpd_buf_append(struct lpd_buf *b, const void *s, size_t n)
{
	struct lpd_error *err = buf_grow(b, n);

	if (err != NULL)
		return err;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return NULL;
}

struct lpd_error *
lpd_buf_puts(struct lpd_buf *b, const char *s)
{
	return lpd_buf_append(b, s, strlen(s));
}

struct lpd_error *
lpd_buf_vprintf(struct lpd_buf *b, const char *fmt, va_list ap)
{
	struct lpd_error *err;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad format '%s'",
					fmt);
	err = buf_grow(b, (size_t)n);
	if (err != NULL)
		return err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return NULL;
}

struct lpd_error *
lpd_buf_printf(struct lpd_buf *b, const char *fmt, ...)
{
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

char *
lpd_buf_steal(struct lpd_buf *b)
{
	char *s = b->data;

	if (s == NULL)
		s = lpd_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
