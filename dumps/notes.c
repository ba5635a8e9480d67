/* dumps/notes.c - parse a core's PT_NOTE notes: threads and registers
 * (NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE), process, signal, auxv and
 * mapped files. Layouts come from the arch table's sizes and byte order. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dumps/dumps-int.h"

/* Parsing context of one note. */
struct note {
	const char *name;	/* not NUL-terminated: namesz bytes */
	uint32_t namesz;
	uint32_t type;
	const uint8_t *desc;
	uint32_t descsz;
	uint64_t desc_off;	/* of desc in the core */
	uint64_t note_off;	/* of the note header */
};

static bool
note_named(const struct note *n, const char *want)
{
	size_t len = strlen(want);
	size_t have = strnlen(n->name, n->namesz);

	return have == len && memcmp(n->name, want, len) == 0;
}

static void
note_reader(struct dump *d, const struct note *n, struct lpd_reader *ret)
{
	lpd_reader_init(ret, n->desc, n->descsz, d->big_endian, d->path,
			n->desc_off);
}

static uint64_t
load_word(const struct dump *d, const uint8_t *p)
{
	return d->addr_size == 8 ? lpd_load_u64(p, d->big_endian)
				 : lpd_load_u32(p, d->big_endian);
}

static int32_t
load_s32(const struct dump *d, const uint8_t *p)
{
	return (int32_t)lpd_load_u32(p, d->big_endian);
}

static struct lpd_error *
note_prstatus(struct dump *d, const struct note *n)
{
	const struct dump_arch *a = d->arch;
	size_t need = a->prstatus_reg_offset + a->prstatus_reg_size;
	size_t pid_off = 16 + 2 * (size_t)d->addr_size;
	struct dump_thread *t;
	struct lpd_error *err;

	d->note_thread = 0;
	if (pid_off + 4 > need)
		need = pid_off + 4;
	if (n->descsz < need) {
		dump_warn_at(d, n->note_off, "NT_PRSTATUS size 0x%" PRIx32
			     " too small (expected 0x%zx); thread ignored",
			     n->descsz, a->prstatus_size);
		return NULL;
	}
	if (n->descsz != a->prstatus_size)
		dump_warn_at(d, n->note_off, "NT_PRSTATUS size 0x%" PRIx32
			     ", expected 0x%zx", n->descsz, a->prstatus_size);
	err = lpd_vec_reserve((void **)&d->threads, &d->threads_cap,
			      d->nthreads + 1, sizeof(*d->threads));
	if (err != NULL)
		return err;
	t = &d->threads[d->nthreads];
	memset(t, 0, sizeof(*t));
	t->cursig = (int16_t)lpd_load_u16(n->desc + 12, d->big_endian);
	t->tid = load_s32(d, n->desc + pid_off);
	a->regs_from_prstatus(n->desc + a->prstatus_reg_offset,
			      d->big_endian, &t->regs);
	d->note_thread = ++d->nthreads;
	return NULL;
}

static void
note_thread_extra(struct dump *d, const struct note *n, const char *what,
		  bool xstate)
{
	struct dump_thread *t;

	if (d->note_thread == 0) {
		dump_warn_at(d, n->note_off, "%s without a preceding "
			     "NT_PRSTATUS; ignored", what);
		return;
	}
	t = &d->threads[d->note_thread - 1];
	if (xstate) {
		t->xstate = n->desc;
		t->xstate_len = n->descsz;
	} else {
		t->fpregs = n->desc;
		t->fpregs_len = n->descsz;
	}
}

static void
copy_text(char *dst, size_t dstsize, const uint8_t *src, size_t n)
{
	size_t len = strnlen((const char *)src, n);

	if (len >= dstsize)
		len = dstsize - 1;
	memcpy(dst, src, len);
	while (len > 0 && dst[len - 1] == ' ')
		len--;
	dst[len] = '\0';
}

/* struct elf_prpsinfo: 4 chars, unsigned long pr_flag, uid and gid (16 or
 * 32 bits depending on the architecture), 4 pids, fname[16], psargs[80]. */
