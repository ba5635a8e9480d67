/* tests/debugger/test-unwind.c - the unwinder on synthetic stacks (stop
 * rules, fallbacks) and on real cores made at test time, checked against
 * eu-stack's physical frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "debugger/debugger-int.h"

static const struct dump_arch *
x86_64(void)
{
	const struct dump_arch *a = dump_arch_find(62, 2, false);

	assert_non_null(a);
	return a;
}

/* ---- synthetic stacks ------------------------------------------------------ */

/* Fake memory: a stack page at 0x7000, little-endian words. */
enum { MEM_BASE = 0x7000, MEM_SIZE = 0x100 };
static uint8_t mem[MEM_SIZE];

static void
mem_word(uint64_t addr, uint64_t v)
{
	assert_true(addr >= MEM_BASE && addr + 8 <= MEM_BASE + MEM_SIZE);
	memcpy(mem + (addr - MEM_BASE), &v, 8);
}

static struct lpd_error *
mem_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE ||
	    len > MEM_SIZE - (addr - MEM_BASE))
		return lpd_error_fault(addr);
	memcpy(buf, mem + (addr - MEM_BASE), len);
	return NULL;
}

/* One object covering [0x2000, 0x2100) at link time, loaded with bias
 * 0x10000, whose CFI (a hand-built .eh_frame) is PROG after the CIE's
 * "CFA = rsp + CFA_OFF; ra at cfa-8". */
enum { CODE = 0x12000, BIAS = 0x10000 };

struct synth {
	uint8_t sec[256];
	struct dbg_objfile obj;
};

static struct synth synth;

static void
synth_build(unsigned cfa_off, const uint8_t *prog, size_t n_prog)
{
	const uint8_t cie[] = {
		14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1,
		0x1b, 0x0c, 7, (uint8_t)cfa_off,
	};
	/* ra at c-8 unless CFA_OFF is 0 (then at c+0, a loop) */
	const uint8_t ra[] = { 0x90, cfa_off ? 1 : 0 };
	struct dbg_section s = { .data = synth.sec, .addr = 0x1000,
				 .offset = 0x200 };
	size_t n = 0, fde;
	uint32_t v;
	int32_t rel;

	dbg_cfi_destroy(synth.obj.eh_cfi);
	memset(&synth, 0, sizeof(synth));
	memcpy(synth.sec, cie, sizeof(cie));
	n = sizeof(cie);
	memcpy(synth.sec + n, ra, sizeof(ra));
	n += sizeof(ra);
	synth.sec[0] = (uint8_t)(n - 4);
	fde = n;
	v = (uint32_t)(13 + n_prog);
	memcpy(synth.sec + n, &v, 4);
	v = (uint32_t)(fde + 4);
	memcpy(synth.sec + n + 4, &v, 4);
	rel = (int32_t)(0x2000 - (0x1000 + n + 8));
	memcpy(synth.sec + n + 8, &rel, 4);
	v = 0x100;
	memcpy(synth.sec + n + 12, &v, 4);
	synth.sec[n + 16] = 0;
	n += 17;
	assert_true(n + n_prog <= sizeof(synth.sec));
	if (n_prog > 0)
		memcpy(synth.sec + n, prog, n_prog);
	n += n_prog;
	s.size = n;
	assert_null(dbg_cfi_create_raw(&s, NULL, "synth", true, false, 8,
				       &synth.obj.eh_cfi));
	/* objfile.c hands out what is there once "tried" */
	synth.obj.eh_cfi_tried = true;
	synth.obj.debug_cfi_tried = true;
}

static struct dbg_objfile *
synth_find(void *arg, uint64_t pc, uint64_t *bias)
{
	(void)arg;
	if (pc < CODE || pc >= CODE + 0x100)
		return NULL;
	*bias = BIAS;
	return &synth.obj;
}

static const struct dbg_unwind_ops synth_ops = {
	.read = mem_read, .read_arg = NULL,
	.find = synth_find, .find_arg = NULL,
};

