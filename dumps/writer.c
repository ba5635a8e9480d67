/* dumps/writer.c - write an ELF core of a live process, laid out as the
 * kernel's fs/binfmt_elf.c writes one: stop every thread with ptrace, copy
 * registers, notes and memory, resume. Reading cores is left to core.c. */
#include <dirent.h>
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dumps/dumps-int.h"

enum {
	WR_CHUNK = 1 << 20,		/* memory is streamed through this */
	WR_XSTATE_MAX = 1 << 16,	/* AMX state is ~11 KiB today */
	WR_MAX_ATTACH_ROUNDS = 1000,	/* re-scans of task/ for new threads */
	WR_PSARGS = 80,			/* ELF_PRARGSZ */
	/* The kernel's default /proc/PID/coredump_filter bits. */
	WR_FILTER_ANON_PRIVATE = 1 << 0,
	WR_FILTER_ANON_SHARED = 1 << 1,
	WR_FILTER_MAPPED_PRIVATE = 1 << 2,
	WR_FILTER_MAPPED_SHARED = 1 << 3,
	WR_FILTER_ELF_HEADERS = 1 << 4,
	WR_FILTER_DEFAULT = 0x33,
	/* /proc/PID/pagemap entry bits (Documentation/admin-guide/mm/
	 * pagemap.rst); readable without CAP_SYS_ADMIN, unlike the PFN. */
	WR_PM_ENTRY = 8,
};

#define WR_PM_PRESENT (UINT64_C(1) << 63)
#define WR_PM_SWAPPED (UINT64_C(1) << 62)

struct wr_thread {
	int tid;
	bool attached;		/* seized: must be detached */
	bool stopped;		/* waited for: registers can be read */
	int resume_sig;		/* a signal we intercepted: re-deliver */
	bool has_siginfo;
	siginfo_t siginfo;
	struct user_regs_struct regs;
	struct user_fpregs_struct fpregs;
	bool has_fpregs;
	uint8_t *xstate;
	size_t xstate_len;
	struct timeval utime, stime;
	uint64_t sigpend, sighold;
};

struct wr_map {
	uint64_t start, end, pgoff;	/* pgoff in bytes, as maps shows */
	bool r, w, x, shared;
	bool anon_pages;	/* smaps: Anonymous or Private_Dirty > 0 */
	bool dontdump;		/* VmFlags dd or io */
	bool uffd;		/* VmFlags um, uw or ui: see wr_fill_uffd */
	uint64_t inode;
	char *path;		/* NULL: anonymous */
	uint64_t filesz;	/* decided: bytes to copy */
};

struct wr_ctx {
	int pid;
	const struct dump_write_options *opts;
	struct wr_thread *threads;
	size_t nthreads, threads_cap;
	struct wr_map *maps;
	size_t nmaps, maps_cap;
	uint8_t *auxv;
	size_t auxv_len;
	unsigned filter;
	long page_size;
	struct elf_prpsinfo psinfo;
	int memfd;		/* /proc/PID/mem, opened when needed */
	bool use_memfd;		/* process_vm_readv is not allowed */
	int pagemapfd;		/* /proc/PID/pagemap, opened when needed */
	uint64_t *pm;		/* pagemap entries of one WR_CHUNK */
	int fd;			/* the temporary core */
	uint64_t file_off;
	uint64_t zero_pages;
	uint64_t memory_bytes;
	uint64_t memory_total;
	uint8_t *buf;		/* WR_CHUNK bytes */
	struct timespec t_attach, t_detach;
	bool gone;		/* the process exited under us */
};

static uint64_t
wr_ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
		     (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

static void
wr_warn(struct wr_ctx *c, const char *fmt, ...) LPD_PRINTF(2, 3);

static void
wr_warn(struct wr_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->opts == NULL || c->opts->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->opts->warn(c->opts->arg, msg);
}

/* Whole (small) /proc file in a new buffer, NUL-terminated. */
static struct lpd_error *
wr_slurp(const char *path, char **ret, size_t *len)
{
	struct lpd_buf b = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	char chunk[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lpd_error_os(errno, path);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = lpd_error_os(errno, path);
			break;
		}
		if (n == 0)
			break;
		err = lpd_buf_append(&b, chunk, (size_t)n);
		if (err != NULL)
			break;
	}
	close(fd);
	if (err == NULL && b.data == NULL)
		err = lpd_buf_append(&b, "", 0);
	if (err != NULL) {
		lpd_buf_deinit(&b);
		return err;
	}
	if (len != NULL)
		*len = b.len;
	*ret = lpd_buf_steal(&b);
	return NULL;
}

/* wr_slurp() for optional files: false (and nothing to free) if absent. */
static bool
wr_try_slurp(const char *path, char **ret, size_t *len)
{
	struct lpd_error *err = wr_slurp(path, ret, len);

	lpd_error_destroy(err);
	return err == NULL;
}

/* Fields of /proc/.../stat after "(comm) ": FIELD 3 is the state. */
static const char *
wr_stat_field(const char *stat, int field)
{
	const char *p = strrchr(stat, ')');
	int i;

	if (p == NULL)
		return NULL;
	p++;
	for (i = 3; i < field; i++) {
		while (*p == ' ')
			p++;
		while (*p != ' ' && *p != '\0')
			p++;
		if (*p == '\0')
			return NULL;
	}
	while (*p == ' ')
		p++;
	return p;
}

static long long
wr_stat_ll(const char *stat, int field)
{
	const char *p = wr_stat_field(stat, field);

	return p != NULL ? strtoll(p, NULL, 10) : 0;
}

/* "Key:\tvalue" of a /proc status file, or NULL. */
static const char *
wr_status_value(const char *status, const char *key)
{
	size_t len = strlen(key);
	const char *p = status;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, len) == 0 && p[len] == ':')
			return p + len + 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Jiffies to a timeval, as the kernel fills pr_utime. */
static struct timeval
wr_ticks(long long ticks)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct timeval tv;

	if (hz <= 0)
		hz = 100;
	tv.tv_sec = (time_t)(ticks / hz);
	tv.tv_usec = (suseconds_t)(ticks % hz * (1000000 / hz));
	return tv;
}

