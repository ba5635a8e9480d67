/* services/paging/lpar-rt.c - the LPAR runtime: an application whose
 * worker threads reach their "OS" only through its operations table, and
 * the in-partition half of a live update.
 *
 *   lpar-rt --name L --dir DIR --pager SOCK --image NAME [--workers N]
 *           [--period-us U] [--touch K] [--restore FILE] [--no-uffd]
 *           [--fault miss-quiesce|stale-ptr]
 *
 * Images live in the shared pool: one memfd per image ("a partition of
 * the pool"). The ELF part is paged in through the VIOS pager, its pages'
 * checksums verified, and linked by dlopen() of the memfd
 * (/proc/self/fd/N): the dynamic loader is our relocator, the memfd the
 * pool memory it maps. The catalog pages behind the ELF part are mapped
 * from the same memfd and paged in only when a call touches them:
 * through userfaultfd (MISSING on shmem) when the kernel lets us, else by
 * an explicit page request on first access.
 *
 * Update (control socket DIR/L.ctl, one line "update NAME TIMEOUT_MS
 * [early]"):
 * quiesce (every worker parks at its safe point, between two calls, or
 * the update aborts) -> page in -> verify (checksums, ELF, entry symbol,
 * ABI and version) -> link -> state transfer -> one atomic pointer swap
 * -> resume -> release the old image once no worker references it. Any
 * failure before the swap unloads the new image and resumes on the old. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "services/paging/paging.h"

enum { MAX_WORKERS = 32, MAX_GEN = 4096, MAX_SEEN = 16, LINE_MAX_ = 256 };

struct image {
	char name[PG_NAME_MAX];
	struct pg_info info;
	int memfd;
	void *dl;
	const struct os_ops *ops;
	uint8_t *catalog;		/* catalog pages, mapped from memfd */
	uint32_t ncat;
	_Atomic uint8_t *present;	/* fallback: page i paged in */
	pthread_mutex_t fetch_lock;	/* one pager request at a time */
	int pager_fd;
	int uffd;
	int stop_pipe[2];
	pthread_t uffd_thread;
	bool uffd_running;
	atomic_int refs;		/* workers inside a call */
	atomic_uint faults;		/* catalog pages paged in */
	struct os_env env;
};

struct worker {
	int id;
	pthread_t thread;
	int handle;
	/* Written by the worker, read by status: relaxed atomics. */
	atomic_llong calls, failed, violations;
	int seen[MAX_SEEN];		/* OS versions in order of first use;
					 * exact once the worker is joined */
	atomic_int nseen;
	long long base_calls;		/* restored from a restart */
};

static const char *lpar_name = "lpar";
static const char *pager_path;
static int nworkers = 8;
static long period_us = 200;
static uint32_t touch = 4;
static bool use_uffd = true;
static bool fault_miss, fault_stale;

static struct worker workers[MAX_WORKERS];
static _Atomic(struct image *) cur_img;
static atomic_uint gen;
static int gen_version[MAX_GEN];
static atomic_int stop_flag;
static atomic_int quiesce_req;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_parked = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_resume = PTHREAD_COND_INITIALIZER;
static int parked;
static int (*stale_call)(int, uint32_t);
static atomic_int stale_armed;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- catalog paging ------------------------------------------------- */

static struct lpd_error *
fetch_page(struct image *img, uint32_t page, uint8_t *buf)
{
	struct lpd_error *err;

	pthread_mutex_lock(&img->fetch_lock);
	err = pg_request(img->pager_fd, PG_OP_PAGE, img->name, page, buf,
			 NULL);
	pthread_mutex_unlock(&img->fetch_lock);
	return err;
}

/* The fallback: the first access asks the pager explicitly. */
static const uint8_t *
catalog_explicit(void *rt, uint32_t i)
{
	struct image *img = rt;
	uint8_t buf[PG_PAGE];
	struct lpd_error *err;

	if (i >= img->ncat)
		return NULL;
	if (atomic_load_explicit(&img->present[i], memory_order_acquire))
		return img->catalog + (size_t)i * PG_PAGE;
	pthread_mutex_lock(&img->fetch_lock);
	if (!atomic_load(&img->present[i])) {
		err = pg_request(img->pager_fd, PG_OP_PAGE, img->name,
				 img->info.so_pages + i, buf, NULL);
		if (err != NULL) {
			fprintf(stderr, "lpar-rt: %s\n", err->message);
			lpd_error_destroy(err);
			pthread_mutex_unlock(&img->fetch_lock);
			return NULL;
		}
		memcpy(img->catalog + (size_t)i * PG_PAGE, buf, PG_PAGE);
		atomic_fetch_add(&img->faults, 1);
		atomic_store_explicit(&img->present[i], 1,
				      memory_order_release);
	}
	pthread_mutex_unlock(&img->fetch_lock);
	return img->catalog + (size_t)i * PG_PAGE;
}

