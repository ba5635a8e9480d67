/* tests/dumps/test-writer.c - dump_write_process on a live, parked,
 * multi-threaded process (bench/data/parker.c), checked against
 * /proc/PID/task and against gdb's gcore of the same process; the process
 * must run on afterwards. Also: no such process, traced by another tracer,
 * exit during the dump. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <cmocka.h>

#include "tests/dumps/fixture.h"

enum { PARKED = 3, HEAP_MIB = 4 };

struct wt {
	char dir[1024];
	char exe[PATH_MAX];
	int pid;
	FILE *in, *out;		/* the parker's stdin and stdout */
};

static bool
wt_build(struct wt *w)
{
	const char *src = getenv("LPD_SRCDIR");
	const char *tmp = getenv("TMPDIR");

	snprintf(w->dir, sizeof(w->dir), "%s/lpd-dumps-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(w->dir) == NULL)
		return false;
	snprintf(w->exe, sizeof(w->exe), "%s/parker", w->dir);
	return fixture_sh("cc -O2 -g -pthread -o '%s' '%s/bench/data/"
			  "parker.c'", w->exe, src != NULL ? src : ".") == 0;
}

/* Start the parker with THREADS parked and HEAP MiB; wait for "ready". */
static bool
wt_start(struct wt *w, int threads, int heap)
{
	char a1[16], a2[16], line[64];
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) != 0 || pipe(out) != 0)
		return false;
	snprintf(a1, sizeof(a1), "%d", threads);
	snprintf(a2, sizeof(a2), "%d", heap);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(w->exe, w->exe, a1, a2, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->pid = pid;
	w->in = fdopen(in[1], "w");
	w->out = fdopen(out[0], "r");
	if (w->in == NULL || w->out == NULL ||
	    fgets(line, sizeof(line), w->out) == NULL)
		return false;
	return strncmp(line, "ready ", 6) == 0 && atoi(line + 6) == pid;
}

/* Wait until the parker's main thread sits in read(2) (syscall 0): after
 * it prints a line it still runs for a moment, and a dump taken then
 * differs from one taken later in the main thread's registers. */
static void
wt_settle(const struct wt *w)
{
	char path[64], buf[64];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)w->pid);
	for (i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		bool in_read = false;

		if (f != NULL) {
			in_read = fgets(buf, sizeof(buf), f) != NULL &&
				  strncmp(buf, "0 ", 2) == 0;
			fclose(f);
		}
		if (in_read)
			return;
		usleep(10000);
	}
}

static void
wt_stop(struct wt *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		w->pid = 0;
	}
	if (w->in != NULL)
		fclose(w->in);
	if (w->out != NULL)
		fclose(w->out);
	w->in = w->out = NULL;
}