/* Does PID name a live process (not a thread of another, not a zombie)? */
static struct lpd_error *
wr_check_process(struct wr_ctx *c, char **status_ret)
{
	char path[64], *status = NULL;
	struct lpd_error *err;
	const char *v;

	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	err = wr_slurp(path, &status, NULL);
	if (err != NULL) {
		if (err->code == LPD_ERR_OS && err->errnum == ENOENT) {
			lpd_error_destroy(err);
			return lpd_error_format(LPD_ERR_NOT_FOUND,
						"no process %d", c->pid);
		}
		return err;
	}
	v = wr_status_value(status, "Tgid");
	if (v != NULL && atoi(v) != c->pid) {
		err = lpd_error_format(LPD_ERR_INVALID_ARG, "%d is a thread "
				       "of process %d; dump that", c->pid,
				       atoi(v));
		goto fail;
	}
	v = wr_status_value(status, "State");
	while (v != NULL && (*v == ' ' || *v == '\t'))
		v++;
	if (v != NULL && (*v == 'Z' || *v == 'X')) {
		err = lpd_error_format(LPD_ERR_NOT_FOUND, "no process %d (it "
				       "is a zombie: it has exited)", c->pid);
		goto fail;
	}
	*status_ret = status;
	return NULL;
fail:
	lpd_free(status);
	return err;
}

/* NT_PRPSINFO from stat, status and cmdline, read before stopping it, so
 * the state is the one the process had rather than our ptrace stop. */
static struct lpd_error *
wr_read_psinfo(struct wr_ctx *c, const char *status)
{
	static const char states[] = "RSDTZW";
	struct elf_prpsinfo *ps = &c->psinfo;
	char path[64], *stat = NULL, *cmd = NULL;
	struct lpd_error *err;
	const char *v, *open_paren, *close_paren;
	size_t len, i;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/stat", c->pid);
	err = wr_slurp(path, &stat, NULL);
	if (err != NULL)
		return err;
	v = wr_stat_field(stat, 3);
	if (v != NULL) {
		const char *s = strchr(states, *v);

		ps->pr_sname = *v;
		ps->pr_state = s != NULL && *v != '\0' ?
			       (char)(s - states) : 0;
		ps->pr_zomb = *v == 'Z';
	}
	ps->pr_nice = (char)wr_stat_ll(stat, 19);
	ps->pr_flag = (unsigned long)wr_stat_ll(stat, 9);
	ps->pr_pid = c->pid;
	ps->pr_ppid = (int)wr_stat_ll(stat, 4);
	ps->pr_pgrp = (int)wr_stat_ll(stat, 5);
	ps->pr_sid = (int)wr_stat_ll(stat, 6);
	open_paren = strchr(stat, '(');
	close_paren = strrchr(stat, ')');
	if (open_paren != NULL && close_paren > open_paren) {
		len = (size_t)(close_paren - open_paren - 1);
		if (len >= sizeof(ps->pr_fname))
			len = sizeof(ps->pr_fname) - 1;
		memcpy(ps->pr_fname, open_paren + 1, len);
	}
	lpd_free(stat);
	if ((v = wr_status_value(status, "Uid")) != NULL)
		ps->pr_uid = (unsigned)strtoul(v, NULL, 10);
	if ((v = wr_status_value(status, "Gid")) != NULL)
		ps->pr_gid = (unsigned)strtoul(v, NULL, 10);

	/* Kernel threads have an empty cmdline; so may a process that
	 * rewrote it. Neither is an error. */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", c->pid);
	if (wr_try_slurp(path, &cmd, &len)) {
		if (len > WR_PSARGS - 1)
			len = WR_PSARGS - 1;
		for (i = 0; i < len; i++)
			ps->pr_psargs[i] = cmd[i] != '\0' ? cmd[i] : ' ';
		lpd_free(cmd);
	}
	return NULL;
}

static struct lpd_error *
wr_attach_error(struct wr_ctx *c, int errnum)
{
	char path[64], *status = NULL;
	int tracer = 0;
	const char *v;

	snprintf(path, sizeof(path), "/proc/%d/status", c->pid);
	if (wr_try_slurp(path, &status, NULL)) {
		v = wr_status_value(status, "TracerPid");
		if (v != NULL)
			tracer = atoi(v);
		lpd_free(status);
	}
	if (errnum == ESRCH)
		return lpd_error_format(LPD_ERR_NOT_FOUND, "no process %d",
					c->pid);
	if (tracer != 0)
		return lpd_error_format(LPD_ERR_OS, "cannot attach to process "
					"%d: it is already traced by process "
					"%d (TracerPid in /proc/%d/status); "
					"detach that debugger first", c->pid,
					tracer, c->pid);
	if (errnum == EPERM) {
		int scope = -1;

		if (wr_try_slurp("/proc/sys/kernel/yama/ptrace_scope", &status,
			     NULL)) {
			scope = atoi(status);
			lpd_free(status);
		}
		if (scope > 0)
			return lpd_error_format(LPD_ERR_OS, "cannot attach to "
				"process %d: permission denied "
				"(/proc/sys/kernel/yama/ptrace_scope is %d: "
				"run as root or set it to 0)", c->pid, scope);
		return lpd_error_format(LPD_ERR_OS, "cannot attach to process "
			"%d: permission denied (it belongs to another user "
			"or is not dumpable; check "
			"/proc/sys/kernel/yama/ptrace_scope and TracerPid in "
			"/proc/%d/status)", c->pid, c->pid);
	}
	return lpd_error_format(LPD_ERR_OS, "cannot attach to process %d: %s",
				c->pid, strerror(errnum));
}

static struct lpd_error *
wr_exited(struct wr_ctx *c)
{
	c->gone = true;
	return lpd_error_format(LPD_ERR_NOT_FOUND, "process %d exited during "
				"the dump; no core written", c->pid);
}

static bool
wr_has_thread(const struct wr_ctx *c, int tid)
{
	size_t i;

	for (i = 0; i < c->nthreads; i++)
		if (c->threads[i].tid == tid)
			return true;
	return false;
}

