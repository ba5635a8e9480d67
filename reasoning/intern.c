/* reasoning/intern.c - a string interning table: each distinct string gets
 * a dense 32-bit id, so frames compare and hash as integers in triage,
 * corpora and the rule engine. */
#include <string.h>

#include "reasoning/reasoning-int.h"

uint64_t
reason_hash(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	/* Finalizer (splitmix64) so low bits mix well. */
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

void
reason_intern_init(struct reason_intern *t)
{
	memset(t, 0, sizeof(*t));
}

void
reason_intern_deinit(struct reason_intern *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		lpd_free(t->strs[i]);
	lpd_free(t->strs);
	lpd_free(t->slots);
	memset(t, 0, sizeof(*t));
}

static size_t
intern_slot(const struct reason_intern *t, const char *s)
{
	size_t mask = t->nslots - 1;
	size_t i = (size_t)reason_hash(s, strlen(s), 0) & mask;

	while (t->slots[i] != 0 && strcmp(t->strs[t->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

bool
reason_intern_find(const struct reason_intern *t, const char *s,
		   uint32_t *ret)
{
	size_t i;

	if (t->nslots == 0)
		return false;
	i = intern_slot(t, s);
	if (t->slots[i] == 0)
		return false;
	*ret = t->slots[i] - 1;
	return true;
}

static struct lpd_error *
intern_grow(struct reason_intern *t)
{
	size_t n = t->nslots != 0 ? t->nslots * 2 : 64, i, k, mask = n - 1;
	uint32_t *slots = lpd_calloc(n, sizeof(*slots));

	if (slots == NULL)
		return &lpd_enomem;
	for (i = 0; i < t->n; i++) {
		k = (size_t)reason_hash(t->strs[i], strlen(t->strs[i]), 0) &
		    mask;
		while (slots[k] != 0)
			k = (k + 1) & mask;
		slots[k] = (uint32_t)i + 1;
	}
	lpd_free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return NULL;
}

struct lpd_error *
reason_intern_get(struct reason_intern *t, const char *s, uint32_t *ret)
{
	struct lpd_error *err;
	size_t i;
	char *copy;

	if (reason_intern_find(t, s, ret))
		return NULL;
	if (t->n >= UINT32_MAX - 1)
		return lpd_error_format(LPD_ERR_INVALID_ARG,
					"too many distinct strings");
	if ((t->n + 1) * 2 > t->nslots && (err = intern_grow(t)) != NULL)
		return err;
	err = lpd_vec_reserve((void **)&t->strs, &t->cap, t->n + 1,
			      sizeof(*t->strs));
	if (err != NULL)
		return err;
	copy = lpd_strdup(s);
	if (copy == NULL)
		return &lpd_enomem;
	i = intern_slot(t, s);
	t->strs[t->n] = copy;
	t->slots[i] = (uint32_t)t->n + 1;
	*ret = (uint32_t)t->n++;
	return NULL;
}