static void
synth_regs(struct dump_regs *r, uint64_t pc, uint64_t sp)
{
	memset(r, 0, sizeof(*r));
	dump_regs_set(r, 16, pc);
	dump_regs_set(r, 7, sp);
	dump_regs_set(r, 3, 0xb0b);	/* rbx: no rule, kept */
}

static int
synth_teardown(void **state)
{
	(void)state;
	dbg_cfi_destroy(synth.obj.eh_cfi);
	synth.obj.eh_cfi = NULL;
	return 0;
}

static void
test_unwind__synthetic_chain(void **state)
{
	struct dbg_raw_frame *f = NULL;
	struct dump_regs regs;
	const char *stop = NULL;
	size_t n = 0;

	(void)state;
	synth_build(8, NULL, 0);
	memset(mem, 0, sizeof(mem));
	mem_word(0x7000, CODE + 0x20);
	mem_word(0x7008, CODE + 0x30);
	mem_word(0x7010, 0);
	synth_regs(&regs, CODE + 0x10, 0x7000);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 3);
	assert_int_equal(f[0].pc, CODE + 0x10);
	assert_true(f[0].exact_pc);
	assert_int_equal(f[0].cfa, 0x7008);
	assert_int_equal(f[1].pc, CODE + 0x20);
	assert_false(f[1].exact_pc);
	assert_int_equal(f[1].regs.value[7], 0x7008);
	assert_true(dump_regs_has(&f[2].regs, 3));
	assert_int_equal(f[2].regs.value[3], 0xb0b);
	assert_string_equal(stop, "end of stack (pc is zero)");
	lpd_free(f);

	/* max_frames */
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 2, &f, &n,
				    &stop));
	assert_int_equal(n, 2);
	assert_string_equal(stop, "frame limit reached");
	lpd_free(f);

	/* the stack runs off readable memory */
	synth_regs(&regs, CODE + 0x10, 0x7100);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 1);
	assert_non_null(strstr(stop, "cannot read memory"));
	lpd_free(f);
}

static void
test_unwind__stop_rules(void **state)
{
	static const uint8_t undef_ra[] = { 0x07, 16 };
	struct dbg_raw_frame *f = NULL;
	struct dump_regs regs;
	const char *stop = NULL;
	size_t n = 0;

	(void)state;
	/* DW_CFA_undefined on the RA column: the outermost frame */
	synth_build(8, undef_ra, sizeof(undef_ra));
	synth_regs(&regs, CODE + 0x10, 0x7000);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 1);
	assert_string_equal(stop, "end of stack (return address undefined)");
	lpd_free(f);

	/* CFA = sp, ra at [sp] pointing at itself: no progress */
	synth_build(0, NULL, 0);
	memset(mem, 0, sizeof(mem));
	mem_word(0x7000, CODE + 0x10);
	synth_regs(&regs, CODE + 0x10, 0x7000);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 1);
	assert_string_equal(stop, "CFA did not move (unwinding loop)");
	lpd_free(f);

	/* same sp, different pcs: allowed a few times only */
	mem_word(0x7000, CODE + 0x11);
	synth_regs(&regs, CODE + 0x10, 0x7000);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_true(n <= 6);
	assert_string_equal(stop, "CFA did not move (unwinding loop)");
	lpd_free(f);

	/* no CFI, no frame pointer */
	synth_regs(&regs, 0x9000, 0x7000);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 1);
	assert_string_equal(stop, "no unwind information for pc");
	lpd_free(f);
}