/* Seize and interrupt one thread, then wait for its stop. A thread that
 * vanished in between is dropped, unless it is the leader. */
static struct lpd_error *
wr_attach_thread(struct wr_ctx *c, int tid)
{
	struct lpd_error *err;
	struct wr_thread *t;
	int status;
	pid_t w;

	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
		if (errno == ESRCH && tid != c->pid)
			return NULL;
		return wr_attach_error(c, errno);
	}
	err = lpd_vec_reserve((void **)&c->threads, &c->threads_cap,
			      c->nthreads + 1, sizeof(*c->threads));
	if (err != NULL) {
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return err;
	}
	t = &c->threads[c->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->attached = true;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0 && errno != ESRCH)
		return lpd_error_format(LPD_ERR_OS, "cannot stop thread %d: "
					"%s", tid, strerror(errno));
	do
		w = waitpid(tid, &status, __WALL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return lpd_error_format(LPD_ERR_OS, "waiting for thread %d: "
					"%s", tid, strerror(errno));
	if (!WIFSTOPPED(status)) {
		t->attached = false;	/* it exited: nothing to detach */
		if (tid == c->pid || WIFSIGNALED(status))
			return wr_exited(c);
		return NULL;
	}
	t->stopped = true;
	/* A signal-delivery-stop (not our PTRACE_EVENT_STOP) took a signal
	 * the thread must still get: keep it and its siginfo. */
	if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP) {
		t->resume_sig = WSTOPSIG(status);
		t->has_siginfo = ptrace(PTRACE_GETSIGINFO, tid, NULL,
					&t->siginfo) == 0;
	}
	return NULL;
}

/* Attach to every thread, re-reading task/ until a pass finds no new
 * one: a thread not yet stopped may have cloned another meanwhile. */
static struct lpd_error *
wr_attach_all(struct wr_ctx *c)
{
	char path[64];
	struct lpd_error *err;
	struct dirent *de;
	bool found;
	int round, tid;
	DIR *dir;

	err = wr_attach_thread(c, c->pid);
	if (err != NULL)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/task", c->pid);
	for (round = 0; round < WR_MAX_ATTACH_ROUNDS; round++) {
		dir = opendir(path);
		if (dir == NULL)
			return errno == ENOENT ? wr_exited(c)
					       : lpd_error_os(errno, path);
		found = false;
		while ((de = readdir(dir)) != NULL) {
			tid = atoi(de->d_name);
			if (tid <= 0 || wr_has_thread(c, tid))
				continue;
			err = wr_attach_thread(c, tid);
			if (err != NULL) {
				closedir(dir);
				return err;
			}
			found = true;
		}
		closedir(dir);
		if (!found)
			return NULL;
	}
	return lpd_error_format(LPD_ERR_OS, "process %d keeps creating "
				"threads; cannot stop them all", c->pid);
}

/* Threads that cannot be detached are dead or dying (SIGKILL): as their
 * tracer we must reap their exit, or they stay zombies while we live.
 * Others first: the kernel reports the leader's exit last. */
static void
wr_detach_all(struct wr_ctx *c)
{
	size_t i, pass;
	int status;

	for (i = 0; i < c->nthreads; i++) {
		struct wr_thread *t = &c->threads[i];

		if (!t->attached)
			continue;
		if (ptrace(PTRACE_DETACH, t->tid, NULL,
			   (void *)(intptr_t)t->resume_sig) == 0 ||
		    errno != ESRCH)
			t->attached = false;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < c->nthreads; i++) {
			struct wr_thread *t = &c->threads[i];

			if (!t->attached || (t->tid == c->pid) != (pass == 1))
				continue;
			while (waitpid(t->tid, &status, __WALL) < 0 &&
			       errno == EINTR)
				;
			t->attached = false;
		}
	}
}

/* Reap exit notices of traced threads: any means the process is dying. */
static bool
wr_check_alive(struct wr_ctx *c)
{
	char path[64], *stat = NULL;
	const char *st;
	int status;
	size_t i;

	for (i = 0; i < c->nthreads; i++) {
		struct wr_thread *t = &c->threads[i];

		if (!t->attached)
			continue;
		if (waitpid(t->tid, &status, WNOHANG | __WALL) == t->tid &&
		    (WIFEXITED(status) || WIFSIGNALED(status))) {
			t->attached = false;
			c->gone = true;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", c->pid);
	if (!wr_try_slurp(path, &stat, NULL)) {
		c->gone = true;
	} else {
		st = wr_stat_field(stat, 3);
		if (st == NULL || *st == 'Z' || *st == 'X')
			c->gone = true;
		lpd_free(stat);
	}
	return !c->gone;
}

static struct lpd_error *
wr_read_regs(struct wr_ctx *c, struct wr_thread *t)
{
	struct iovec iov;
	char path[80], *stat = NULL, *status = NULL;
	const char *v;

	iov.iov_base = &t->regs;
	iov.iov_len = sizeof(t->regs);
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)DUMP_NT_PRSTATUS,
		   &iov) != 0)
		return errno == ESRCH ? wr_exited(c)
		       : lpd_error_format(LPD_ERR_OS, "registers of thread "
					  "%d: %s", t->tid, strerror(errno));
	iov.iov_base = &t->fpregs;
	iov.iov_len = sizeof(t->fpregs);
	t->has_fpregs = ptrace(PTRACE_GETREGSET, t->tid,
			       (void *)DUMP_NT_FPREGSET, &iov) == 0;
	/* The kernel trims iov_len to this CPU's xstate size. */
	t->xstate = lpd_malloc(WR_XSTATE_MAX);
	if (t->xstate == NULL)
		return &lpd_enomem;
	iov.iov_base = t->xstate;
	iov.iov_len = WR_XSTATE_MAX;
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)DUMP_NT_X86_XSTATE,
		   &iov) == 0)
		t->xstate_len = iov.iov_len;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", c->pid, t->tid);
	if (wr_try_slurp(path, &stat, NULL)) {
		t->utime = wr_ticks(wr_stat_ll(stat, 14));
		t->stime = wr_ticks(wr_stat_ll(stat, 15));
		lpd_free(stat);
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", c->pid,
		 t->tid);
	if (wr_try_slurp(path, &status, NULL)) {
		if ((v = wr_status_value(status, "SigPnd")) != NULL)
			t->sigpend = strtoull(v, NULL, 16);
		if ((v = wr_status_value(status, "SigBlk")) != NULL)
			t->sighold = strtoull(v, NULL, 16);
		lpd_free(status);
	}
	return NULL;
}

