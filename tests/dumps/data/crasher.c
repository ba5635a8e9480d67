/* tests/dumps/data/crasher.c - fixture: 4 threads; the main one takes
 * SIGUSR1 and faults inside the handler, so the core has a signal frame. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { NTHREADS = 3 };

static pthread_barrier_t barrier;
static volatile int *volatile fault_ptr =
	(volatile int *)(uintptr_t)0xdead1230;

static void *
worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	for (;;)
		pause();
	return NULL;
}

static void
handler(int sig)
{
	(void)sig;
	*fault_ptr = 42;
}

int
main(void)
{
	pthread_t t[NTHREADS];
	struct sigaction sa = { 0 };
	int i;

	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	pthread_barrier_wait(&barrier);
	printf("pid %d tid %d threads %d fault %p\n", (int)getpid(),
	       (int)syscall(SYS_gettid), NTHREADS + 1, (void *)fault_ptr);
	fflush(stdout);
	raise(SIGUSR1);
	return 0;
}
