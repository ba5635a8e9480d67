/* tests/dumps/fixture.h - real cores for the dumps tests: one made at test
 * time from data/crasher.c, the elfutils corpus core, and helpers to run
 * reference tools (gdb, eu-readelf, eu-unstrip) and patch copies. */
#ifndef LPD_TESTS_DUMPS_FIXTURE_H
#define LPD_TESTS_DUMPS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dumps/dumps-int.h"

#define FIXTURE_UNUSED __attribute__((unused))

struct fixture {
	char dir[1024];
	char exe[PATH_MAX];	/* crasher, or the corpus executable */
	char core[PATH_MAX];
	int pid, tid, nthreads;	/* as the crasher printed them */
	uint64_t fault;
	struct dump *d;		/* the core, opened */
};

/* Run CMD with sh; its stdout in a new string (caller frees). */
static FIXTURE_UNUSED char *
fixture_capture(const char *cmd, int *status)
{
	struct lpd_buf b = LPD_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p;
	int st;

	p = popen(cmd, "r");
	if (p == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (lpd_buf_append(&b, chunk, n) != NULL)
			break;
	st = pclose(p);
	if (status != NULL)
		*status = st;
	if (b.data == NULL)
		return lpd_strdup("");
	return lpd_buf_steal(&b);
}

static FIXTURE_UNUSED int
fixture_sh(const char *fmt, ...) LPD_PRINTF(1, 2);

static FIXTURE_UNUSED int
fixture_sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static FIXTURE_UNUSED const char *
fixture_shared_dir(void)
{
	const char *s = getenv("LPD_SHARED");

	return s != NULL && s[0] != '\0' ? s : "../shared";
}

static FIXTURE_UNUSED bool
fixture_mkdtemp(struct fixture *f)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "%s/lpd-dumps-XXXXXX",
		 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	return mkdtemp(f->dir) != NULL;
}

/* The crasher's source: next to this header, found from the working
 * directory (the repository root under make) or LPD_SRCDIR. */
static FIXTURE_UNUSED bool
fixture_source(char *buf, size_t size)
{
	const char *src = getenv("LPD_SRCDIR");

	snprintf(buf, size, "%s/tests/dumps/data/crasher.c",
		 src != NULL ? src : ".");
	return access(buf, R_OK) == 0;
}

static FIXTURE_UNUSED bool
fixture_find_core(struct fixture *f)
{
	char *out;

	snprintf(f->core, sizeof(f->core), "%s/core", f->dir);
	if (access(f->core, R_OK) == 0)
		return true;
	/* core_uses_pid: core.PID */
	snprintf(f->core, sizeof(f->core), "%s/core.%d", f->dir, f->pid);
	if (access(f->core, R_OK) == 0)
		return true;
	out = fixture_capture("cat /proc/sys/kernel/core_pattern", NULL);
	(void)out;
	lpd_free(out);
	return false;
}

/* Build and crash data/crasher.c in a new temporary directory. */
static FIXTURE_UNUSED int
fixture_make_crash(struct fixture *f)
{
	char src[PATH_MAX], path[PATH_MAX + 16];
	unsigned long long fault;
	FILE *fp;
	int n;

	memset(f, 0, sizeof(*f));
	if (!fixture_source(src, sizeof(src))) {
		fprintf(stderr, "fixture: cannot find %s (run from the "
			"repository root or set LPD_SRCDIR)\n", src);
		return -1;
	}
	if (!fixture_mkdtemp(f))
		return -1;
	snprintf(f->exe, sizeof(f->exe), "%s/crasher", f->dir);
	if (fixture_sh("cc -O0 -g -fno-omit-frame-pointer -pthread -o '%s' "
		       "'%s'", f->exe, src) != 0)
		return -1;
	fixture_sh("cd '%s' && ulimit -c unlimited && ./crasher > out.txt "
		   "2>/dev/null", f->dir);
	snprintf(path, sizeof(path), "%s/out.txt", f->dir);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	n = fscanf(fp, "pid %d tid %d threads %d fault %llx", &f->pid, &f->tid,
		   &f->nthreads, &fault);
	fclose(fp);
	if (n != 4)
		return -1;
	f->fault = fault;
	if (!fixture_find_core(f)) {
		/* core_pattern pipes to a handler (or cores are off): let gdb
		 * write it. */
		fixture_sh("cd '%s' && gdb -batch -nx -ex 'handle SIGUSR1 "
			   "nostop noprint pass' -ex run -ex "
			   "'generate-core-file core' --args ./crasher "
			   "> out.txt 2>/dev/null", f->dir);
		fp = fopen(path, "r");
		if (fp == NULL)
			return -1;
		n = fscanf(fp, "pid %d tid %d threads %d fault %llx", &f->pid,
			   &f->tid, &f->nthreads, &fault);
		fclose(fp);
		snprintf(f->core, sizeof(f->core), "%s/core", f->dir);
		if (n != 4 || access(f->core, R_OK) != 0)
			return -1;
	}
	return 0;
}