/* With userfaultfd the OS just touches the page; the fault handler
 * below pages it in. */
static const uint8_t *
catalog_uffd(void *rt, uint32_t i)
{
	struct image *img = rt;

	return i < img->ncat ? img->catalog + (size_t)i * PG_PAGE : NULL;
}

static void *
uffd_loop(void *arg)
{
	struct image *img = arg;
	static __thread uint8_t buf[PG_PAGE] __attribute__((aligned(4096)));
	struct pollfd pf[2] = { { img->uffd, POLLIN, 0 },
				{ img->stop_pipe[0], POLLIN, 0 } };
	struct uffd_msg msg;

	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if (read(img->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		uint64_t addr = msg.arg.pagefault.address & ~(uint64_t)(PG_PAGE - 1);
		uint64_t base = (uint64_t)(uintptr_t)img->catalog;
		uint32_t i = (uint32_t)((addr - base) / PG_PAGE);
		struct lpd_error *err = fetch_page(img, img->info.so_pages + i,
						   buf);
		if (err != NULL) {
			/* A page we cannot trust is served as zeros: the OS
			 * sees no catalog magic and fails the call. */
			fprintf(stderr, "lpar-rt: %s\n", err->message);
			lpd_error_destroy(err);
			memset(buf, 0, sizeof(buf));
		}
		struct uffdio_copy cp = { .dst = addr, .src = (uintptr_t)buf,
					  .len = PG_PAGE, .mode = 0 };
		if (ioctl(img->uffd, UFFDIO_COPY, &cp) != 0 && errno != EEXIST)
			fprintf(stderr, "lpar-rt: UFFDIO_COPY: %s\n",
				strerror(errno));
		else
			atomic_fetch_add(&img->faults, 1);
	}
	return NULL;
}

static struct lpd_error *
uffd_start(struct image *img)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_MISSING_SHMEM };
	struct uffdio_register reg;
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return lpd_error_os(errno, "userfaultfd");
	if (ioctl(fd, UFFDIO_API, &api) != 0) {
		close(fd);
		return lpd_error_os(errno, "UFFDIO_API");
	}
	reg.range.start = (uintptr_t)img->catalog;
	reg.range.len = (uint64_t)img->ncat * PG_PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0 || pipe2(img->stop_pipe,
							    O_CLOEXEC) != 0) {
		close(fd);
		return lpd_error_os(errno, "UFFDIO_REGISTER");
	}
	img->uffd = fd;
	if (pthread_create(&img->uffd_thread, NULL, uffd_loop, img) != 0) {
		close(fd);
		img->uffd = -1;
		return lpd_error_os(EAGAIN, "pthread_create");
	}
	img->uffd_running = true;
	return NULL;
}

/* ---- loading and releasing images ---------------------------------- */

static void
image_destroy(struct image *img)
{
	if (img == NULL)
		return;
	if (img->uffd_running) {
		(void)!write(img->stop_pipe[1], "x", 1);
		pthread_join(img->uffd_thread, NULL);
		close(img->stop_pipe[0]);
		close(img->stop_pipe[1]);
	}
	if (img->uffd >= 0)
		close(img->uffd);
	if (img->ops != NULL && img->ops->fini != NULL)
		img->ops->fini();
	if (img->dl != NULL)
		dlclose(img->dl);
	if (img->catalog != NULL)
		munmap(img->catalog, (size_t)img->ncat * PG_PAGE);
	if (img->memfd >= 0)
		close(img->memfd);
	if (img->pager_fd >= 0)
		close(img->pager_fd);
	pthread_mutex_destroy(&img->fetch_lock);
	free((void *)img->present);
	free(img);
}

/* Page in the ELF part of NAME into a new pool partition (a memfd sized
 * for the whole image), each page's checksum checked on arrival. The
 * catalog pages stay holes until a call touches them. */