/* Main thread first (it stands for the process, as the dumping thread
 * does in a kernel core), then the others by tid. */
static int
wr_thread_cmp(const void *a, const void *b, void *arg)
{
	const struct wr_thread *x = a, *y = b;
	int pid = *(const int *)arg;

	if (x->tid == pid || y->tid == pid)
		return x->tid == pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* ---- mappings ------------------------------------------------------ */

static uint64_t
wr_kb(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return strtoull(p, NULL, 10);
}

/* The two-letter mnemonics of Documentation/filesystems/proc.rst. */
unsigned
dump_smaps_vmflags(const char *line)
{
	static const struct {
		char name[3];
		unsigned bit;
	} known[] = {
		{ "dd", DUMP_VMF_DONTDUMP },
		{ "io", DUMP_VMF_IO },
		{ "um", DUMP_VMF_UFFD_MISSING },
		{ "uw", DUMP_VMF_UFFD_WP },
		{ "ui", DUMP_VMF_UFFD_MINOR },
	};
	unsigned flags = 0;
	size_t len, i;

	if (strncmp(line, "VmFlags:", 8) == 0)
		line += 8;
	for (;;) {
		line += strspn(line, " \t");
		len = strcspn(line, " \t\n");
		if (len == 0)
			break;
		for (i = 0; len == 2 && i < sizeof(known) / sizeof(*known);
		     i++)
			if (memcmp(line, known[i].name, 2) == 0)
				flags |= known[i].bit;
		line += len;
	}
	return flags;
}

static struct lpd_error *
wr_parse_smaps(struct wr_ctx *c, char *text)
{
	struct wr_map *m = NULL;
	struct lpd_error *err;
	char *line, *next;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		char *sp, *colon;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		sp = strchr(line, ' ');
		colon = strchr(line, ':');
		if (sp != NULL && strchr(line, '-') != NULL &&
		    strchr(line, '-') < sp && (colon == NULL || colon > sp)) {
			unsigned long long start, end, off, inode;
			char perms[8];
			int n = 0;

			if (sscanf(line, "%llx-%llx %7s %llx %*s %llu%n",
				   &start, &end, perms, &off, &inode, &n) < 5)
				continue;
			err = lpd_vec_reserve((void **)&c->maps, &c->maps_cap,
					      c->nmaps + 1, sizeof(*c->maps));
			if (err != NULL)
				return err;
			m = &c->maps[c->nmaps++];
			memset(m, 0, sizeof(*m));
			m->start = start;
			m->end = end;
			m->pgoff = off;
			m->inode = inode;
			m->r = perms[0] == 'r';
			m->w = perms[1] == 'w';
			m->x = perms[2] == 'x';
			m->shared = perms[3] == 's';
			line += n;
			while (*line == ' ')
				line++;
			if (*line != '\0') {
				m->path = lpd_strdup(line);
				if (m->path == NULL)
					return &lpd_enomem;
			}
			continue;
		}
		if (m == NULL)
			continue;
		if (strncmp(line, "Anonymous:", 10) == 0 && wr_kb(line + 10))
			m->anon_pages = true;
		else if (strncmp(line, "Private_Dirty:", 14) == 0 &&
			 wr_kb(line + 14))
			m->anon_pages = true;
		else if (strncmp(line, "VmFlags:", 8) == 0) {
			unsigned f = dump_smaps_vmflags(line);

			m->dontdump = (f & (DUMP_VMF_DONTDUMP |
					    DUMP_VMF_IO)) != 0;
			m->uffd = (f & DUMP_VMF_UFFD) != 0;
		}
	}
	return NULL;
}

static bool
wr_is_file(const struct wr_map *m)
{
	return m->path != NULL && m->path[0] == '/' && m->inode != 0;
}

/* Shared memory without a name on disk: /dev/zero, SysV shm, memfd. */
static bool
wr_is_anon_shared(const struct wr_map *m)
{
	return !wr_is_file(m) ||
	       strstr(m->path, " (deleted)") != NULL ||
	       strncmp(m->path, "/SYSV", 5) == 0 ||
	       strncmp(m->path, "/memfd:", 7) == 0;
}

static bool
wr_read_exact(struct wr_ctx *c, uint64_t addr, void *buf, size_t len);
static bool
wr_read_pagemap(struct wr_ctx *c, uint64_t addr, size_t npages);

static bool
wr_populated(uint64_t entry)
{
	return (entry & (WR_PM_PRESENT | WR_PM_SWAPPED)) != 0;
}

/* How much of M goes in the core: the kernel's vma_dump_size() with
 * /proc/PID/coredump_filter, except that writable and anonymous private
 * memory is always dumped whole (we cannot see anon_vma). */
static uint64_t
wr_decide(struct wr_ctx *c, const struct wr_map *m)
{
	uint64_t size = m->end - m->start;
	uint8_t magic[4];

	if (!m->r || m->dontdump ||
	    (m->path != NULL && strncmp(m->path, "[vvar", 5) == 0))
		return 0;
	if (m->path != NULL && (strcmp(m->path, "[vdso]") == 0 ||
				strcmp(m->path, "[vsyscall]") == 0))
		return size;
	if (c->opts != NULL && c->opts->all_memory)
		return size;
	if (m->shared) {
		unsigned bit = wr_is_anon_shared(m) ? WR_FILTER_ANON_SHARED
						    : WR_FILTER_MAPPED_SHARED;

		if (c->filter & bit)
			return size;
	} else {
		if (!wr_is_file(m) || m->w || m->anon_pages)
			return size;
		if (c->filter & WR_FILTER_MAPPED_PRIVATE)
			return size;
	}
	/* Build-ids and program headers: the first page of an ELF file. */
	if ((c->filter & WR_FILTER_ELF_HEADERS) && wr_is_file(m) &&
	    m->pgoff == 0 &&
	    (!m->uffd || (wr_read_pagemap(c, m->start, 1) &&
			  wr_populated(c->pm[0]))) &&
	    wr_read_exact(c, m->start, magic, 4) &&
	    memcmp(magic, ELFMAG, SELFMAG) == 0)
		return size < (uint64_t)c->page_size ? size
						     : (uint64_t)c->page_size;
	return 0;
}

