/* reasoning/normalize.c - frames as crash-reporting systems compare them:
 * fault machinery (abort, raise, assert, malloc's error paths, stack
 * protector, signal trampolines, dumpers) and process startup dropped,
 * compiler clone suffixes and libc aliases canonicalized, recursion folded,
 * function+module preferred over addresses, inline frames kept. Also each
 * thread's state (blocked, waiting, ...) and first own frame. */
#include <inttypes.h>
#include <string.h>

#include "reasoning/reasoning-int.h"

/* Canonical names (see reason_canonical_function) of the frames that
 * report a fault rather than cause it. */
static const char *const norm_machinery[] = {
	"abort", "raise", "gsignal", "pthread_kill", "pthread_kill_internal",
	"pthread_kill_implementation", "libc_message", "libc_fatal",
	"fortify_fail", "fortify_fail_abort", "chk_fail", "stack_chk_fail",
	"stack_chk_fail_local", "assert_fail", "assert_fail_base",
	"assert_perror_fail", "malloc_printerr", "malloc_assert", "int_free",
	"int_free_chunk", "int_free_merge_chunk", "int_malloc", "int_realloc",
	"int_memalign", "tcache_get", "tcache_get_n", "tcache_put",
	"tcache_double_free_verify", "unlink_chunk", "malloc_consolidate",
	"restore_rt", "sigreturn", "rt_sigreturn", "kernel_rt_sigreturn",
	"verror", "error_tail", "terminate", "cxa_throw", "cxxabiv1::terminate",
	"std::terminate()", "gnu_cxx::verbose_terminate_handler()",
	/* dumpers and crash handlers */
	"lpd_dump_self", "sanitizer_print_stack_trace", "backtrace",
	"backtrace_symbols_fd", "crash_handler", "dump_core",
	NULL,
};

/* Process and thread startup: the same in every dump, dropped. */
static const char *const norm_startup[] = {
	"start", "libc_start_main", "libc_start_main_impl",
	"libc_start_call_main", "start_thread", "clone", "clone3",
	"thread_start", NULL,
};

static const struct {
	const char *name, *alias;
} norm_aliases[] = {
	{ "libc_free", "free" }, { "libc_malloc", "malloc" },
	{ "libc_calloc", "calloc" }, { "libc_realloc", "realloc" },
	{ "libc_memalign", "memalign" }, { "cfree", "free" },
};

static const char *const norm_system_prefixes[] = {
	"libc.so", "libc-", "ld-linux", "ld64.so", "ld.so", "libpthread",
	"libstdc++", "libgcc_s", "libm.so", "libm-", "libdl", "librt",
	"libasan", "libubsan", "libtsan", "liblsan", "libc++", "[vdso]",
	"linux-vdso", "linux-gate", NULL,
};