static struct lpd_error *
image_page_in(const char *name, struct image **ret)
{
	uint8_t body[PG_MAX_BODY];
	struct image *img;
	struct lpd_error *err;

	img = calloc(1, sizeof(*img));
	if (img == NULL)
		return &lpd_enomem;
	img->memfd = img->pager_fd = img->uffd = -1;
	pthread_mutex_init(&img->fetch_lock, NULL);
	snprintf(img->name, sizeof(img->name), "%s", name);
	if ((err = pg_connect(pager_path, &img->pager_fd)) != NULL ||
	    (err = pg_request(img->pager_fd, PG_OP_INFO, name, 0, body,
			      NULL)) != NULL ||
	    (err = pg_info_parse(body, PG_INFO_SIZE, &img->info)) != NULL)
		goto fail;
	img->memfd = memfd_create(name, MFD_CLOEXEC);
	if (img->memfd < 0 ||
	    ftruncate(img->memfd, (off_t)img->info.npages * PG_PAGE) != 0) {
		err = lpd_error_os(errno, "memfd");
		goto fail;
	}
	for (uint32_t p = 0; p < img->info.so_pages; p++) {
		if ((err = fetch_page(img, p, body)) != NULL)
			goto fail;
		if (pwrite(img->memfd, body, PG_PAGE, (off_t)p * PG_PAGE) !=
		    PG_PAGE) {
			err = lpd_error_os(errno, "memfd");
			goto fail;
		}
	}
	*ret = img;
	return NULL;
fail:
	image_destroy(img);
	return err;
}

/* Link: dlopen the partition, find and check the entry, map the
 * catalog. The ELF part's size is trimmed so the loader sees only it. */
static struct lpd_error *
image_link(struct image *img, int running_version)
{
	char path[64];
	struct lpd_error *err;
	uint8_t magic[4];

	if (pread(img->memfd, magic, 4, 0) != 4 ||
	    memcmp(magic, "\177ELF", 4) != 0)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "image '%s' is not "
					"an ELF object", img->name);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", img->memfd);
	img->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (img->dl == NULL)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "image '%s': %s",
					img->name, dlerror());
	img->ops = dlsym(img->dl, PG_OS_ENTRY);
	if (img->ops == NULL)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "image '%s': "
					"missing symbol %s", img->name,
					PG_OS_ENTRY);
	if (img->ops->abi != OS_ABI)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "image '%s': OS "
					"ABI %u, the runtime needs %u",
					img->name, img->ops->abi, OS_ABI);
	if (img->ops->version != img->info.os_version)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "image '%s': header "
					"says v%u, the object is v%u",
					img->name, img->info.os_version,
					img->ops->version);
	if ((int)img->ops->version == running_version)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "image '%s': v%u "
					"is already running", img->name,
					img->ops->version);
	img->ncat = img->info.npages - img->info.so_pages;
	if (img->ncat > 0) {
		img->catalog = mmap(NULL, (size_t)img->ncat * PG_PAGE,
				    PROT_READ | PROT_WRITE, MAP_SHARED,
				    img->memfd,
				    (off_t)img->info.so_pages * PG_PAGE);
		if (img->catalog == MAP_FAILED) {
			img->catalog = NULL;
			return lpd_error_os(errno, "mmap");
		}
		/* Not in system dumps: the device holds these pages, and a
		 * dumper reading a missing one would fault into the
		 * userfaultfd handler it has itself stopped (a deadlock). */
		madvise(img->catalog, (size_t)img->ncat * PG_PAGE,
			MADV_DONTDUMP);
		img->present = calloc(img->ncat, 1);
		if (img->present == NULL)
			return &lpd_enomem;
	}
	img->env.rt = img;
	img->env.catalog_pages = img->ncat;
	img->env.catalog = catalog_explicit;
	if (use_uffd && img->ncat > 0) {
		err = uffd_start(img);
		if (err == NULL) {
			img->env.catalog = catalog_uffd;
		} else {
			fprintf(stderr, "lpar-rt: %s; paging by request\n",
				err->message);
			lpd_error_destroy(err);
		}
	}
	if (img->ops->init(&img->env) != 0)
		return lpd_error_format(LPD_ERR_BAD_INPUT, "image '%s': init "
					"failed", img->name);
	return NULL;
}

/* ---- workers and the quiesce protocol ------------------------------- */

