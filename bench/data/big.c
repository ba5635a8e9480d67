/* bench/data/big.c - a large process for bench/bt.sh: about 1 GiB of
 * touched heap and 64 threads blocked in a condition wait (through a
 * couple of frames each). Prints "ready" when every thread waits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 64
#define HEAP_MB 1024

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_cond_t started = PTHREAD_COND_INITIALIZER;
static int nstarted;

__attribute__((noinline)) static void
park(int depth)
{
	if (depth > 0) {
		park(depth - 1);
		__asm__ volatile("" ::: "memory");
		return;
	}
	pthread_mutex_lock(&mu);
	nstarted++;
	pthread_cond_signal(&started);
	for (;;)
		pthread_cond_wait(&never, &mu);
}

static void *
worker(void *arg)
{
	park((int)(long)arg % 8);
	return NULL;
}

int
main(void)
{
	pthread_t t[NTHREADS];
	size_t chunk = 64u << 20;
	char *blocks[HEAP_MB / 64];
	int i;

	for (i = 0; i < HEAP_MB / 64; i++) {
		blocks[i] = malloc(chunk);
		if (!blocks[i])
			return 1;
		memset(blocks[i], 0x5a + i, chunk);
	}
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0)
			return 1;
	pthread_mutex_lock(&mu);
	while (nstarted < NTHREADS)
		pthread_cond_wait(&started, &mu);
	pthread_mutex_unlock(&mu);
	printf("ready %p\n", (void *)blocks[0]);
	fflush(stdout);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}