static struct lpd_error *
wr_read_maps(struct wr_ctx *c)
{
	char path[64], *text = NULL;
	struct lpd_error *err;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/coredump_filter", c->pid);
	c->filter = WR_FILTER_DEFAULT;
	if (wr_try_slurp(path, &text, NULL)) {
		c->filter = (unsigned)strtoul(text, NULL, 16);
		lpd_free(text);
	}
	snprintf(path, sizeof(path), "/proc/%d/smaps", c->pid);
	err = wr_slurp(path, &text, NULL);
	if (err != NULL && (err->errnum == ESRCH || err->errnum == ENOENT)) {
		lpd_error_destroy(err);
		return wr_exited(c);
	}
	if (err != NULL)
		return err;
	err = wr_parse_smaps(c, text);
	lpd_free(text);
	if (err != NULL)
		return err;
	if (c->nmaps == 0)
		return wr_exited(c);	/* a zombie has no mm */
	for (i = 0; i < c->nmaps; i++) {
		c->maps[i].filesz = wr_decide(c, &c->maps[i]);
		c->memory_total += c->maps[i].filesz;
	}
	snprintf(path, sizeof(path), "/proc/%d/auxv", c->pid);
	err = wr_slurp(path, (char **)&c->auxv, &c->auxv_len);
	if (err != NULL)
		return err;
	return NULL;
}

/* ---- memory ---------------------------------------------------------- */

static bool
wr_pread_mem(struct wr_ctx *c, uint64_t addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;

	if (c->memfd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/mem", c->pid);
		c->memfd = open(path, O_RDONLY | O_CLOEXEC);
		if (c->memfd < 0)
			return false;
	}
	if (addr > (uint64_t)INT64_MAX)
		return false;
	n = pread(c->memfd, buf, len, (off_t)addr);
	return n == (ssize_t)len;
}

/* Read up to LEN bytes; returns how many were read before the first
 * fault (0 when ADDR itself is unreadable), -1 if the process is gone. */
static ssize_t
wr_read_some(struct wr_ctx *c, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!c->use_memfd) {
		n = process_vm_readv(c->pid, &local, 1, &remote, 1, 0);
		if (n >= 0)
			return n;
		if (errno == ESRCH)
			return -1;
		if (errno == EFAULT)
			return 0;
		/* ENOSYS, EPERM (seccomp, LSM): /proc/PID/mem may do. */
		c->use_memfd = true;
	}
	return wr_pread_mem(c, addr, buf, len) ? (ssize_t)len : 0;
}

static bool
wr_read_exact(struct wr_ctx *c, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = wr_read_some(c, addr, buf, len);

	if (n == (ssize_t)len)
		return true;
	return n >= 0 && wr_pread_mem(c, addr, buf, len);
}

static struct lpd_error *
wr_write(struct wr_ctx *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(c->fd, p, len, (off_t)c->file_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lpd_error_format(LPD_ERR_OS, "writing the core: "
						"%s", strerror(errno));
		p += n;
		len -= (size_t)n;
		c->file_off += (uint64_t)n;
	}
	return NULL;
}

/* Fill BUF with LEN bytes at ADDR; pages that cannot be read, even via
 * /proc/PID/mem, become zeros and are counted in *ZEROS. */
static struct lpd_error *
wr_fill(struct wr_ctx *c, uint64_t addr, uint8_t *buf, size_t len,
	uint64_t *zeros)
{
	size_t done = 0, page = (size_t)c->page_size, step;
	ssize_t n;

	while (done < len) {
		n = wr_read_some(c, addr + done, buf + done, len - done);
		if (n < 0)
			return wr_exited(c);
		done += (size_t)n;
		if (done >= len)
			break;
		/* A fault at addr + done: try that page alone, then go on. */
		step = page - (size_t)((addr + done) % page);
		if (step > len - done)
			step = len - done;
		if (!wr_pread_mem(c, addr + done, buf + done, step)) {
			memset(buf + done, 0, step);
			(*zeros)++;
		}
		done += step;
	}
	return NULL;
}

/* Pagemap entries of NPAGES pages from ADDR into c->pm, exactly
 * WR_PM_ENTRY bytes each; false if they cannot all be read. */