static void
park(void)
{
	pthread_mutex_lock(&q_lock);
	parked++;
	pthread_cond_signal(&q_parked);
	while (atomic_load(&quiesce_req) && !atomic_load(&stop_flag))
		pthread_cond_wait(&q_resume, &q_lock);
	parked--;
	pthread_mutex_unlock(&q_lock);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint32_t a = (uint32_t)w->id;
	struct timespec ts = { 0, period_us * 1000 };

	while (!atomic_load(&stop_flag)) {
		/* The safe point: between two calls, holding nothing of
		 * the OS. */
		if (atomic_load(&quiesce_req)) {
			if (fault_miss && w->id == 0) {
				/* Stuck in a long operation past the
				 * manager's deadline. */
				struct timespec s = { 1, 0 };
				nanosleep(&s, NULL);
			} else {
				park();
			}
		}
		if (atomic_load(&stale_armed) && w->id == 0) {
			fprintf(stderr, "lpar-rt: fault: calling the released "
				"image through a stale pointer\n");
			stale_call(w->handle, a);
		}
		struct image *img = atomic_load(&cur_img);
		unsigned g = atomic_load(&gen);
		atomic_fetch_add(&img->refs, 1);
		int v = img->ops->call(w->handle, a % touch);
		atomic_fetch_sub(&img->refs, 1);
		a++;
		if (v < 0) {
			atomic_fetch_add_explicit(&w->failed, 1,
						  memory_order_relaxed);
		} else {
			int ns = atomic_load(&w->nseen);
			atomic_fetch_add_explicit(&w->calls, 1,
						  memory_order_relaxed);
			/* Served by the OS of the generation in force. */
			if (v != gen_version[g % MAX_GEN])
				atomic_fetch_add(&w->violations, 1);
			if ((ns == 0 || w->seen[ns - 1] != v) &&
			    ns < MAX_SEEN) {
				w->seen[ns] = v;
				atomic_store(&w->nseen, ns + 1);
			}
		}
		if (period_us > 0)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Ask every worker to park; false (and the workers released) if one has
 * not parked within TIMEOUT_MS. *RET_PARKED: how many had. */
static bool
quiesce(long timeout_ms, int *ret_parked)
{
	struct timespec dl;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q_lock);
	atomic_store(&quiesce_req, 1);
	while (parked < nworkers)
		if (pthread_cond_timedwait(&q_parked, &q_lock, &dl) ==
		    ETIMEDOUT && parked < nworkers) {
			ok = false;
			break;
		}
	*ret_parked = parked;
	pthread_mutex_unlock(&q_lock);
	return ok;
}

static void
resume(void)
{
	pthread_mutex_lock(&q_lock);
	atomic_store(&quiesce_req, 0);
	pthread_cond_broadcast(&q_resume);
	pthread_mutex_unlock(&q_lock);
}

/* ---- the update ------------------------------------------------------- */

static void
json_abort(char *out, size_t cap, const char *phase, const char *reason,
	   int version)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_json j;

	lpd_json_init(&j, &b);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "ok");
	lpd_json_bool(&j, false);
	lpd_json_key(&j, "lpar");
	lpd_json_string(&j, lpar_name);
	lpd_json_key(&j, "phase");
	lpd_json_string(&j, phase);
	lpd_json_key(&j, "reason");
	lpd_json_string(&j, reason);
	lpd_json_key(&j, "os_version");
	lpd_json_int(&j, version);
	lpd_json_object_end(&j);
	lpd_error_destroy(lpd_json_finish(&j));
	snprintf(out, cap, "%s", b.data ? b.data : "{}");
	lpd_buf_deinit(&b);
}

/* EARLY: page in, verify and link before the quiesce, while the LPAR
 * still runs on the old OS, so the blackout holds only the state
 * transfer and the switch; a quiesce timeout then unloads the prepared
 * image. Otherwise the phases run in the order, all quiesced. */