static bool
norm_in(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

const char *
reason_basename(const char *path)
{
	const char *s;

	if (path == NULL)
		return "?";
	s = strrchr(path, '/');
	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

bool
reason_is_system_module(const char *path)
{
	const char *b;
	size_t i;

	if (path == NULL)
		return false;
	b = reason_basename(path);
	for (i = 0; norm_system_prefixes[i] != NULL; i++)
		if (strncmp(b, norm_system_prefixes[i],
			    strlen(norm_system_prefixes[i])) == 0)
			return true;
	return false;
}

char *
reason_canonical_function(const char *function)
{
	static const char *const clone_suffixes[] = {
		".constprop", ".isra", ".part", ".cold", ".lto_priv",
		".localalias", ".llvm", NULL,
	};
	const char *s = function;
	char *out, *p;
	size_t i;

	if (s == NULL)
		return NULL;
	if (strncmp(s, "__GI_", 5) == 0)
		s += 5;
	while (*s == '_' && s[1] != '\0')
		s++;
	out = lpd_strdup(s);
	if (out == NULL)
		return NULL;
	/* C++: "f(int) [clone .constprop.0]" */
	p = strstr(out, " [clone ");
	if (p != NULL)
		*p = '\0';
	for (i = 0; clone_suffixes[i] != NULL; i++) {
		p = strstr(out, clone_suffixes[i]);
		if (p != NULL && p > out)
			*p = '\0';
	}
	for (i = 0; i < sizeof(norm_aliases) / sizeof(norm_aliases[0]); i++) {
		if (strcmp(out, norm_aliases[i].name) == 0) {
			char *a = lpd_strdup(norm_aliases[i].alias);

			lpd_free(out);
			return a;
		}
	}
	return out;
}

bool
reason_is_machinery(const char *function)
{
	char *c;
	bool r;

	if (function == NULL)
		return false;
	c = reason_canonical_function(function);
	if (c == NULL)
		return false;
	r = norm_in(norm_machinery, c);
	lpd_free(c);
	return r;
}

static bool
norm_is_startup(const char *function)
{
	char *c;
	bool r;

	if (function == NULL)
		return false;
	c = reason_canonical_function(function);
	if (c == NULL)
		return false;
	r = norm_in(norm_startup, c);
	lpd_free(c);
	return r;
}

struct lpd_error *
reason_frame_key(const struct reason_analysis *a,
		 const struct reason_frame *f, struct lpd_buf *out)
{
	size_t i;

	lpd_buf_reset(out);
	if (f->function != NULL) {
		char *c = reason_canonical_function(f->function);
		struct lpd_error *err;

		if (c == NULL)
			return &lpd_enomem;
		err = lpd_buf_printf(out, "%s@%s", c,
				     reason_basename(f->module));
		lpd_free(c);
		return err;
	}
	if (f->module != NULL) {
		/* No symbol: the offset in the module is stable across
		 * runs of one build, the address is not. */
		for (i = 0; i < a->n_modules; i++) {
			const struct reason_module *m = &a->modules[i];

			if (f->pc >= m->start && f->pc < m->end)
				return lpd_buf_printf(out, "??@%s+0x%" PRIx64,
					reason_basename(f->module),
					f->pc - m->start);
		}
		return lpd_buf_printf(out, "??@%s", reason_basename(f->module));
	}
	return lpd_buf_puts(out, "??");
}

/* State of a thread from its innermost frames. */
static const char *
norm_thread_state(const struct reason_thread *t)
{
	static const char *const blocked[] = {
		"futex_wait", "futex_abstimed_wait_common",
		"futex_abstimed_wait_common64", "pthread_cond_wait",
		"pthread_cond_timedwait", "pthread_cond_clockwait",
		"pthread_cond_wait_common", "pthread_mutex_lock",
		"pthread_mutex_timedlock", "lll_lock_wait",
		"lll_lock_wait_private", "sem_wait", "sem_timedwait",
		"pthread_join", "pthread_clockjoin_ex", "pthread_rwlock_rdlock",
		"pthread_rwlock_wrlock", "pthread_barrier_wait", "flock",
		"lockf", "fcntl", NULL,
	};
	static const char *const waiting[] = {
		"poll", "ppoll", "epoll_wait", "epoll_pwait", "select",
		"pselect", "pselect6", "read", "libc_read", "recv", "recvfrom",
		"recvmsg", "accept", "accept4", "connect", "wait", "waitpid",
		"wait4", "msgrcv", "pause", "sigwait", "sigtimedwait",
		"sigsuspend", NULL,
	};
	static const char *const sleeping[] = {
		"nanosleep", "clock_nanosleep", "sleep", "usleep",
		"thrd_sleep", NULL,
	};
	const char *state = "running";
	size_t k;

	if (t->crashed)
		return "crashed";
	for (k = 0; k < t->n_frames && k < 8; k++) {
		char *c = reason_canonical_function(t->frames[k].function);
		const char *s = NULL;

		if (c == NULL)
			continue;
		if (norm_in(blocked, c))
			s = "blocked";
		else if (norm_in(waiting, c))
			s = "waiting";
		else if (norm_in(sleeping, c))
			s = "sleeping";
		lpd_free(c);
		if (s != NULL)
			return s;
		if (!reason_is_system_module(t->frames[k].module))
			break;
	}
	return state;
}

/* Append KEY to A->norm, then fold a repeated cycle of up to 4 frames at
 * the end (A B A B -> A B, x2). */
static struct lpd_error *
norm_push(struct reason_analysis *a, size_t *cap, const char *key,
	  size_t raw, bool system)
{
	struct lpd_error *err;
	size_t p, n, i;

	err = lpd_vec_reserve((void **)&a->norm, cap, a->n_norm + 1,
			      sizeof(*a->norm));
	if (err != NULL)
		return err;
	a->norm[a->n_norm].key = lpd_strdup(key);
	if (a->norm[a->n_norm].key == NULL)
		return &lpd_enomem;
	a->norm[a->n_norm].repeat = 1;
	a->norm[a->n_norm].raw = raw;
	a->norm[a->n_norm].system = system;
	a->n_norm++;
	for (p = 1; p <= 4; p++) {
		n = a->n_norm;
		if (n < 2 * p)
			continue;
		for (i = 0; i < p; i++)
			if (strcmp(a->norm[n - 2 * p + i].key,
				   a->norm[n - p + i].key) != 0)
				break;
		if (i < p)
			continue;
		for (i = 0; i < p; i++) {
			struct reason_nframe *keep = &a->norm[n - 2 * p + i];
			struct reason_nframe *drop = &a->norm[n - p + i];

			keep->repeat += drop->repeat;
			lpd_free(drop->key);
		}
		a->n_norm -= p;
		p = 0;		/* folding may expose another cycle */
	}
	return NULL;
}

struct lpd_error *
reason_normalize(struct reason_analysis *a)
{
	struct lpd_buf key = LPD_BUF_INIT;
	struct lpd_error *err = NULL;
	const struct reason_thread *ct;
	size_t cap = 0, i, k, begin, end;

	for (i = 0; i < a->n_norm; i++)
		lpd_free(a->norm[i].key);
	lpd_free(a->norm);
	a->norm = NULL;
	a->n_norm = 0;
	for (i = 0; i < a->n_threads; i++) {
		struct reason_thread *t = &a->threads[i];

		lpd_free(t->state);
		lpd_free(t->top);
		t->top = NULL;
		t->state = lpd_strdup(norm_thread_state(t));
		if (t->state == NULL) {
			err = &lpd_enomem;
			goto out;
		}
		for (k = 0; k < t->n_frames; k++) {
			const struct reason_frame *f = &t->frames[k];

			if (reason_is_system_module(f->module) ||
			    f->is_signal || reason_is_machinery(f->function))
				continue;
			if ((err = reason_frame_key(a, f, &key)) != NULL)
				goto out;
			t->top = lpd_strdup(key.data);
			if (t->top == NULL) {
				err = &lpd_enomem;
				goto out;
			}
			break;
		}
	}
	if (a->n_threads == 0 || a->crashed >= a->n_threads)
		goto out;
	ct = &a->threads[a->crashed];
	/* Leading fault machinery (and frames above a signal frame that
	 * belong to it) go; so do startup frames and unwinder garbage at
	 * the bottom. */
	begin = 0;
	while (begin < ct->n_frames &&
	       (reason_is_machinery(ct->frames[begin].function) ||
		ct->frames[begin].is_signal))
		begin++;
	end = ct->n_frames;
	while (end > begin &&
	       (norm_is_startup(ct->frames[end - 1].function) ||
		(ct->frames[end - 1].function == NULL &&
		 ct->frames[end - 1].module == NULL)))
		end--;
	if (begin == end)
		begin = 0;	/* nothing but machinery: keep it all */
	for (k = begin; k < end && a->n_norm < REASON_MAX_NORM; k++) {
		const struct reason_frame *f = &ct->frames[k];

		if (f->is_signal || (f->function != NULL &&
		    strcmp(f->function, "__restore_rt") == 0))
			continue;
		if ((err = reason_frame_key(a, f, &key)) != NULL ||
		    (err = norm_push(a, &cap, key.data, k,
				     reason_is_system_module(f->module))) !=
		    NULL)
			goto out;
	}
out:
	lpd_buf_deinit(&key);
	return err;
}

size_t
reason_norm_count(const struct reason_analysis *a)
{
	return a->n_norm;
}

const char *
reason_norm_key(const struct reason_analysis *a, size_t i)
{
	return i < a->n_norm ? a->norm[i].key : NULL;
}

unsigned
reason_norm_repeat(const struct reason_analysis *a, size_t i)
{
	return i < a->n_norm ? a->norm[i].repeat : 0;
}
