/* common/error.c - the error objects every fallible function returns. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lpd.h"

struct lpd_error lpd_enomem = {
	.code = LPD_ERR_NOMEM,
	.message = (char *)"out of memory",
	.is_static = true,
};

struct lpd_error lpd_not_found = {
	.code = LPD_ERR_NOT_FOUND,
	.message = (char *)"not found",
	.is_static = true,
};

static struct lpd_error *
error_take(enum lpd_error_code code, char *message)
{
	struct lpd_error *err;

	if (message == NULL)
		return &lpd_enomem;
	err = lpd_calloc(1, sizeof(*err));
	if (err == NULL) {
		lpd_free(message);
		return &lpd_enomem;
	}
	err->code = code;
	err->message = message;
	return err;
}

struct lpd_error *
lpd_error_vformat(enum lpd_error_code code, const char *fmt, va_list ap)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;

	err = lpd_buf_vprintf(&b, fmt, ap);
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	return error_take(code, lpd_buf_steal(&b));
}

struct lpd_error *
lpd_error_format(enum lpd_error_code code, const char *fmt, ...)
{
	struct lpd_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = lpd_error_vformat(code, fmt, ap);
	va_end(ap);
	return err;
}

struct lpd_error *
lpd_error_os(int errnum, const char *path)
{
	struct lpd_error *err;

	if (errnum == ENOMEM)
		return &lpd_enomem;
	if (path != NULL)
		err = lpd_error_format(LPD_ERR_OS, "%s: %s", path,
				       strerror(errnum));
	else
		err = lpd_error_format(LPD_ERR_OS, "%s", strerror(errnum));
	if (err != &lpd_enomem)
		err->errnum = errnum;
	return err;
}

struct lpd_error *
lpd_error_input(const char *file, uint64_t offset, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	err = lpd_buf_printf(&b, "%s: offset 0x%" PRIx64 ": ",
			     file != NULL ? file : "<input>", offset);
	if (err == NULL) {
		va_start(ap, fmt);
		err = lpd_buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	return error_take(LPD_ERR_BAD_INPUT, lpd_buf_steal(&b));
}

struct lpd_error *
lpd_error_syntax(const char *file, int line, int col, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err;
	va_list ap;

	err = lpd_buf_printf(&b, "%s:%d:%d: ", file != NULL ? file : "<input>",
			     line, col);
	if (err == NULL) {
		va_start(ap, fmt);
		err = lpd_buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	return error_take(LPD_ERR_SYNTAX, lpd_buf_steal(&b));
}

struct lpd_error *
lpd_error_fault(uint64_t address)
{
	struct lpd_error *err;

	err = lpd_error_format(LPD_ERR_FAULT,
			       "cannot read memory at 0x%" PRIx64, address);
	if (err != &lpd_enomem)
		err->address = address;
	return err;
}

struct lpd_error *
lpd_error_prefix(struct lpd_error *err, const char *fmt, ...)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *copy;
	va_list ap;

	if (err == &lpd_enomem)
		return err;
	va_start(ap, fmt);
	copy = lpd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (copy == NULL)
		copy = lpd_buf_printf(&b, ": %s", err->message);
	if (copy != NULL) {
		lpd_buf_deinit(&b);
		return err;	/* keep the unprefixed error rather than lose it */
	}
	if (err->is_static) {
		copy = error_take(err->code, lpd_buf_steal(&b));
		return copy;
	}
	lpd_free(err->message);
	err->message = lpd_buf_steal(&b);
	return err;
}

void
lpd_error_destroy(struct lpd_error *err)
{
	if (err == NULL || err->is_static)
		return;
	lpd_free(err->message);
	lpd_free(err);
}

int
lpd_error_exit_status(const struct lpd_error *err)
{
	if (err == NULL)
		return 0;
	switch (err->code) {
	case LPD_ERR_INVALID_ARG:
	case LPD_ERR_SYNTAX:
		return 2;
	default:
		return 3;
	}
}