static void
do_update(const char *name, long timeout_ms, bool early, char *out,
	  size_t cap)
{
	struct image *old = atomic_load(&cur_img), *img = NULL;
	uint8_t *state = NULL;
	size_t slen = 0;
	struct lpd_error *err = NULL;
	const char *phase = "quiesce";
	char reason[512];
	int np;
	long long t0 = now_ns(), t_q, t_pg = 0, t_link = 0, t_sw, t_res, t_rel;

	if (!pg_name_ok(name, strlen(name))) {
		json_abort(out, cap, "request", "bad image name",
			   (int)old->ops->version);
		return;
	}
	long long tb = t0;
	if (early) {
		phase = "page-in";
		if ((err = image_page_in(name, &img)) != NULL)
			goto abort_running;
		t_pg = now_ns();
		phase = "verify";
		if ((err = image_link(img, (int)old->ops->version)) != NULL)
			goto abort_running;
		t_link = now_ns();
		tb = now_ns();
	}
	if (!quiesce(timeout_ms, &np)) {
		resume();
		image_destroy(img);
		snprintf(reason, sizeof(reason), "quiesce timeout: %d of %d "
			 "workers parked within %ld ms", np, nworkers,
			 timeout_ms);
		fprintf(stderr, "lpar-rt: update to %s aborted: %s\n", name,
			reason);
		json_abort(out, cap, "quiesce", reason, (int)old->ops->version);
		return;
	}
	t_q = now_ns();
	if (!early) {
		phase = "page-in";
		if ((err = image_page_in(name, &img)) != NULL)
			goto abort;
		t_pg = now_ns();
		phase = "verify";
		if ((err = image_link(img, (int)old->ops->version)) != NULL)
			goto abort;
		t_link = now_ns();
	}
	phase = "state-transfer";
	state = malloc(OS_STATE_MAX);
	if (state == NULL) {
		err = &lpd_enomem;
		goto abort;
	}
	int rc = old->ops->state_export(state, OS_STATE_MAX, &slen);
	if (rc == 0)
		rc = img->ops->state_import(state, slen);
	if (rc != 0) {
		err = lpd_error_format(LPD_ERR_BAD_INPUT, "state transfer "
				       "v%u -> v%u: %s", old->ops->version,
				       img->ops->version, strerror(-rc));
		goto abort;
	}
	/* The switch: one pointer. gen_version first, so a worker that sees
	 * the new generation finds its version. */
	unsigned g = atomic_load(&gen) + 1;
	gen_version[g % MAX_GEN] = (int)img->ops->version;
	atomic_store(&cur_img, img);
	atomic_store(&gen, g);
	t_sw = now_ns();
	resume();
	t_res = now_ns();
	/* Release: the quiesce left no worker inside the old OS; wait for
	 * the count to say so rather than trust it. */
	for (int i = 0; atomic_load(&old->refs) > 0 && i < 10000; i++)
		usleep(100);
	if (fault_stale)
		stale_call = old->ops->call;
	image_destroy(old);
	if (fault_stale)
		atomic_store(&stale_armed, 1);
	t_rel = now_ns();
	free(state);
	fprintf(stderr, "lpar-rt: updated to %s (v%u): blackout %lld us, "
		"total %lld us\n", name, img->ops->version,
		(t_res - tb) / 1000, (t_rel - t0) / 1000);
	snprintf(out, cap, "{\"ok\":true,\"lpar\":\"%s\",\"image\":\"%s\","
		 "\"os_version\":%u,\"gen\":%u,\"state_bytes\":%zu,"
		 "\"quiesce_us\":%lld,\"page_in_us\":%lld,\"link_us\":%lld,"
		 "\"switch_us\":%lld,\"blackout_us\":%lld,\"total_us\":%lld,"
		 "\"so_pages\":%u,\"npages\":%u,\"early\":%s}",
		 lpar_name, name, img->ops->version, g, slen,
		 (t_q - tb) / 1000,
		 (t_pg - (early ? t0 : t_q)) / 1000, (t_link - t_pg) / 1000,
		 (t_sw - (early ? t_q : t_link)) / 1000, (t_res - tb) / 1000,
		 (t_rel - t0) / 1000, img->info.so_pages, img->info.npages,
		 early ? "true" : "false");
	return;
abort:
	resume();
abort_running:
	image_destroy(img);
	free(state);
	snprintf(reason, sizeof(reason), "%s", err->message);
	lpd_error_destroy(err);
	fprintf(stderr, "lpar-rt: update to %s aborted in %s: %s\n", name,
		phase, reason);
	json_abort(out, cap, phase, reason, (int)old->ops->version);
}

/* ---- status, stop, restore ----------------------------------------- */