static void
note_prpsinfo(struct dump *d, const struct note *n)
{
	size_t w = d->addr_size;
	size_t uid_size, fixed = 2 * w + 16 + 16 + 80;
	struct dump_process *p = &d->process;
	const uint8_t *q = n->desc;
	size_t off;

	if (d->has_process) {
		dump_warn_at(d, n->note_off, "second NT_PRPSINFO ignored");
		return;
	}
	/* 64-bit kernels use 32-bit ids; 32-bit ones either. */
	if (w == 8 || n->descsz >= fixed + 8)
		uid_size = 4;
	else
		uid_size = 2;
	if (n->descsz < fixed + 2 * uid_size) {
		dump_warn_at(d, n->note_off, "NT_PRPSINFO size 0x%" PRIx32
			     " too small (expected 0x%zx); ignored",
			     n->descsz, fixed + 2 * uid_size);
		return;
	}
	memset(p, 0, sizeof(*p));
	p->state = (char)q[1];
	off = 2 * w;
	if (uid_size == 4) {
		p->uid = lpd_load_u32(q + off, d->big_endian);
		p->gid = lpd_load_u32(q + off + 4, d->big_endian);
	} else {
		p->uid = lpd_load_u16(q + off, d->big_endian);
		p->gid = lpd_load_u16(q + off + 2, d->big_endian);
	}
	off += 2 * uid_size;
	p->pid = load_s32(d, q + off);
	p->ppid = load_s32(d, q + off + 4);
	p->pgrp = load_s32(d, q + off + 8);
	p->sid = load_s32(d, q + off + 12);
	off += 16;
	copy_text(p->fname, sizeof(p->fname), q + off, 16);
	copy_text(p->args, sizeof(p->args), q + off + 16, 80);
	d->has_process = true;
}

static bool
signal_has_addr(int signo)
{
	switch (signo) {
	case 4:		/* SIGILL */
	case 5:		/* SIGTRAP */
	case 7:		/* SIGBUS */
	case 8:		/* SIGFPE */
	case 11:	/* SIGSEGV */
		return true;
	default:
		return false;
	}
}

/* siginfo_t: si_signo, si_errno, si_code, then the union, aligned to the
 * word size; its first member for faults is si_addr. */
static void
note_siginfo(struct dump *d, const struct note *n)
{
	struct dump_siginfo si;
	size_t addr_off = d->addr_size == 8 ? 16 : 12;

	if (n->descsz < 12) {
		dump_warn_at(d, n->note_off, "NT_SIGINFO size 0x%" PRIx32
			     " too small; ignored", n->descsz);
		return;
	}
	memset(&si, 0, sizeof(si));
	si.signo = load_s32(d, n->desc);
	si.errnum = load_s32(d, n->desc + 4);
	si.code = load_s32(d, n->desc + 8);
	/* si_code <= 0 means sent by a process (kill, tgkill, sigqueue):
	 * the union then holds the sender, not a fault address. */
	if (signal_has_addr(si.signo) && si.code > 0 &&
	    n->descsz >= addr_off + d->addr_size) {
		si.has_addr = true;
		si.addr = load_word(d, n->desc + addr_off);
	}
	/* gdb writes one per thread: keep the first that names a signal. */
	if (d->has_siginfo && (d->siginfo.signo != 0 || si.signo == 0))
		return;
	d->siginfo = si;
	d->has_siginfo = true;
}

static void
note_auxv(struct dump *d, const struct note *n)
{
	if (d->auxv != NULL) {
		dump_warn_at(d, n->note_off, "second NT_AUXV ignored");
		return;
	}
	if (n->descsz % (2 * d->addr_size) != 0)
		dump_warn_at(d, n->note_off, "NT_AUXV size 0x%" PRIx32 " not "
			     "a multiple of an entry", n->descsz);
	d->auxv = n->desc;
	d->auxv_size = n->descsz - n->descsz % (2 * d->addr_size);
}

