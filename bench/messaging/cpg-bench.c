/* bench/messaging/cpg-bench.c - the peer: Corosync CPG group messaging on
 * one corosync (loopback), MEMBERS processes joined to one group, one of
 * them sending with agreed ordering. Latency: send to delivery at every
 * member; throughput: pipelined sends, all delivered everywhere.
 *   cpg-bench MEMBERS COUNT */
#include <corosync/cpg.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_long *delivered;	/* shared by the members */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
on_deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t node,
	   uint32_t pid, void *msg, size_t len)
{
	(void)h; (void)g; (void)node; (void)pid; (void)msg; (void)len;
	atomic_fetch_add(&delivered[0], 1);
}

static void
on_confchg(cpg_handle_t h, const struct cpg_name *g,
	   const struct cpg_address *m, size_t nm,
	   const struct cpg_address *l, size_t nl,
	   const struct cpg_address *j, size_t nj)
{
	(void)h; (void)g; (void)m; (void)l; (void)nl; (void)j; (void)nj;
	atomic_store(&delivered[1], (long)nm);
}

static cpg_callbacks_t callbacks = {
	.cpg_deliver_fn = on_deliver,
	.cpg_confchg_fn = on_confchg,
};

static cpg_handle_t
join(void)
{
	struct cpg_name group = { .length = 8, .value = "lpdbench" };
	cpg_handle_t h;

	if (cpg_initialize(&h, &callbacks) != CS_OK ||
	    cpg_join(h, &group) != CS_OK) {
		fprintf(stderr, "cpg-bench: cannot join (is corosync up?)\n");
		exit(1);
	}
	return h;
}

static void
send_one(cpg_handle_t h, const char *text)
{
	struct iovec iov = { (void *)text, strlen(text) };

	while (cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1) ==
	       CS_ERR_TRY_AGAIN)
		cpg_dispatch(h, CS_DISPATCH_ALL);
}

int
main(int argc, char **argv)
{
	long members = argc > 1 ? strtol(argv[1], NULL, 10) : 4;
	long count = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	pid_t pids[64];
	double *lat, t0;
	cpg_handle_t h;

	if (members < 1 || members > 64 || count < 1)
		return 2;
	delivered = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (long m = 1; m < members; m++) {
		if ((pids[m] = fork()) == 0) {
			h = join();
			for (;;)
				cpg_dispatch(h, CS_DISPATCH_BLOCKING);
		}
	}
	h = join();
	while (atomic_load(&delivered[1]) < members)
		cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING);
	lat = calloc((size_t)count, sizeof(*lat));
	for (long i = 0; i < count; i++) {
		long want = (i + 1) * members;

		t0 = now_us();
		send_one(h, "latency");
		while (atomic_load(&delivered[0]) < want)
			cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING);
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
	atomic_store(&delivered[0], 0);
	t0 = now_us();
	for (long i = 0; i < count; i++) {
		send_one(h, "tput");
		cpg_dispatch(h, CS_DISPATCH_ALL);
	}
	while (atomic_load(&delivered[0]) < count * members)
		cpg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING);
	printf("cpg p50_us %.1f p99_us %.1f msgs_per_s %.0f deliveries_per_s "
	       "%.0f\n", lat[count / 2], lat[count * 99 / 100],
	       count / ((now_us() - t0) / 1e6),
	       count * members / ((now_us() - t0) / 1e6));
	for (long m = 1; m < members; m++) {
		kill(pids[m], SIGKILL);
		waitpid(pids[m], NULL, 0);
	}
	cpg_finalize(h);
	return 0;
}