static void
status_json(struct lpd_buf *b)
{
	struct image *img = atomic_load(&cur_img);
	struct lpd_json j;

	lpd_json_init(&j, b);
	lpd_json_object_begin(&j);
	lpd_json_key(&j, "ok");
	lpd_json_bool(&j, true);
	lpd_json_key(&j, "lpar");
	lpd_json_string(&j, lpar_name);
	lpd_json_key(&j, "pid");
	lpd_json_int(&j, getpid());
	lpd_json_key(&j, "image");
	lpd_json_string(&j, img->name);
	lpd_json_key(&j, "os_version");
	lpd_json_uint(&j, img->ops->version);
	lpd_json_key(&j, "gen");
	lpd_json_uint(&j, atomic_load(&gen));
	lpd_json_key(&j, "uffd");
	lpd_json_bool(&j, img->uffd_running);
	lpd_json_key(&j, "catalog_paged");
	lpd_json_uint(&j, atomic_load(&img->faults));
	lpd_json_key(&j, "workers");
	lpd_json_array_begin(&j);
	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		lpd_json_object_begin(&j);
		lpd_json_key(&j, "id");
		lpd_json_int(&j, i);
		lpd_json_key(&j, "handle");
		lpd_json_int(&j, w->handle);
		lpd_json_key(&j, "calls");
		lpd_json_int(&j, w->base_calls + atomic_load(&w->calls));
		lpd_json_key(&j, "failed");
		lpd_json_int(&j, atomic_load(&w->failed));
		lpd_json_key(&j, "violations");
		lpd_json_int(&j, atomic_load(&w->violations));
		lpd_json_key(&j, "os_calls");
		lpd_json_int(&j, img->ops->handle_calls(w->handle));
		lpd_json_key(&j, "versions");
		lpd_json_array_begin(&j);
		for (int k = 0, ns = atomic_load(&w->nseen); k < ns; k++)
			lpd_json_int(&j, w->seen[k]);
		lpd_json_array_end(&j);
		lpd_json_object_end(&j);
	}
	lpd_json_array_end(&j);
	lpd_json_object_end(&j);
	lpd_error_destroy(lpd_json_finish(&j));
}

/* Restart state: u32 nworkers, u64 calls each, then the OS state. */
static int
save_state(const char *path)
{
	struct image *img = atomic_load(&cur_img);
	uint8_t *buf = malloc(OS_STATE_MAX);
	size_t n;
	FILE *f;
	uint32_t nw = (uint32_t)nworkers;

	if (buf == NULL || img->ops->state_export(buf, OS_STATE_MAX, &n) != 0 ||
	    (f = fopen(path, "w")) == NULL) {
		free(buf);
		return -1;
	}
	fwrite(&nw, 4, 1, f);
	for (int i = 0; i < nworkers; i++) {
		long long c = workers[i].base_calls +
			      atomic_load(&workers[i].calls);
		fwrite(&c, 8, 1, f);
	}
	fwrite(buf, 1, n, f);
	free(buf);
	return fclose(f) == 0 ? 0 : -1;
}

static struct lpd_error *
restore_state(const char *path, struct image *img)
{
	uint8_t *buf = malloc(OS_STATE_MAX + 4 + 8 * MAX_WORKERS);
	FILE *f = fopen(path, "r");
	size_t n;
	uint32_t nw;

	if (buf == NULL || f == NULL) {
		free(buf);
		if (f != NULL)
			fclose(f);
		return lpd_error_os(errno, path);
	}
	n = fread(buf, 1, OS_STATE_MAX + 4 + 8 * MAX_WORKERS, f);
	fclose(f);
	if (n < 4 || (memcpy(&nw, buf, 4), nw != (uint32_t)nworkers) ||
	    n < 4 + 8 * (size_t)nw ||
	    img->ops->state_import(buf + 4 + 8 * nw, n - 4 - 8 * nw) != 0) {
		free(buf);
		return lpd_error_input(path, 0, "bad restart state");
	}
	for (int i = 0; i < nworkers; i++) {
		memcpy(&workers[i].base_calls, buf + 4 + 8 * i, 8);
		workers[i].handle = i;
	}
	free(buf);
	return NULL;
}

static void
stop_workers(void)
{
	atomic_store(&stop_flag, 1);
	resume();
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
}