static int
group_setup(void **state)
{
	struct wt *w = calloc(1, sizeof(*w));

	if (w == NULL || !wt_build(w) || !wt_start(w, PARKED, HEAP_MIB)) {
		fprintf(stderr, "cannot build or start bench/data/parker.c "
			"(run from the repository root or set LPD_SRCDIR)\n");
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

static int
group_teardown(void **state)
{
	struct wt *w = *state;

	wt_stop(w);
	if (strstr(w->dir, "lpd-dumps-") != NULL)
		fixture_sh("rm -rf '%s'", w->dir);
	free(w);
	return 0;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sorted tids of /proc/PID/task; returns the count. */
static size_t
task_tids(int pid, int *tids, size_t max)
{
	char path[64];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		if (atoi(de->d_name) > 0 && n < max)
			tids[n++] = atoi(de->d_name);
	closedir(dir);
	qsort(tids, n, sizeof(*tids), cmp_int);
	return n;
}

static struct dump *
wt_open(const char *path)
{
	struct dump *d = NULL;
	struct lpd_error *err = dump_open(path, &d);

	if (err != NULL)
		fail_msg("%s: %s", path, err->message);
	return d;
}

/* The parker answers a byte on stdin with its count and heap checksum. */
static void
wt_ping(struct wt *w, unsigned long want_count)
{
	unsigned long count, sum, want_sum = 0;
	char line[128];
	size_t i;

	for (i = 0; i < ((size_t)HEAP_MIB << 20); i += 4096)
		want_sum += i % 251 + 1;
	assert_int_equal(fputc('x', w->in), 'x');
	assert_int_equal(fflush(w->in), 0);
	assert_non_null(fgets(line, sizeof(line), w->out));
	assert_int_equal(sscanf(line, "count %lu sum %lu", &count, &sum), 2);
	assert_int_equal(count, want_count);
	assert_int_equal(sum, want_sum);
}

static unsigned long pings;

/* The kernel stores the cpu number in each thread's struct rseq when it
 * returns to user space, which a ptrace stop makes it do: those bytes
 * legitimately differ between two dumps. */
static bool
in_rseq(struct dump *d, uint64_t addr)
{
	const struct dump_arch *a = dump_get_arch(d);
	unsigned fs = 0;
	size_t i;

	while (fs < a->nregs && (a->reg_name(fs) == NULL ||
				 strcmp(a->reg_name(fs), "fs.base") != 0))
		fs++;
	for (i = 0; i < dump_thread_count(d); i++) {
		uint64_t tp = dump_thread_regs(d, i)->value[fs];
		uint64_t rseq = tp + (uint64_t)__rseq_offset;

		if (addr >= rseq && addr < rseq + 32)
			return true;
	}
	return false;
}

static void
test_writer__threads_regs_modules_match_gcore(void **state)
{
	struct wt *w = *state;
	struct dump_write_stats st;
	char core[PATH_MAX], gcore[PATH_MAX];
	int tids[64], got[64];
	struct dump *d, *g;
	size_t n, i, k, gi;
	const struct dump_arch *a;
	struct lpd_error *err;

	snprintf(core, sizeof(core), "%s/core.lpd", w->dir);
	wt_settle(w);
	err = dump_write_process(w->pid, core, NULL, &st);
	if (err != NULL)
		fail_msg("%s", err->message);
	assert_int_equal(st.nthreads, PARKED + 1);
	assert_true(st.stopped_ns > 0 && st.stopped_ns <= st.total_ns);
	assert_true(st.memory_bytes >= (uint64_t)HEAP_MIB << 20);
	d = wt_open(core);

	/* Threads: exactly /proc/PID/task, the leader first. */
	n = task_tids(w->pid, tids, 64);
	assert_int_equal(dump_thread_count(d), n);
	assert_int_equal(dump_thread_tid(d, 0), w->pid);
	for (i = 0; i < n; i++)
		got[i] = dump_thread_tid(d, i);
	qsort(got, n, sizeof(*got), cmp_int);
	assert_memory_equal(got, tids, n * sizeof(*got));
	assert_non_null(dump_get_process(d));
	assert_int_equal(dump_get_process(d)->pid, w->pid);
	assert_string_equal(dump_get_process(d)->fname, "parker");

	/* gdb's gcore right after: the threads are parked, so each has the
	 * same pc and sp there. */
	if (fixture_sh("gcore -o '%s/g' %d > /dev/null 2>&1", w->dir,
		       w->pid) != 0) {
		dump_destroy(d);
		skip();
	}
	snprintf(gcore, sizeof(gcore), "%s/g.%d", w->dir, w->pid);
	g = wt_open(gcore);
	a = dump_get_arch(d);
	assert_int_equal(dump_thread_count(g), n);
	for (i = 0; i < n; i++) {
		const struct dump_regs *r = dump_thread_regs(d, i), *rg = NULL;

		for (k = 0; k < n; k++)
			if (dump_thread_tid(g, k) == dump_thread_tid(d, i))
				rg = dump_thread_regs(g, k);
		assert_non_null(rg);
		assert_true(dump_regs_has(r, a->pc_regno));
		assert_int_equal(r->value[a->pc_regno], rg->value[a->pc_regno]);
		assert_int_equal(r->value[a->sp_regno], rg->value[a->sp_regno]);
		assert_int_equal(r->value[a->fp_regno], rg->value[a->fp_regno]);
		assert_non_null(dump_thread_xstate(d, i, &k));
		assert_non_null(dump_thread_fpregs(d, i, &k));
		assert_int_equal(k, 512);
	}

	/* Modules: the same objects at the same places, same build-ids. */
	assert_true(dump_module_count(d) > 3);
	assert_int_equal(dump_module_count(d), dump_module_count(g));
	for (i = 0; i < dump_module_count(d); i++) {
		const struct dump_module *m = dump_module(d, i);
		const struct dump_module *mg = dump_module(g, i);

		assert_string_equal(m->path, mg->path);
		assert_int_equal(m->start, mg->start);
		assert_int_equal(m->bias, mg->bias);
		assert_non_null(m->build_id);
		assert_int_equal(m->build_id_len, mg->build_id_len);
		assert_memory_equal(m->build_id, mg->build_id,
				    m->build_id_len);
	}

	/* Memory: every byte we wrote reads the same from gdb's core. */
	for (i = 0; i < d->nloads; i++) {
		const struct dump_segment *s = &d->loads[i];
		static uint8_t x[65536], y[65536];

		for (gi = 0; gi < s->filesz; gi += sizeof(x)) {
			size_t len = s->filesz - gi < sizeof(x) ?
				     s->filesz - gi : sizeof(x);

			err = dump_read(d, s->vaddr + gi, x, len);
			assert_null(err);
			err = dump_read(g, s->vaddr + gi, y, len);
			if (err != NULL) {	/* gdb left it out */
				lpd_error_destroy(err);
				break;
			}
			for (k = 0; k < len; k++)
				if (x[k] != y[k] &&
				    !in_rseq(d, s->vaddr + gi + k))
					fail_msg("memory at 0x%" PRIx64
						 " differs", s->vaddr + gi + k);
		}
	}
	dump_destroy(g);
	dump_destroy(d);
	unlink(gcore);
	unlink(core);
	wt_ping(w, ++pings);
}

static void
test_writer__process_runs_on(void **state)
{
	struct wt *w = *state;
	char core[PATH_MAX], path[64];
	struct lpd_error *err;
	int k;

	snprintf(core, sizeof(core), "%s/again", w->dir);
	for (k = 0; k < 3; k++) {
		err = dump_write_process(w->pid, core, NULL, NULL);
		if (err != NULL)
			fail_msg("%s", err->message);
		wt_ping(w, ++pings);
	}
	/* Detached from every thread and back in its read(2). */
	snprintf(path, sizeof(path), "/proc/%d/status", w->pid);
	assert_int_equal(fixture_sh("grep -q '^TracerPid:.0$' %s", path), 0);
	assert_int_equal(fixture_sh("grep -q '^State:.S' %s", path), 0);
	/* No temporary left beside the core. */
	assert_int_equal(fixture_sh("ls '%s' | grep -q tmp", w->dir), 1);
	unlink(core);
}

static void
test_writer__all_memory(void **state)
{
	struct wt *w = *state;
	struct dump_write_options o = { .all_memory = true };
	struct dump_write_stats small, all;
	char core[PATH_MAX];
	struct lpd_error *err;
	struct dump *d;
	size_t i, full = 0;

	snprintf(core, sizeof(core), "%s/all", w->dir);
	assert_null(dump_write_process(w->pid, core, NULL, &small));
	err = dump_write_process(w->pid, core, &o, &all);
	if (err != NULL)
		fail_msg("%s", err->message);
	assert_true(all.memory_bytes > small.memory_bytes);
	d = wt_open(core);
	for (i = 0; i < d->nloads; i++)
		full += d->loads[i].filesz == d->loads[i].memsz;
	/* All but guard pages and [vvar] are there whole. */
	assert_true(full + 8 >= d->nloads);
	dump_destroy(d);
	unlink(core);
	wt_ping(w, ++pings);
}

static void
test_writer__no_such_process(void **state)
{
	struct wt *w = *state;
	char core[PATH_MAX], want[64];
	struct lpd_error *err;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(core, sizeof(core), "%s/none", w->dir);
	err = dump_write_process(pid, core, NULL, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, LPD_ERR_NOT_FOUND);
	snprintf(want, sizeof(want), "no process %d", (int)pid);
	assert_string_equal(err->message, want);
	assert_int_equal(lpd_error_exit_status(err), 3);
	lpd_error_destroy(err);
	assert_int_equal(access(core, F_OK), -1);
	assert_int_equal(fixture_sh("ls '%s' | grep -q none", w->dir), 1);
}

static void
test_writer__already_traced(void **state)
{
	struct wt *w = *state;
	char core[PATH_MAX], want[64];
	struct lpd_error *err;
	int sync[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(sync), 0);
	pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(sync[0], &c, 1), 1);
	snprintf(core, sizeof(core), "%s/traced", w->dir);
	err = dump_write_process(pid, core, NULL, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sync[0]);
	close(sync[1]);
	assert_non_null(err);
	snprintf(want, sizeof(want), "traced by process %d", (int)getpid());
	if (strstr(err->message, want) == NULL ||
	    strstr(err->message, "TracerPid") == NULL)
		fail_msg("unclear: %s", err->message);
	lpd_error_destroy(err);
	assert_int_equal(fixture_sh("ls '%s' | grep -q traced", w->dir), 1);
}

static void
kill_on_progress(void *arg, uint64_t done, uint64_t total)
{
	int *pid = arg;

	(void)done;
	(void)total;
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		usleep(100000);
		*pid = 0;
	}
}

/* The writer, as the victim's tracer, may have reaped it already. */
static void
wt_reap(pid_t pid)
{
	int i;

	for (i = 0; i < 100; i++) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return;
		usleep(20000);
	}
	fail_msg("process %d was not reaped", (int)pid);
}

