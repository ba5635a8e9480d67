/* bench/data/parker.c - a live target for "lpardbg dump" tests and the
 * bench: THREADS workers parked in a futex wait, HEAP_MIB of touched,
 * non-zero heap, and a main thread that answers each byte read on stdin
 * with "count N sum S" on stdout, so a test can check that the process
 * still runs and its memory is intact after a dump.
 *   parker [THREADS [HEAP_MIB]]
 * Prints "ready PID" once every worker sits in futex(2). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static unsigned char *heap;
static size_t heap_size;

__attribute__((noinline)) static void *
park(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

/* True when every thread but the caller is inside futex(2) (202). */
static int
all_parked(int want)
{
	char path[300], buf[64];
	struct dirent *de;
	int n = 0, self = (int)getpid();
	DIR *dir = opendir("/proc/self/task");
	FILE *f;

	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/syscall",
			 de->d_name);
		f = fopen(path, "r");
		if (f != NULL && fgets(buf, sizeof(buf), f) != NULL &&
		    atoi(buf) == 202)
			n++;
		if (f != NULL)
			fclose(f);
	}
	closedir(dir);
	return n == want;
}

__attribute__((noinline)) static unsigned long
serve(void)
{
	unsigned long count = 0, sum = 0;
	char c;
	size_t i;

	while (read(0, &c, 1) == 1) {
		count++;
		sum = 0;
		for (i = 0; i < heap_size; i += 4096)
			sum += heap[i];
		printf("count %lu sum %lu\n", count, sum);
		fflush(stdout);
	}
	return count;
}

int
main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 2;
	size_t i;
	pthread_t t;
	int k;

	heap_size = (size_t)(argc > 2 ? atol(argv[2]) : 1) << 20;
	heap = malloc(heap_size);
	if (heap == NULL)
		return 1;
	for (i = 0; i < heap_size; i++)
		heap[i] = (unsigned char)(i % 251 + 1);
	for (k = 0; k < nthreads; k++)
		if (pthread_create(&t, NULL, park, NULL) != 0)
			return 1;
	while (!all_parked(nthreads))
		usleep(1000);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	return serve() > 0 ? 0 : 2;
}