/* One control connection: one line in, one JSON line out. */
static bool
serve_ctl(int fd)
{
	char line[LINE_MAX_ + 1], name[PG_NAME_MAX + 1], out[2048];
	size_t n = 0;
	long tmo;
	bool quit = false;

	while (n < LINE_MAX_) {
		ssize_t k = read(fd, line + n, 1);
		if (k <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (sscanf(line, "update %32s %ld", name, &tmo) == 2 &&
	    tmo > 0 && tmo <= 60000) {
		size_t len = strlen(line);
		bool early = len > 6 && strcmp(line + len - 6, " early") == 0;
		do_update(name, tmo, early, out, sizeof(out));
		dprintf(fd, "%s\n", out);
	} else if (strcmp(line, "status") == 0 ||
		   strncmp(line, "stop", 4) == 0) {
		struct lpd_buf b = LPD_BUF_INIT;
		if (line[0] == 's' && line[1] == 't' && line[2] == 'o') {
			long long t = now_ns();
			stop_workers();
			if (line[4] == ' ' && save_state(line + 5) != 0)
				fprintf(stderr, "lpar-rt: cannot save state\n");
			fprintf(stderr, "lpar-rt: stopped in %lld us\n",
				(now_ns() - t) / 1000);
			quit = true;
		}
		status_json(&b);
		dprintf(fd, "%s\n", b.data ? b.data : "{}");
		lpd_buf_deinit(&b);
	} else {
		dprintf(fd, "{\"ok\":false,\"reason\":\"bad request\"}\n");
	}
	return quit;
}

static int
usage(void)
{
	fprintf(stderr, "usage: lpar-rt --name L --dir DIR --pager SOCK "
		"--image NAME [--workers N] [--period-us U] [--touch K]\n"
		"       [--restore FILE] [--no-uffd] "
		"[--fault miss-quiesce|stale-ptr]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *dir = NULL, *image = NULL, *restore = NULL;
	struct lpd_error *err;
	struct image *img;
	char path[256];
	int ls;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--no-uffd") == 0) {
			use_uffd = false;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(a, "--name") == 0 && pg_name_ok(v, strlen(v)))
			lpar_name = v;
		else if (strcmp(a, "--dir") == 0)
			dir = v;
		else if (strcmp(a, "--pager") == 0)
			pager_path = v;
		else if (strcmp(a, "--image") == 0)
			image = v;
		else if (strcmp(a, "--workers") == 0)
			nworkers = atoi(v);
		else if (strcmp(a, "--period-us") == 0)
			period_us = atol(v);
		else if (strcmp(a, "--touch") == 0)
			touch = (uint32_t)atoi(v);
		else if (strcmp(a, "--restore") == 0)
			restore = v;
		else if (strcmp(a, "--fault") == 0 &&
			 strcmp(v, "miss-quiesce") == 0)
			fault_miss = true;
		else if (strcmp(a, "--fault") == 0 &&
			 strcmp(v, "stale-ptr") == 0)
			fault_stale = true;
		else
			return usage();
	}
	if (dir == NULL || pager_path == NULL || image == NULL ||
	    nworkers < 1 || nworkers > MAX_WORKERS || touch < 1 ||
	    period_us < 0 || period_us > 1000000)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	long long t0 = now_ns();
	if ((err = image_page_in(image, &img)) != NULL ||
	    (err = image_link(img, -1)) != NULL) {
		fprintf(stderr, "lpar-rt: boot: %s\n", err->message);
		return 1;
	}
	gen_version[0] = (int)img->ops->version;
	atomic_store(&cur_img, img);
	if (restore != NULL) {
		if ((err = restore_state(restore, img)) != NULL) {
			fprintf(stderr, "lpar-rt: %s\n", err->message);
			return 1;
		}
	} else {
		for (int i = 0; i < nworkers; i++) {
			char hn[16];
			snprintf(hn, sizeof(hn), "w%d", i);
			workers[i].handle = img->ops->open(hn);
		}
	}
	snprintf(path, sizeof(path), "%s/%s.ctl", dir, lpar_name);
	if ((err = pg_listen(path, &ls)) != NULL) {
		fprintf(stderr, "lpar-rt: %s\n", err->message);
		return 1;
	}
	for (int i = 0; i < nworkers; i++) {
		workers[i].id = i;
		pthread_create(&workers[i].thread, NULL, worker_main,
			       &workers[i]);
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	fprintf(stderr, "lpar-rt: %s ready on %s (v%u, %d workers, uffd %s) "
		"boot %lld us at %lld\n", lpar_name, image, img->ops->version,
		nworkers, img->uffd_running ? "on" : "off",
		(now_ns() - t0) / 1000,
		(long long)rt.tv_sec * 1000000000LL + rt.tv_nsec);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		bool quit = serve_ctl(fd);
		close(fd);
		if (quit)
			break;
	}
	close(ls);
	unlink(path);
	image_destroy(atomic_load(&cur_img));
	return 0;
}