static void
test_unwind__fallbacks(void **state)
{
	struct dbg_raw_frame *f = NULL;
	struct dump_regs regs;
	const char *stop = NULL;
	size_t n = 0;

	(void)state;
	synth_build(8, NULL, 0);
	memset(mem, 0, sizeof(mem));
	/* frame 0 in code without CFI, rbp chain: [rbp] = 0, [rbp+8] = ra */
	mem_word(0x7020, 0);
	mem_word(0x7028, CODE + 0x40);
	mem_word(0x7030, 0);		/* then CFI: ra at [0x7030] */
	synth_regs(&regs, 0x9000, 0x7000);
	dump_regs_set(&regs, 6, 0x7020);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 2);
	assert_int_equal(f[1].pc, CODE + 0x40);
	assert_int_equal(f[1].regs.value[7], 0x7030);
	assert_int_equal(f[0].cfa, 0x7030);
	lpd_free(f);

	/* a pc of 0 (a call through NULL) in frame 0 still gets a frame */
	synth_regs(&regs, 0, 0x7000);
	assert_null(dbg_unwind_regs(x86_64(), &synth_ops, &regs, 0, &f, &n,
				    &stop));
	assert_int_equal(n, 1);
	assert_int_equal(f[0].pc, 0);
	lpd_free(f);
}

/* ---- real cores ---------------------------------------------------------------- */

static const char crash_prog[] =
	"#include <pthread.h>\n"
	"#include <signal.h>\n"
	"#include <stdatomic.h>\n"
	"#include <string.h>\n"
	"#include <unistd.h>\n"
	"static atomic_int ready;\n"
	"static volatile int *volatile bad;\n"
	"volatile int sink;\n"
	"#define NOINLINE __attribute__((noinline))\n"
	"#define KEEP() __asm__ volatile(\"\" ::: \"memory\")\n"
	"NOINLINE static void crash(int depth)\n"
	"{ if (depth > 0) { crash(depth - 1); KEEP(); return; }\n"
	"  *bad = 42; KEEP(); }\n"
	"NOINLINE static void handler_inner(int sig)\n"
	"{ char buf[64]; memset(buf, sig, sizeof buf); sink = buf[sig & 63];\n"
	"  crash(2); KEEP(); }\n"
	"static void handler(int sig) { handler_inner(sig); KEEP(); }\n"
	"NOINLINE static void wait_here(int n)\n"
	"{ atomic_fetch_add(&ready, 1); for (;;) pause(); sink = n; }\n"
	"NOINLINE static void t_level2(int n) { wait_here(n + 1); KEEP(); }\n"
	"NOINLINE static void t_level1(int n) { t_level2(n + 1); KEEP(); }\n"
	"static void *thread_main(void *arg)\n"
	"{ t_level1((int)(long)arg); return NULL; }\n"
	"NOINLINE static void m_level3(int n)\n"
	"{ sink = n; raise(SIGUSR1); KEEP(); }\n"
	"NOINLINE static void m_level2(int n) { m_level3(n * 2); KEEP(); }\n"
	"NOINLINE static void m_level1(int n) { m_level2(n + 3); KEEP(); }\n"
	"int main(void)\n"
	"{ pthread_t t[2]; struct sigaction sa;\n"
	"  memset(&sa, 0, sizeof sa); sa.sa_handler = handler;\n"
	"  sigaction(SIGUSR1, &sa, NULL);\n"
	"  for (long i = 0; i < 2; i++)\n"
	"    pthread_create(&t[i], NULL, thread_main, (void *)i);\n"
	"  while (atomic_load(&ready) < 2) usleep(1000);\n"
	"  usleep(20000); m_level1(1); return 0; }\n";

static char tmpdir[256];

/* eu-stack's answer for one core: pcs per tid. */
struct eu_thread {
	int tid;
	uint64_t pcs[256];
	size_t n;
};

struct core_case {
	const char *name;	/* "eh", "debug_frame", "fp" */
	const char *cflags;
	char exe[300], core[600];
	struct eu_thread threads[8];
	size_t n_threads;
	bool ready;
};

static struct core_case cases[] = {
	{ .name = "eh", .cflags = "-O2 -g" },
	{ .name = "df", .cflags = "-O2 -g -fno-asynchronous-unwind-tables" },
	{ .name = "fp", .cflags = "-O2 -fno-asynchronous-unwind-tables "
				  "-fno-omit-frame-pointer "
				  "-fno-optimize-sibling-calls" },
};