/* NT_FILE: count, page_size, count * (start, end, pgoff), count paths. */
static struct lpd_error *
note_file(struct dump *d, const struct note *n)
{
	unsigned w = d->addr_size;
	struct lpd_reader r, s;
	struct dump_mapping *maps;
	uint64_t count, page_size, i, bad = 0;
	struct lpd_error *err;
	size_t nmaps = 0;

	if (d->mappings != NULL || d->file_page_size != 0) {
		dump_warn_at(d, n->note_off, "second NT_FILE ignored");
		return NULL;
	}
	note_reader(d, n, &r);
	if ((err = lpd_reader_uN(&r, w, &count)) != NULL ||
	    (err = lpd_reader_uN(&r, w, &page_size)) != NULL) {
		dump_warn_error(d, lpd_error_prefix(err, "NT_FILE"));
		return NULL;
	}
	if (count > lpd_reader_left(&r) / (3 * w)) {
		r.pos = 0;
		dump_warn_error(d, lpd_reader_error(&r, "NT_FILE count %"
					PRIu64 " does not fit in the note "
					"(size 0x%" PRIx32 "); ignored",
					count, n->descsz));
		return NULL;
	}
	if (page_size == 0 || (page_size & (page_size - 1)) != 0) {
		r.pos = w;
		dump_warn_error(d, lpd_reader_error(&r, "NT_FILE page size "
					"0x%" PRIx64 " is not a power of two; "
					"ignored", page_size));
		return NULL;
	}
	d->file_page_size = page_size;
	if (count == 0)
		return NULL;
	maps = lpd_calloc((size_t)count, sizeof(*maps));
	if (maps == NULL)
		return &lpd_enomem;
	/* Strings follow the table. */
	note_reader(d, n, &s);
	s.pos = 2 * w + (size_t)count * 3 * w;
	for (i = 0; i < count; i++) {
		uint64_t start, end, pgoff;
		const char *path;

		/* In bounds: count was checked against the size. */
		lpd_reader_uN(&r, w, &start);
		lpd_reader_uN(&r, w, &end);
		lpd_reader_uN(&r, w, &pgoff);
		err = lpd_reader_cstr(&s, &path);
		if (err != NULL) {
			dump_warn_error(d, lpd_error_prefix(err, "NT_FILE "
					"entry %" PRIu64 " of %" PRIu64
					", rest ignored", i, count));
			break;
		}
		if (start >= end || pgoff > UINT64_MAX / page_size) {
			bad++;
			continue;
		}
		maps[nmaps].start = start;
		maps[nmaps].end = end;
		maps[nmaps].file_offset = pgoff * page_size;
		maps[nmaps].path = path;
		nmaps++;
	}
	if (bad > 0)
		dump_warn_at(d, n->desc_off, "NT_FILE: %" PRIu64 " entries "
			     "with empty ranges or huge offsets ignored", bad);
	if (nmaps == 0) {
		lpd_free(maps);
		return NULL;
	}
	d->mappings = maps;
	d->nmappings = nmaps;
	return NULL;
}

static struct lpd_error *
note_handle(struct dump *d, const struct note *n)
{
	if (note_named(n, "CORE")) {
		switch (n->type) {
		case DUMP_NT_PRSTATUS:
			return note_prstatus(d, n);
		case DUMP_NT_FPREGSET:
			note_thread_extra(d, n, "NT_FPREGSET", false);
			return NULL;
		case DUMP_NT_PRPSINFO:
			note_prpsinfo(d, n);
			return NULL;
		case DUMP_NT_SIGINFO:
			note_siginfo(d, n);
			return NULL;
		case DUMP_NT_AUXV:
			note_auxv(d, n);
			return NULL;
		case DUMP_NT_FILE:
			return note_file(d, n);
		default:
			return NULL;
		}
	}
	if (note_named(n, "LINUX") && n->type == DUMP_NT_X86_XSTATE &&
	    d->arch->e_machine == 62 /* EM_X86_64 */)
		note_thread_extra(d, n, "NT_X86_XSTATE", true);
	return NULL;
}

static size_t
pad4(size_t n)
{
	return (4 - n % 4) % 4;
}

struct lpd_error *
dump_notes_parse(struct dump *d, uint64_t offset, uint64_t size)
{
	struct lpd_reader r;
	struct lpd_error *err;

	lpd_reader_init(&r, d->map + offset, (size_t)size, d->big_endian,
			d->path, offset);
	while (lpd_reader_left(&r) > 0) {
		struct note n;
		const uint8_t *name;
		uint32_t namesz, descsz;

		n.note_off = offset + r.pos;
		if (lpd_reader_left(&r) < 12) {
			dump_warn_error(d, lpd_reader_error(&r, "truncated "
					"note header (0x%zx bytes left)",
					lpd_reader_left(&r)));
			break;
		}
		lpd_reader_u32(&r, &namesz);
		lpd_reader_u32(&r, &descsz);
		lpd_reader_u32(&r, &n.type);
		if (namesz > lpd_reader_left(&r)) {
			r.pos -= 12;
			dump_warn_error(d, lpd_reader_error(&r, "note name "
					"size 0x%" PRIx32 " runs past end of "
					"PT_NOTE (0x%zx left); rest of notes "
					"ignored", namesz,
					lpd_reader_left(&r) - 12));
			break;
		}
		lpd_reader_bytes(&r, namesz, &name);
		lpd_reader_skip(&r, pad4(namesz) < lpd_reader_left(&r)
				    ? pad4(namesz) : lpd_reader_left(&r));
		if (descsz > lpd_reader_left(&r)) {
			size_t left = lpd_reader_left(&r);

			r.pos = (size_t)(n.note_off - offset) + 4;
			dump_warn_error(d, lpd_reader_error(&r, "note desc "
					"size 0x%" PRIx32 " runs past end of "
					"PT_NOTE (0x%zx left); rest of notes "
					"ignored", descsz, left));
			break;
		}
		n.name = (const char *)name;
		n.namesz = namesz;
		n.desc_off = offset + r.pos;
		n.descsz = descsz;
		lpd_reader_bytes(&r, descsz, &n.desc);
		lpd_reader_skip(&r, pad4(descsz) < lpd_reader_left(&r)
				    ? pad4(descsz) : lpd_reader_left(&r));
		err = note_handle(d, &n);
		if (err != NULL)
			return err;
	}
	return NULL;
}