static bool
wr_read_pagemap(struct wr_ctx *c, uint64_t addr, size_t npages)
{
	size_t max = WR_CHUNK / (size_t)c->page_size + 1, got = 0, want;
	uint64_t off = addr / (uint64_t)c->page_size * WR_PM_ENTRY;
	char path[64];
	ssize_t n;

	if (npages == 0 || npages > max)
		return false;
	if (c->pm == NULL && (c->pm = lpd_malloc(max * WR_PM_ENTRY)) == NULL)
		return false;
	if (c->pagemapfd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/pagemap", c->pid);
		c->pagemapfd = open(path, O_RDONLY | O_CLOEXEC);
		if (c->pagemapfd < 0)
			return false;
	}
	want = npages * WR_PM_ENTRY;
	while (got < want) {
		n = pread(c->pagemapfd, (uint8_t *)c->pm + got, want - got,
			  (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Fill BUF with LEN bytes at ADDR (page-aligned) of a range registered
 * with userfaultfd. Touching a page there that is neither present nor
 * swapped raises a fault only the process's own handler can serve, and
 * that handler is stopped with every other thread: the read would wait
 * forever, even through SIGTERM. Such pages become zeros, counted in
 * *UNREAD; when pagemap cannot tell, nothing is read. */
static struct lpd_error *
wr_fill_uffd(struct wr_ctx *c, uint64_t addr, uint8_t *buf, size_t len,
	     uint64_t *zeros, uint64_t *unread, bool *no_pagemap)
{
	size_t page = (size_t)c->page_size, npages = (len + page - 1) / page;
	size_t i = 0, j, off, run;
	struct lpd_error *err;

	if (!wr_read_pagemap(c, addr, npages)) {
		memset(buf, 0, len);
		*unread += npages;
		*no_pagemap = true;
		return NULL;
	}
	while (i < npages) {
		off = i * page;
		if (!wr_populated(c->pm[i])) {
			memset(buf + off, 0, len - off < page ? len - off
							      : page);
			(*unread)++;
			i++;
			continue;
		}
		for (j = i; j < npages && wr_populated(c->pm[j]); j++)
			;
		run = (j - i) * page;
		if (run > len - off)
			run = len - off;
		err = wr_fill(c, addr + off, buf + off, run, zeros);
		if (err != NULL)
			return err;
		i = j;
	}
	return NULL;
}

static bool
wr_is_zero(const uint8_t *p, size_t len)
{
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/* Write LEN bytes of BUF, leaving holes for zero pages: untouched stacks
 * and heaps are mostly zeros, and not writing them is most of the time a
 * large dump takes (and the time the process stays stopped). */
static struct lpd_error *
wr_write_sparse(struct wr_ctx *c, const uint8_t *buf, size_t len)
{
	size_t page = (size_t)c->page_size, i = 0, run;
	struct lpd_error *err;

	while (i < len) {
		run = 0;
		while (i + run < len &&
		       wr_is_zero(buf + i + run, len - i - run < page ?
				  len - i - run : page))
			run += len - i - run < page ? len - i - run : page;
		c->file_off += run;
		i += run;
		run = 0;
		while (i + run < len &&
		       !wr_is_zero(buf + i + run, len - i - run < page ?
				   len - i - run : page))
			run += len - i - run < page ? len - i - run : page;
		if (run > 0 && (err = wr_write(c, buf + i, run)) != NULL)
			return err;
		i += run;
	}
	return NULL;
}

static struct lpd_error *
wr_copy_map(struct wr_ctx *c, const struct wr_map *m)
{
	uint64_t addr = m->start, end = m->start + m->filesz, zeros = 0;
	uint64_t unread = 0;
	bool no_pagemap = false;
	struct lpd_error *err;
	size_t len;

	while (addr < end) {
		if (c->opts != NULL && c->opts->cancel != NULL &&
		    *c->opts->cancel)
			return lpd_error_format(LPD_ERR_CANCELLED, "dump "
						"cancelled; no core written");
		len = end - addr > WR_CHUNK ? WR_CHUNK : (size_t)(end - addr);
		if (m->uffd)
			err = wr_fill_uffd(c, addr, c->buf, len, &zeros,
					   &unread, &no_pagemap);
		else
			err = wr_fill(c, addr, c->buf, len, &zeros);
		if (err == NULL)
			err = wr_write_sparse(c, c->buf, len);
		if (err != NULL)
			return err;
		addr += len;
		c->memory_bytes += len;
		if (c->opts != NULL && c->opts->progress != NULL)
			c->opts->progress(c->opts->arg, c->memory_bytes,
					  c->memory_total);
	}
	if (zeros > 0) {
		c->zero_pages += zeros;
		wr_warn(c, "0x%" PRIx64 "-0x%" PRIx64 " %s: %" PRIu64
			" page(s) unreadable, written as zeros", m->start,
			m->end, m->path != NULL ? m->path : "", zeros);
	}
	if (unread > 0) {
		c->zero_pages += unread;
		wr_warn(c, "0x%" PRIx64 "-0x%" PRIx64 "%s%s: %" PRIu64
			" page(s) left unread, written as zeros: %s", m->start,
			m->end, m->path != NULL ? " " : "",
			m->path != NULL ? m->path : "", unread,
			no_pagemap ? "userfaultfd-registered and "
				     "/proc/PID/pagemap unreadable: its "
				     "handler may be stopped"
				   : "userfaultfd-registered, not populated: "
				     "its handler may be stopped");
	}
	return NULL;
}

/* ---- notes ----------------------------------------------------------- */

static struct lpd_error *
wr_note(struct lpd_buf *b, const char *name, uint32_t type,
	const void *desc, size_t len)
{
	static const uint8_t pad[4];
	Elf64_Nhdr h;
	struct lpd_error *err;
	size_t namesz = strlen(name) + 1;

	h.n_namesz = (Elf64_Word)namesz;
	h.n_descsz = (Elf64_Word)len;
	h.n_type = type;
	if ((err = lpd_buf_append(b, &h, sizeof(h))) != NULL ||
	    (err = lpd_buf_append(b, name, namesz)) != NULL ||
	    (err = lpd_buf_append(b, pad, (4 - namesz % 4) % 4)) != NULL ||
	    (err = lpd_buf_append(b, desc, len)) != NULL ||
	    (err = lpd_buf_append(b, pad, (4 - len % 4) % 4)) != NULL)
		return err;
	return NULL;
}

static struct lpd_error *
wr_note_prstatus(struct wr_ctx *c, struct lpd_buf *b,
		 const struct wr_thread *t)
{
	struct elf_prstatus pr;

	memset(&pr, 0, sizeof(pr));
	pr.pr_sigpend = t->sigpend;
	pr.pr_sighold = t->sighold;
	pr.pr_pid = t->tid;
	pr.pr_ppid = c->psinfo.pr_ppid;
	pr.pr_pgrp = c->psinfo.pr_pgrp;
	pr.pr_sid = c->psinfo.pr_sid;
	pr.pr_utime = t->utime;
	pr.pr_stime = t->stime;
	memcpy(&pr.pr_reg, &t->regs, sizeof(pr.pr_reg));
	pr.pr_fpvalid = t->has_fpregs;
	return wr_note(b, "CORE", DUMP_NT_PRSTATUS, &pr, sizeof(pr));
}

/* NT_FILE: count, page size, (start, end, page offset) triples, then
 * the NUL-terminated names; file-backed mappings only. */
static struct lpd_error *
wr_note_file(struct wr_ctx *c, struct lpd_buf *b)
{
	struct lpd_buf d = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	uint64_t w[3], count = 0;
	size_t i;

	for (i = 0; i < c->nmaps; i++)
		count += wr_is_file(&c->maps[i]);
	w[0] = count;
	w[1] = (uint64_t)c->page_size;
	err = lpd_buf_append(&d, w, 16);
	for (i = 0; err == NULL && i < c->nmaps; i++) {
		const struct wr_map *m = &c->maps[i];

		if (!wr_is_file(m))
			continue;
		w[0] = m->start;
		w[1] = m->end;
		w[2] = m->pgoff / (uint64_t)c->page_size;
		err = lpd_buf_append(&d, w, sizeof(w));
	}
	for (i = 0; err == NULL && i < c->nmaps; i++)
		if (wr_is_file(&c->maps[i]))
			err = lpd_buf_append(&d, c->maps[i].path,
					     strlen(c->maps[i].path) + 1);
	if (err == NULL)
		err = wr_note(b, "CORE", DUMP_NT_FILE, d.data, d.len);
	lpd_buf_deinit(&d);
	return err;
}

/* fs/binfmt_elf.c write_note_info(): per thread NT_PRSTATUS, then (for
 * the first thread only) NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, then
 * the thread's other regsets. */
static struct lpd_error *
wr_build_notes(struct wr_ctx *c, struct lpd_buf *b)
{
	struct lpd_error *err;
	siginfo_t si;
	size_t i;

	for (i = 0; i < c->nthreads; i++) {
		const struct wr_thread *t = &c->threads[i];

		if (!t->stopped)
			continue;
		err = wr_note_prstatus(c, b, t);
		if (err == NULL && i == 0) {
			memset(&si, 0, sizeof(si));
			if (t->has_siginfo)
				si = t->siginfo;
			err = wr_note(b, "CORE", DUMP_NT_PRPSINFO, &c->psinfo,
				      sizeof(c->psinfo));
			if (err == NULL)
				err = wr_note(b, "CORE", DUMP_NT_SIGINFO, &si,
					      sizeof(si));
			if (err == NULL)
				err = wr_note(b, "CORE", DUMP_NT_AUXV,
					      c->auxv, c->auxv_len);
			if (err == NULL)
				err = wr_note_file(c, b);
		}
		if (err == NULL && t->has_fpregs)
			err = wr_note(b, "CORE", DUMP_NT_FPREGSET, &t->fpregs,
				      sizeof(t->fpregs));
		if (err == NULL && t->xstate_len > 0)
			err = wr_note(b, "LINUX", DUMP_NT_X86_XSTATE,
				      t->xstate, t->xstate_len);
		if (err != NULL)
			return err;
	}
	return NULL;
}

/* ---- the file -------------------------------------------------------- */

/* ELF header, program headers (PT_NOTE first), notes, padding to a page;
 * then each PT_LOAD's bytes; an extended-numbering section header at the
 * end when there are PN_XNUM or more segments, as the kernel does. */
static struct lpd_error *
wr_write_core(struct wr_ctx *c)
{
	struct lpd_buf notes = LPD_BUF_INIT, head = LPD_BUF_INIT;
	uint64_t nphdr = 1, off, data_off, page = (uint64_t)c->page_size;
	struct lpd_error *err;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Shdr sh;
	size_t i;

	err = wr_build_notes(c, &notes);
	if (err != NULL)
		goto out;
	nphdr += c->nmaps;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = DUMP_ET_CORE;
	eh.e_machine = dump_arch_x86_64.e_machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = nphdr >= DUMP_PN_XNUM ? DUMP_PN_XNUM : (Elf64_Half)nphdr;
	off = sizeof(eh) + nphdr * sizeof(ph);
	data_off = (off + notes.len + page - 1) / page * page;
	if (nphdr >= DUMP_PN_XNUM) {
		uint64_t end = data_off;

		for (i = 0; i < c->nmaps; i++)
			end += c->maps[i].filesz;
		eh.e_shoff = end;
		eh.e_shentsize = sizeof(sh);
		eh.e_shnum = 1;
	}
	if ((err = lpd_buf_append(&head, &eh, sizeof(eh))) != NULL)
		goto out;
	memset(&ph, 0, sizeof(ph));
	ph.p_type = DUMP_PT_NOTE;
	ph.p_offset = off;
	ph.p_filesz = notes.len;
	if ((err = lpd_buf_append(&head, &ph, sizeof(ph))) != NULL)
		goto out;
	off = data_off;
	for (i = 0; i < c->nmaps; i++) {
		const struct wr_map *m = &c->maps[i];

		memset(&ph, 0, sizeof(ph));
		ph.p_type = DUMP_PT_LOAD;
		ph.p_offset = off;
		ph.p_vaddr = m->start;
		ph.p_memsz = m->end - m->start;
		ph.p_filesz = m->filesz;
		ph.p_flags = (m->r ? PF_R : 0) | (m->w ? PF_W : 0) |
			     (m->x ? PF_X : 0);
		ph.p_align = page;
		off += m->filesz;
		if ((err = lpd_buf_append(&head, &ph, sizeof(ph))) != NULL)
			goto out;
	}
	if ((err = lpd_buf_append(&head, notes.data, notes.len)) != NULL)
		goto out;
	while (head.len < data_off && err == NULL)
		err = lpd_buf_append(&head, "", 1);
	if (err == NULL)
		err = wr_write(c, head.data, head.len);
	for (i = 0; err == NULL && i < c->nmaps; i++)
		if (c->maps[i].filesz > 0)
			err = wr_copy_map(c, &c->maps[i]);
	if (err == NULL && nphdr >= DUMP_PN_XNUM) {
		memset(&sh, 0, sizeof(sh));
		sh.sh_type = SHT_NULL;
		sh.sh_size = 1;
		sh.sh_info = (Elf64_Word)nphdr;
		err = wr_write(c, &sh, sizeof(sh));
	}
	/* A trailing hole needs the size set explicitly. */
	if (err == NULL && ftruncate(c->fd, (off_t)c->file_off) != 0)
		err = lpd_error_format(LPD_ERR_OS, "writing the core: %s",
				       strerror(errno));
out:
	lpd_buf_deinit(&notes);
	lpd_buf_deinit(&head);
	return err;
}

/* FILE.tmp.XXXXXX beside FILE, so the final rename stays in one file
 * system and a reader never sees a partial core under FILE's name. */
static struct lpd_error *
wr_open_tmp(const char *path, char **ret, int *fd_ret)
{
	char *tmp = lpd_asprintf("%s.tmp.XXXXXX", path);
	int fd;

	if (tmp == NULL)
		return &lpd_enomem;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		struct lpd_error *err = lpd_error_os(errno, path);

		lpd_free(tmp);
		return lpd_error_prefix(err, "cannot create the core");
	}
	*ret = tmp;
	*fd_ret = fd;
	return NULL;
}

static struct lpd_error *
wr_sync_dir(const char *path)
{
	char *dir = lpd_strdup(path), *slash;
	int fd;

	if (dir == NULL)
		return &lpd_enomem;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	lpd_free(dir);
	if (fd >= 0) {
		fsync(fd);	/* best effort: the core itself is synced */
		close(fd);
	}
	return NULL;
}

static void
wr_deinit(struct wr_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nthreads; i++)
		lpd_free(c->threads[i].xstate);
	lpd_free(c->threads);
	for (i = 0; i < c->nmaps; i++)
		lpd_free(c->maps[i].path);
	lpd_free(c->maps);
	lpd_free(c->auxv);
	lpd_free(c->buf);
	lpd_free(c->pm);
	if (c->memfd >= 0)
		close(c->memfd);
	if (c->pagemapfd >= 0)
		close(c->pagemapfd);
}

/* Everything between the first attach and the last detach. */
static struct lpd_error *
wr_stopped_part(struct wr_ctx *c)
{
	struct lpd_error *err;
	size_t i;

	err = wr_attach_all(c);
	for (i = 0; err == NULL && i < c->nthreads; i++)
		if (c->threads[i].stopped)
			err = wr_read_regs(c, &c->threads[i]);
	if (err == NULL) {
		qsort_r(c->threads, c->nthreads, sizeof(*c->threads),
			wr_thread_cmp, &c->pid);
		err = wr_read_maps(c);
	}
	if (err == NULL)
		err = wr_write_core(c);
	if (err == NULL && !wr_check_alive(c))
		err = wr_exited(c);
	return err;
}

struct lpd_error *
dump_write_process(int pid, const char *path,
		   const struct dump_write_options *opts,
		   struct dump_write_stats *ret)
{
	struct wr_ctx c;
	struct timespec t0, t1;
	struct lpd_error *err;
	char *status = NULL, *tmp = NULL, *def = NULL;
	const struct dump_arch *a = &dump_arch_x86_64;
	size_t i;

	/* The host's procfs structs must be what the reader expects. */
	if (sizeof(struct elf_prstatus) != a->prstatus_size ||
	    offsetof(struct elf_prstatus, pr_reg) != a->prstatus_reg_offset ||
	    sizeof(elf_gregset_t) != a->prstatus_reg_size ||
	    sizeof(struct user_regs_struct) != a->prstatus_reg_size)
		return lpd_error_format(LPD_ERR_UNSUPPORTED, "writing cores "
					"is supported on x86_64 Linux only");
	if (pid <= 0)
		return lpd_error_format(LPD_ERR_INVALID_ARG, "bad process id "
					"%d", pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&c, 0, sizeof(c));
	c.pid = pid;
	c.opts = opts;
	c.memfd = -1;
	c.pagemapfd = -1;
	c.fd = -1;
	c.page_size = sysconf(_SC_PAGESIZE);
	if (path == NULL) {
		def = lpd_asprintf("core.%d", pid);
		if (def == NULL)
			return &lpd_enomem;
		path = def;
	}
	err = wr_check_process(&c, &status);
	if (err == NULL)
		err = wr_read_psinfo(&c, status);
	lpd_free(status);
	if (err == NULL && (c.buf = lpd_malloc(WR_CHUNK)) == NULL)
		err = &lpd_enomem;
	if (err == NULL)
		err = wr_open_tmp(path, &tmp, &c.fd);
	if (err == NULL) {
		clock_gettime(CLOCK_MONOTONIC, &c.t_attach);
		err = wr_stopped_part(&c);
		wr_detach_all(&c);
		clock_gettime(CLOCK_MONOTONIC, &c.t_detach);
	}
	/* Sync after resuming the process: it need not wait for the disk. */
	if (err == NULL && fsync(c.fd) != 0)
		err = lpd_error_os(errno, tmp);
	if (c.fd >= 0 && close(c.fd) != 0 && err == NULL)
		err = lpd_error_os(errno, tmp);
	if (err == NULL && rename(tmp, path) != 0)
		err = lpd_error_prefix(lpd_error_os(errno, path),
				       "cannot rename %s", tmp);
	if (err == NULL)
		err = wr_sync_dir(path);
	if (err != NULL && tmp != NULL)
		unlink(tmp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err == NULL && ret != NULL) {
		memset(ret, 0, sizeof(*ret));
		ret->pid = pid;
		for (i = 0; i < c.nthreads; i++)
			ret->nthreads += c.threads[i].stopped;
		ret->nsegments = c.nmaps;
		ret->memory_bytes = c.memory_bytes;
		ret->file_size = c.file_off;
		ret->zero_pages = c.zero_pages;
		ret->stopped_ns = wr_ns_between(&c.t_attach, &c.t_detach);
		ret->total_ns = wr_ns_between(&t0, &t1);
	}
	wr_deinit(&c);
	lpd_free(tmp);
	lpd_free(def);
	return err;
}