static void
test_writer__exit_during_dump(void **state)
{
	struct wt *w = *state, v = { .pid = 0 };
	struct dump_write_options o = { .progress = kill_on_progress };
	char core[PATH_MAX];
	struct lpd_error *err;
	int victim;

	memcpy(v.exe, w->exe, sizeof(v.exe));
	assert_true(wt_start(&v, 2, 32));
	victim = v.pid;
	o.arg = &victim;
	snprintf(core, sizeof(core), "%s/dying", w->dir);
	err = dump_write_process(v.pid, core, &o, NULL);
	wt_reap(v.pid);
	assert_non_null(err);
	if (strstr(err->message, "exited during the dump") == NULL)
		fail_msg("unclear: %s", err->message);
	lpd_error_destroy(err);
	v.pid = 0;
	wt_stop(&v);
	assert_int_equal(access(core, F_OK), -1);
	assert_int_equal(fixture_sh("ls '%s' | grep -q dying", w->dir), 1);
	wt_ping(w, ++pings);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer__threads_regs_modules_match_gcore),
		cmocka_unit_test(test_writer__process_runs_on),
		cmocka_unit_test(test_writer__all_memory),
		cmocka_unit_test(test_writer__no_such_process),
		cmocka_unit_test(test_writer__already_traced),
		cmocka_unit_test(test_writer__exit_during_dump),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