static int
run(const char *fmt, ...) LPD_PRINTF(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static bool
core_pattern_is_pipe(void)
{
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
	int c;

	if (f == NULL)
		return false;
	c = fgetc(f);
	fclose(f);
	return c == '|';
}

static bool
find_core(const char *dir, char *out, size_t size)
{
	char cmd[400], name[64];
	FILE *p;
	bool ok;

	snprintf(cmd, sizeof(cmd), "ls -t '%s' | grep '^core' | head -1", dir);
	p = popen(cmd, "r");
	if (p == NULL)
		return false;
	ok = fgets(name, sizeof(name), p) != NULL;
	pclose(p);
	if (!ok)
		return false;
	name[strcspn(name, "\n")] = '\0';
	snprintf(out, size, "%s/%s", dir, name);
	return true;
}

static bool
eu_stack(struct core_case *c)
{
	char cmd[1200], line[512];
	struct eu_thread *t = NULL;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "eu-stack -q -b -n 0 --core '%s' -e '%s' "
		 "2>/dev/null", c->core, c->exe);
	p = popen(cmd, "r");
	if (p == NULL)
		return false;
	while (fgets(line, sizeof(line), p) != NULL) {
		unsigned long long pc;
		int tid, no;

		if (sscanf(line, "TID %d:", &tid) == 1 &&
		    c->n_threads < 8) {
			t = &c->threads[c->n_threads++];
			t->tid = tid;
			t->n = 0;
		} else if (t != NULL &&
			   sscanf(line, "#%d 0x%llx", &no, &pc) == 2 &&
			   t->n < 256) {
			t->pcs[t->n++] = pc;
		}
	}
	pclose(p);
	return c->n_threads > 0;
}

static void
make_case(struct core_case *c)
{
	char dir[280], src[300];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, c->name);
	snprintf(src, sizeof(src), "%s/prog.c", dir);
	snprintf(c->exe, sizeof(c->exe), "%s/prog", dir);
	if (run("mkdir -p '%s'", dir) != 0)
		return;
	f = fopen(src, "w");
	if (f == NULL)
		return;
	fputs(crash_prog, f);
	fclose(f);
	if (run("cc %s -pthread -o '%s' '%s'", c->cflags, c->exe, src) != 0)
		return;
	if (core_pattern_is_pipe())
		run("cd '%s' && gdb -q -batch -ex run -ex 'generate-core-file "
		    "core' --args ./prog >/dev/null 2>&1", dir);
	else
		run("cd '%s' && sh -c 'ulimit -c unlimited; exec ./prog' "
		    ">/dev/null 2>&1", dir);
	if (!find_core(dir, c->core, sizeof(c->core)))
		return;
	c->ready = eu_stack(c);
}

static int
cores_setup(void **state)
{
	size_t i;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lpd-test-unwind-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		make_case(&cases[i]);
	return 0;
}

static int
cores_teardown(void **state)
{
	(void)state;
	synth_teardown(state);
	if (tmpdir[0] != '\0' && run("rm -rf '%s'", tmpdir) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return 0;
}

/* Objects of one core, opened by the path the process saw. */
struct objs {
	struct dump *dump;
	struct {
		char *path;
		struct dbg_objfile *obj;
	} items[32];
	size_t n;
};

static struct dbg_objfile *
objs_find(void *arg, uint64_t pc, uint64_t *bias)
{
	struct objs *o = arg;
	const struct dump_module *m = dump_module_by_addr(o->dump, pc);
	struct dbg_objfile *obj;
	struct dbg_elf *elf = NULL;
	struct lpd_error *err;
	size_t i;

	if (m == NULL || m->is_vdso)
		return NULL;
	*bias = m->bias;
	for (i = 0; i < o->n; i++) {
		if (strcmp(o->items[i].path, m->path) == 0)
			return o->items[i].obj;
	}
	if (o->n == 32)
		return NULL;
	err = dbg_elf_open(m->path, &elf);
	if (err != NULL) {
		lpd_error_destroy(err);
		return NULL;
	}
	obj = lpd_calloc(1, sizeof(*obj));
	assert_non_null(obj);
	obj->elf = elf;
	obj->debug = elf;
	o->items[o->n].path = lpd_strdup(m->path);
	o->items[o->n].obj = obj;
	o->n++;
	return obj;
}

static void
objs_free(struct objs *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		dbg_cfi_destroy(o->items[i].obj->eh_cfi);
		dbg_cfi_destroy(o->items[i].obj->debug_cfi);
		dbg_elf_destroy(o->items[i].obj->elf);
		lpd_free(o->items[i].obj);
		lpd_free(o->items[i].path);
	}
	o->n = 0;
}

