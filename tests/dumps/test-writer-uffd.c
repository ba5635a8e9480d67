/* tests/dumps/test-writer-uffd.c - the writer and userfaultfd: the smaps
 * VmFlags mnemonics it acts on (dd, io, um, uw, ui), and
 * dump_write_process on fixtures/uffd-parker.c, whose unpopulated
 * registered pages would block a reader forever once its handler thread
 * is stopped. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/dumps/fixture.h"

static void
test_writer_uffd__vmflags(void **state)
{
	(void)state;
	assert_int_equal(dump_smaps_vmflags("VmFlags: rd wr mr mw me ac sd"),
			 0);
	assert_int_equal(dump_smaps_vmflags("VmFlags: rd wr mr mw me um ac "),
			 DUMP_VMF_UFFD_MISSING);
	assert_int_equal(dump_smaps_vmflags("VmFlags: rd uw"),
			 DUMP_VMF_UFFD_WP);
	assert_int_equal(dump_smaps_vmflags("VmFlags:\tui\n"),
			 DUMP_VMF_UFFD_MINOR);
	assert_int_equal(dump_smaps_vmflags("VmFlags: um uw ui dd io"),
			 DUMP_VMF_UFFD | DUMP_VMF_DONTDUMP | DUMP_VMF_IO);
	assert_int_equal(dump_smaps_vmflags("VmFlags: dd"), DUMP_VMF_DONTDUMP);
	/* Whole tokens only: "umx", "xum", "u" and "d" are no flags. */
	assert_int_equal(dump_smaps_vmflags("VmFlags: umx xum u d ddd"), 0);
	assert_int_equal(dump_smaps_vmflags("VmFlags:"), 0);
	assert_int_equal(dump_smaps_vmflags(""), 0);
	/* The line without its key, as after the prefix was consumed. */
	assert_int_equal(dump_smaps_vmflags(" rd um"), DUMP_VMF_UFFD_MISSING);
}

struct uw {
	char dir[1024];
	char exe[PATH_MAX];
	char core[PATH_MAX];
	int pid;
	uint64_t base, end;
	FILE *in, *out;
	char warnings[4096];
	size_t nwarn;
};

static void
uw_warn(void *arg, const char *msg)
{
	struct uw *u = arg;
	size_t len = strlen(u->warnings);

	snprintf(u->warnings + len, sizeof(u->warnings) - len, "%s\n", msg);
	u->nwarn++;
}

/* Build and start the fixture; false with REASON set to skip. */
static bool
uw_start(struct uw *u, char *reason, size_t size)
{
	const char *src = getenv("LPD_SRCDIR");
	const char *tmp = getenv("TMPDIR");
	char line[256];
	int in[2], out[2];
	pid_t pid;
	unsigned long base, end;

	snprintf(u->dir, sizeof(u->dir), "%s/lpd-uffd-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(u->dir));
	snprintf(u->exe, sizeof(u->exe), "%s/uffd-parker", u->dir);
	snprintf(u->core, sizeof(u->core), "%s/core", u->dir);
	assert_int_equal(fixture_sh("cc -O0 -g -pthread -o '%s' "
				    "'%s/fixtures/uffd-parker.c'", u->exe,
				    src != NULL ? src : "."), 0);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(u->exe, u->exe, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	u->pid = pid;
	u->in = fdopen(in[1], "w");
	u->out = fdopen(out[0], "r");
	assert_non_null(u->in);
	assert_non_null(u->out);
	assert_non_null(fgets(line, sizeof(line), u->out));
	if (strncmp(line, "nouffd ", 7) == 0) {
		snprintf(reason, size, "%s", line + 7);
		return false;
	}
	assert_int_equal(sscanf(line, "ready %*d %lx %lx", &base, &end), 2);
	u->base = base;
	u->end = end;
	return true;
}

static void
uw_stop(struct uw *u)
{
	if (u->pid > 0) {
		kill(u->pid, SIGKILL);
		waitpid(u->pid, NULL, 0);
	}
	if (u->in != NULL)
		fclose(u->in);
	if (u->out != NULL)
		fclose(u->out);
	fixture_sh("rm -rf '%s'", u->dir);
}

/* The dump returns (a hang here is the bug: the unit runner has no
 * timeout, so the CLI test runs the same case under timeout(1)), warns
 * once, counts the 54 unread pages, and the process answers after. */
static void
test_writer_uffd__dump(void **state)
{
	struct dump_write_options o = { .warn = uw_warn };
	struct dump_write_stats st;
	struct lpd_error *err;
	struct uw u;
	char reason[256], want[256], line[256];

	(void)state;
	memset(&u, 0, sizeof(u));
	o.arg = &u;
	if (!uw_start(&u, reason, sizeof(reason))) {
		uw_stop(&u);
		fprintf(stderr, "skipped: %s", reason);
		skip();
	}
	err = dump_write_process(u.pid, u.core, &o, &st);
	if (err != NULL)
		fail_msg("%s", err->message);
	snprintf(want, sizeof(want), "0x%" PRIx64 "-0x%" PRIx64 ": 54 page(s) "
		 "left unread, written as zeros: userfaultfd-registered, not "
		 "populated: its handler may be stopped\n", u.base, u.end);
	assert_non_null(strstr(u.warnings, want));
	assert_int_equal(u.nwarn, 1);
	assert_true(st.zero_pages >= 54);
	assert_int_equal(st.nthreads, 2);
	assert_true(fputc('x', u.in) != EOF && fflush(u.in) == 0);
	assert_non_null(fgets(line, sizeof(line), u.out));
	assert_string_equal(line, "page0 a0 magic 75666664c0ffee4e\n");
	uw_stop(&u);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_uffd__vmflags),
		cmocka_unit_test(test_writer_uffd__dump),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dumps/writer-uffd", tests, NULL,
					   NULL);
}