static int
mapping_cmp(const void *a, const void *b)
{
	const struct dump_mapping *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

void
dump_notes_finish(struct dump *d)
{
	if (d->nmappings > 1)
		qsort(d->mappings, d->nmappings, sizeof(*d->mappings),
		      mapping_cmp);
	if (d->nthreads == 0)
		dump_warn(d, "no NT_PRSTATUS note: the core has no threads");
}

void
dump_notes_deinit(struct dump *d)
{
	lpd_free(d->threads);
	lpd_free(d->mappings);
}

const struct dump_process *
dump_get_process(const struct dump *d)
{
	return d->has_process ? &d->process : NULL;
}

bool
dump_get_siginfo(const struct dump *d, struct dump_siginfo *ret)
{
	if (!d->has_siginfo)
		return false;
	*ret = d->siginfo;
	return true;
}

bool
dump_fault_signal(const struct dump *d, struct dump_siginfo *ret)
{
	int signo;

	if (d->has_siginfo && d->siginfo.signo > 0) {
		*ret = d->siginfo;
		return true;
	}
	if (d->nthreads == 0)
		return false;
	signo = dump_thread_signal(d, dump_crashed_thread(d));
	if (signo <= 0)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->signo = signo;
	return true;
}

size_t
dump_thread_count(const struct dump *d)
{
	return d->nthreads;
}

int
dump_thread_tid(const struct dump *d, size_t i)
{
	return i < d->nthreads ? d->threads[i].tid : 0;
}

int
dump_thread_signal(const struct dump *d, size_t i)
{
	return i < d->nthreads ? d->threads[i].cursig : 0;
}

const struct dump_regs *
dump_thread_regs(const struct dump *d, size_t i)
{
	return i < d->nthreads ? &d->threads[i].regs : NULL;
}

const uint8_t *
dump_thread_fpregs(const struct dump *d, size_t i, size_t *len)
{
	if (i >= d->nthreads || d->threads[i].fpregs == NULL) {
		*len = 0;
		return NULL;
	}
	*len = d->threads[i].fpregs_len;
	return d->threads[i].fpregs;
}

const uint8_t *
dump_thread_xstate(const struct dump *d, size_t i, size_t *len)
{
	if (i >= d->nthreads || d->threads[i].xstate == NULL) {
		*len = 0;
		return NULL;
	}
	*len = d->threads[i].xstate_len;
	return d->threads[i].xstate;
}

size_t
dump_crashed_thread(const struct dump *d)
{
	size_t i;

	for (i = 0; i < d->nthreads; i++)
		if (d->threads[i].cursig != 0)
			return i;
	return 0;
}

bool
dump_auxv(const struct dump *d, uint64_t type, uint64_t *ret)
{
	size_t w = d->addr_size, off;

	for (off = 0; off + 2 * w <= d->auxv_size; off += 2 * w) {
		uint64_t t = load_word(d, d->auxv + off);

		if (t == DUMP_AT_NULL)
			break;
		if (t == type) {
			*ret = load_word(d, d->auxv + off + w);
			return true;
		}
	}
	return false;
}

size_t
dump_mapping_count(const struct dump *d)
{
	return d->nmappings;
}

const struct dump_mapping *
dump_mapping(const struct dump *d, size_t i)
{
	return i < d->nmappings ? &d->mappings[i] : NULL;
}