static void
check_core(struct core_case *c)
{
	struct objs o = { 0 };
	struct dbg_unwind_ops ops = {
		.read = dump_read_cb, .find = objs_find, .find_arg = &o,
	};
	struct lpd_error *err;
	size_t i, k, n_sig = 0;

	if (!c->ready) {
		print_message("no core or eu-stack output for case %s\n",
			      c->name);
		skip();
	}
	err = dump_open(c->core, &o.dump);
	if (err != NULL)
		fail_msg("%s", err->message);
	ops.read_arg = o.dump;
	assert_int_equal(dump_thread_count(o.dump), c->n_threads);
	for (i = 0; i < dump_thread_count(o.dump); i++) {
		const struct eu_thread *t = NULL;
		struct dbg_raw_frame *f = NULL;
		const char *stop = NULL;
		size_t n = 0;

		for (k = 0; k < c->n_threads; k++) {
			if (c->threads[k].tid == dump_thread_tid(o.dump, i))
				t = &c->threads[k];
		}
		assert_non_null(t);
		err = dbg_unwind_regs(dump_get_arch(o.dump), &ops,
				      dump_thread_regs(o.dump, i), 0, &f, &n,
				      &stop);
		assert_null(err);
		for (k = 0; k < n || k < t->n; k++) {
			if (k < n && k < t->n && f[k].pc == t->pcs[k])
				continue;
			print_error("%s: tid %d frame %zu: ours 0x%llx, eu-stack "
				    "0x%llx (ours stopped: %s)\n", c->name,
				    t->tid, k, k < n ? (unsigned long long)
				    f[k].pc : 0ULL, k < t->n ?
				    (unsigned long long)t->pcs[k] : 0ULL,
				    stop);
			fail();
		}
		/* __restore_rt's frame is the signal frame; the frame it
		 * interrupted has an exact pc */
		for (k = 0; k + 1 < n; k++) {
			if (f[k].is_signal) {
				n_sig++;
				assert_true(f[k + 1].exact_pc);
			}
		}
		assert_true(n >= 5);
		assert_non_null(stop);
		lpd_free(f);
	}
	assert_int_equal(n_sig, 1);
	print_message("%s: %zu threads match eu-stack\n", c->name,
		      c->n_threads);
	objs_free(&o);
	dump_destroy(o.dump);
}

static void
test_unwind__core_eh_frame(void **state)
{
	(void)state;
	check_core(&cases[0]);
}

static void
test_unwind__core_debug_frame(void **state)
{
	(void)state;
	check_core(&cases[1]);
}

static void
test_unwind__core_frame_pointers(void **state)
{
	(void)state;
	check_core(&cases[2]);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwind__synthetic_chain),
		cmocka_unit_test(test_unwind__stop_rules),
		cmocka_unit_test(test_unwind__fallbacks),
		cmocka_unit_test(test_unwind__core_eh_frame),
		cmocka_unit_test(test_unwind__core_debug_frame),
		cmocka_unit_test(test_unwind__core_frame_pointers),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("debugger/unwind", tests,
					   cores_setup, cores_teardown);
}
