/* services/paging/os.c - the "operating system" an LPAR runs: one source,
 * built as libos-v1.so, v2, v3 with -DOS_VERSION=N. It exports only its
 * operations table (PG_OS_ENTRY); the runtime reaches it through nothing
 * else. Its state (open handles and their call counts) leaves and enters
 * through a versioned state block, so an update keeps the application's
 * open objects. Fault builds: -DOS_NO_ENTRY (the entry symbol missing),
 * -DOS_ABI_OVERRIDE=N (an ABI the runtime must refuse). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "services/paging/paging.h"

#ifndef OS_VERSION
#error "build with -DOS_VERSION=N"
#endif
#ifdef OS_ABI_OVERRIDE
#define ABI OS_ABI_OVERRIDE
#else
#define ABI OS_ABI
#endif
/* v1 writes state format 1; later versions add per-handle bytes. */
#define STATE_FORMAT (OS_VERSION >= 2 ? 2 : 1)
#define HANDLE_CORE 32

struct handle {
	bool open;
	char name[16];
	atomic_llong calls;
	atomic_llong bytes;	/* format 2 only */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle handles[OS_MAX_HANDLES];
static int nhandles;
static atomic_llong total;
static struct os_env env;

static int
os_init(const struct os_env *e)
{
	env = *e;
	return 0;
}

static void
os_fini(void)
{
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static int
os_state_export(uint8_t *buf, size_t cap, size_t *ret_len)
{
	size_t per = HANDLE_CORE + (STATE_FORMAT >= 2 ? 8 : 0);
	size_t need = 12 + 12 + (size_t)nhandles * per;

	if (need > cap)
		return -ENOSPC;
	put32(buf, OS_STATE_MAGIC);
	put32(buf + 4, STATE_FORMAT);
	put32(buf + 8, (uint32_t)need);
	put64(buf + 12, (uint64_t)atomic_load(&total));
	put32(buf + 20, (uint32_t)nhandles);
	uint8_t *p = buf + 24;
	for (int i = 0; i < nhandles; i++) {
		put32(p, (uint32_t)i);
		put32(p + 4, handles[i].open);
		put64(p + 8, (uint64_t)atomic_load(&handles[i].calls));
		memcpy(p + 16, handles[i].name, 16);
		if (STATE_FORMAT >= 2)
			put64(p + HANDLE_CORE,
			      (uint64_t)atomic_load(&handles[i].bytes));
		p += per;
	}
	*ret_len = need;
	return 0;
}

/* BUF comes from another OS version: check every length before use. */
static int
os_state_import(const uint8_t *buf, size_t len)
{
	uint32_t magic, format, size, n;
	uint64_t t, c, b;
	size_t per;

	if (len < 24)
		return -EINVAL;
	memcpy(&magic, buf, 4);
	memcpy(&format, buf + 4, 4);
	memcpy(&size, buf + 8, 4);
	memcpy(&t, buf + 12, 8);
	memcpy(&n, buf + 20, 4);
	if (magic != OS_STATE_MAGIC || format < 1 || format > 2 ||
	    size != len || n > OS_MAX_HANDLES)
		return -EINVAL;
	per = HANDLE_CORE + (format >= 2 ? 8 : 0);
	if (24 + (size_t)n * per != len)
		return -EINVAL;
	const uint8_t *p = buf + 24;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id, open;
		memcpy(&id, p, 4);
		memcpy(&open, p + 4, 4);
		memcpy(&c, p + 8, 8);
		if (id != i || open > 1 || memchr(p + 16, 0, 16) == NULL)
			return -EINVAL;
		handles[i].open = open;
		memcpy(handles[i].name, p + 16, 16);
		atomic_store(&handles[i].calls, (long long)c);
		b = 0;
		if (format >= 2)
			memcpy(&b, p + HANDLE_CORE, 8);
		atomic_store(&handles[i].bytes, (long long)b);
		p += per;
	}
	nhandles = (int)n;
	atomic_store(&total, (long long)t);
	return 0;
}

static int
os_open(const char *name)
{
	int h;

	pthread_mutex_lock(&lock);
	if (nhandles == OS_MAX_HANDLES) {
		pthread_mutex_unlock(&lock);
		return -EMFILE;
	}
	h = nhandles++;
	handles[h].open = true;
	strncpy(handles[h].name, name, sizeof(handles[h].name) - 1);
	pthread_mutex_unlock(&lock);
	return h;
}

/* A system call: reads its catalog page from the shared pool (paged in
 * on first touch) and checks the page belongs to this OS. */
static int
os_call(int h, uint32_t arg)
{
	const uint8_t *pg;
	uint32_t magic, ver, idx, i;

	if (h < 0 || h >= nhandles || !handles[h].open)
		return -EBADF;
	if (env.catalog_pages > 0) {
		i = arg % env.catalog_pages;
		pg = env.catalog(env.rt, i);
		if (pg == NULL)
			return -EIO;
		memcpy(&magic, pg, 4);
		memcpy(&ver, pg + 4, 4);
		memcpy(&idx, pg + 8, 4);
		if (magic != 0x50544143 || ver != OS_VERSION || idx != i)
			return -EIO;
	}
	atomic_fetch_add(&handles[h].calls, 1);
	atomic_fetch_add(&handles[h].bytes, (long long)(arg & 0xff));
	atomic_fetch_add(&total, 1);
	return OS_VERSION;
}

static long long
os_handle_calls(int h)
{
	if (h < 0 || h >= nhandles)
		return -EBADF;
	return atomic_load(&handles[h].calls);
}

#ifdef OS_NO_ENTRY
#define ENTRY_NAME lpar_os_entry_missing
#else
#define ENTRY_NAME lpar_os_entry
#endif

__attribute__((visibility("default"))) extern const struct os_ops ENTRY_NAME;
const struct os_ops ENTRY_NAME = {
	.abi = ABI,
	.version = OS_VERSION,
	.init = os_init,
	.state_export = os_state_export,
	.state_import = os_state_import,
	.open = os_open,
	.call = os_call,
	.handle_calls = os_handle_calls,
	.fini = os_fini,
};