/* The elfutils x86_64 corpus core and executable, decompressed; 1 when the
 * corpus is absent (skip). */
static FIXTURE_UNUSED int
fixture_corpus(struct fixture *f)
{
	char bz[PATH_MAX];

	memset(f, 0, sizeof(*f));
	snprintf(bz, sizeof(bz), "%s/corpus/elfutils/backtrace.x86_64.core.bz2",
		 fixture_shared_dir());
	if (access(bz, R_OK) != 0)
		return 1;
	if (!fixture_mkdtemp(f))
		return -1;
	snprintf(f->core, sizeof(f->core), "%s/core", f->dir);
	snprintf(f->exe, sizeof(f->exe), "%s/exec", f->dir);
	if (fixture_sh("bzcat '%s' > '%s'", bz, f->core) != 0 ||
	    fixture_sh("bzcat '%s/corpus/elfutils/backtrace.x86_64.exec.bz2' "
		       "> '%s'", fixture_shared_dir(), f->exe) != 0)
		return -1;
	return 0;
}

static FIXTURE_UNUSED void
fixture_cleanup(struct fixture *f)
{
	dump_destroy(f->d);
	f->d = NULL;
	if (f->dir[0] != '\0' && strncmp(f->dir, "/", 1) == 0 &&
	    strstr(f->dir, "lpd-dumps-") != NULL)
		fixture_sh("rm -rf '%s'", f->dir);
}

/* Copy SRC to DST; false on failure. */
static FIXTURE_UNUSED bool
fixture_copy(const char *src, const char *dst)
{
	return fixture_sh("cp '%s' '%s'", src, dst) == 0;
}

/* Whole file in memory (caller frees). */
static FIXTURE_UNUSED uint8_t *
fixture_slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || (buf = lpd_malloc((size_t)st.st_size + 1))
	    == NULL) {
		close(fd);
		return NULL;
	}
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		close(fd);
		lpd_free(buf);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static FIXTURE_UNUSED bool
fixture_spew(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, buf, len) == (ssize_t)len;
	close(fd);
	return ok;
}

/* The value gdb prints for register REG on the Nth "REG  0x..." line of
 * OUT (0-based). */
static FIXTURE_UNUSED bool
fixture_gdb_reg(const char *out, const char *reg, int nth, uint64_t *ret)
{
	size_t len = strlen(reg);
	const char *p = out;

	while ((p = strstr(p, reg)) != NULL) {
		if ((p == out || p[-1] == '\n') && p[len] == ' ') {
			if (nth-- == 0) {
				*ret = strtoull(p + len, NULL, 16);
				return true;
			}
		}
		p += len;
	}
	return false;
}

/* Hex string of a build-id. */
static FIXTURE_UNUSED void
fixture_hex(const uint8_t *b, size_t n, char *out, size_t size)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 3 <= size; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Does the message of ERR name FILE and an offset? */
static FIXTURE_UNUSED bool
fixture_names_offset(const struct lpd_error *err, const char *file)
{
	return err != NULL && err->message != NULL &&
	       strstr(err->message, file) != NULL &&
	       strstr(err->message, "offset 0x") != NULL;
}

#endif
