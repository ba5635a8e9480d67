/* common/json.c - compact JSON writer for --json output and facts. */
#include <inttypes.h>
#include <stdio.h>

#include "common/lpd.h"

void
lpd_json_init(struct lpd_json *j, struct lpd_buf *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
	j->err = NULL;
}

static void
json_raw(struct lpd_json *j, const char *s, size_t n)
{
	if (j->err == NULL)
		j->err = lpd_buf_append(j->out, s, n);
}

/* Comma before a value unless it follows a key or opens a container. */
static void
json_value_prefix(struct lpd_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		json_raw(j, ",", 1);
	j->need_comma[j->depth] = true;
}

static void
json_open(struct lpd_json *j, char c)
{
	json_value_prefix(j);
	json_raw(j, &c, 1);
	if (j->depth + 1 >= sizeof(j->need_comma)) {
		if (j->err == NULL)
			j->err = lpd_error_format(LPD_ERR_INVALID_ARG,
						  "JSON nested too deep");
		return;
	}
	j->need_comma[++j->depth] = false;
}

static void
json_close(struct lpd_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	json_raw(j, &c, 1);
}

void lpd_json_object_begin(struct lpd_json *j) { json_open(j, '{'); }
void lpd_json_object_end(struct lpd_json *j) { json_close(j, '}'); }
void lpd_json_array_begin(struct lpd_json *j) { json_open(j, '['); }
void lpd_json_array_end(struct lpd_json *j) { json_close(j, ']'); }

static void
json_escaped(struct lpd_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[8];

	json_raw(j, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			json_raw(j, tmp, 2);
		} else if (*p == '\n') {
			json_raw(j, "\\n", 2);
		} else if (*p == '\t') {
			json_raw(j, "\\t", 2);
		} else if (*p < 0x20 || *p >= 0x80) {
			/* Non-ASCII bytes are escaped one by one so that any
			 * byte string (paths from a core) stays valid JSON. */
			if (*p >= 0x80) {
				size_t n = 0;
				unsigned need = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2
					      : *p >= 0xc0 ? 1 : 9;
				while (n < need && (p[n + 1] & 0xc0) == 0x80)
					n++;
				if (need <= 3 && n == need) {
					json_raw(j, (const char *)p, n + 1);
					p += n;
					continue;
				}
			}
			snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
			json_raw(j, tmp, 6);
		} else {
			json_raw(j, (const char *)p, 1);
		}
	}
	json_raw(j, "\"", 1);
}

void
lpd_json_key(struct lpd_json *j, const char *key)
{
	json_value_prefix(j);
	json_escaped(j, key);
	json_raw(j, ":", 1);
	j->after_key = true;
}

void
lpd_json_string(struct lpd_json *j, const char *s)
{
	if (s == NULL) {
		lpd_json_null(j);
		return;
	}
	json_value_prefix(j);
	json_escaped(j, s);
}

void
lpd_json_int(struct lpd_json *j, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	json_value_prefix(j);
	json_raw(j, tmp, (size_t)n);
}

void
lpd_json_uint(struct lpd_json *j, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	json_value_prefix(j);
	json_raw(j, tmp, (size_t)n);
}

void
lpd_json_hex(struct lpd_json *j, uint64_t v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "0x%" PRIx64, v);
	json_value_prefix(j);
	json_escaped(j, tmp);
}

void
lpd_json_double(struct lpd_json *j, double v, int decimals)
{
	char tmp[64];
	int n;

	if (decimals < 0 || decimals > 17)
		decimals = 6;
	/* JSON has no NaN or infinity. */
	if (!(v == v) || v > 1e300 || v < -1e300) {
		lpd_json_null(j);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	for (char *c = tmp; *c != '\0'; c++)
		if (*c == ',')		/* a locale's decimal comma */
			*c = '.';
	json_value_prefix(j);
	json_raw(j, tmp, n > 0 && (size_t)n < sizeof(tmp) ? (size_t)n : 0);
}

void
lpd_json_bool(struct lpd_json *j, bool v)
{
	json_value_prefix(j);
	json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void
lpd_json_null(struct lpd_json *j)
{
	json_value_prefix(j);
	json_raw(j, "null", 4);
}

struct lpd_error *
lpd_json_finish(struct lpd_json *j)
{
	struct lpd_error *err = j->err;

	j->err = NULL;
	return err;
}
