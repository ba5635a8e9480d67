/* plugins/backup.c - the VIOS-proxied backup (issue 11) seen from a dump
 * of vios-vdisk: how far the running backup had got (blocks sent, acked,
 * to send), its snapshot id, the block in flight, the copy-on-write saves
 * held for the client's writes, the blocks changed since the backup
 * began, and the connection and resume state, as facts.
 *
 * Like plugins/messaging.c it uses the host API only: the running backup
 * is found through the global vdisk_debug_root and laid out by the core's
 * own DWARF (struct backup_run and struct disk in
 * services/backup/vios-vdisk.c). Every byte of the dump is untrusted:
 * counts are bounded before they size a loop and strings are read byte by
 * byte up to a limit. */
#include <stdio.h>
#include <string.h>

#include "plugins/plugin.h"

#define BK_PLUGIN_VERSION "1.0"
#define BK_NAME_MAX 65		/* BK_MAX_NAME + 1 in backup.h */
#define BK_BLOCKS_MAX (1ull << 26)	/* BK_MAX_BLOCKS: more is corrupt */
#define BK_SCAN 65536		/* dirty-map bytes read at once */

/* Fields of struct backup_run the plugin reads, in this order. */
enum {
	R_DISK, R_ID, R_NSEND, R_SEQ, R_ACKED, R_RESUMES, R_BYTES,
	R_CHUNK_LEN, R_CHUNK_INDEX, R_RESUME_ACKED, R_RESUME_SEQ, R_SFD,
	R_COUNT
};
static const char *const run_fields[R_COUNT] = {
	"d", "id", "nsend", "seq", "acked", "resumes", "bytes_sent",
	"chunk_len", "chunk_index", "resume_acked", "resume_seq", "sfd",
};

enum { D_NAME, D_SIZE, D_NBLOCKS, D_BS, D_DIRTY, D_COW, D_COUNT };
static const char *const disk_fields[D_COUNT] = {
	"name", "size", "nblocks", "bs", "dirty", "cow_blocks",
};

struct bk_run {
	const struct lpd_plugin_host *h;
	const struct lpd_plugin_target *t;
	struct lpd_plugin_facts *out;
	struct lpd_plugin_field run[R_COUNT];
	struct lpd_plugin_field disk[D_COUNT];
	uint64_t run_size, disk_size;
};

static bool
bk_match(void *state, const struct lpd_plugin_target *t)
{
	static const char *const need[] = { "vdisk_debug_root" };

	return lpd_plugin_has_symbols(lpd_plugin_state_host(state), t, need,
				      sizeof(need) / sizeof(need[0]));
}

/* Reads go through the host, which knows the target's byte order. */
static struct lpd_error *
bk_field(struct bk_run *r, uint64_t base, const struct lpd_plugin_field *f,
	 uint64_t *ret)
{
	return lpd_plugin_read_field(r->h, r->t, base, f, ret);
}

/* The disk's name: a char array inside struct disk, NUL-terminated within
 * the array or cut at its end. */
static struct lpd_error *
bk_read_name(struct bk_run *r, uint64_t addr, uint64_t cap, char *buf)
{
	struct lpd_error *err;
	uint64_t i;

	if (cap > BK_NAME_MAX)
		cap = BK_NAME_MAX;
	for (i = 0; i + 1 < cap; i++) {
		if ((err = r->h->read_memory(r->t, addr + i, &buf[i], 1)))
			return err;
		if (buf[i] == '\0')
			return NULL;
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	}
	buf[i] = '\0';
	return NULL;
}

/* Blocks marked in the dirty map of NBLOCKS bytes at ADDR: the blocks
 * written since the backup took its point in time. */
static struct lpd_error *
bk_count_dirty(struct bk_run *r, uint64_t addr, uint64_t nblocks,
	       uint64_t *ret)
{
	static uint8_t buf[BK_SCAN];
	struct lpd_error *err;

	*ret = 0;
	for (uint64_t off = 0; off < nblocks; off += BK_SCAN) {
		size_t n = nblocks - off < BK_SCAN ? (size_t)(nblocks - off) :
			   BK_SCAN;

		if ((err = r->h->read_memory(r->t, addr + off, buf, n)))
			return err;
		for (size_t i = 0; i < n; i++)
			*ret += buf[i] != 0;
	}
	return NULL;
}

static struct lpd_error *
bk_layout(struct bk_run *r)
{
	struct lpd_error *err;
	size_t i;

	for (i = 0; i < R_COUNT; i++)
		r->run[i].name = run_fields[i];
	for (i = 0; i < D_COUNT; i++)
		r->disk[i].name = disk_fields[i];
	if ((err = r->h->find_type(r->t, "struct backup_run", r->run,
				   R_COUNT, &r->run_size)) != NULL ||
	    (err = r->h->find_type(r->t, "struct disk", r->disk, D_COUNT,
				   &r->disk_size)) != NULL)
		return err;
	return NULL;
}

#define STR(s) ((struct lpd_plugin_arg){ .str = (s) })
#define NUM(v) ((struct lpd_plugin_arg){ .num = (double)(v) })

static struct lpd_error *
bk_emit(struct bk_run *r, const char *pred, const struct lpd_plugin_arg *a,
	size_t n)
{
	return r->h->emit_fact(r->out, pred, a, n);
}

static struct lpd_error *
bk_analyze(void *state, const struct lpd_plugin_target *t,
	   struct lpd_plugin_facts *out)
{
	struct bk_run r = {
		.h = lpd_plugin_state_host(state), .t = t, .out = out,
	};
	struct lpd_error *err;
	uint64_t root, run, v[R_COUNT], dv[D_COUNT], changed;
	char name[BK_NAME_MAX];

	if ((err = r.h->find_symbol(t, "vdisk_debug_root", &root)) != NULL ||
	    (err = r.h->read_uint(r.t, root, 8, &run)) != NULL)
		return err;
	if (run == 0)	/* no backup was running: nothing more to say */
		return bk_emit(&r, "backup_idle", NULL, 0);
	if ((err = bk_layout(&r)) != NULL)
		return err;
	for (size_t k = 0; k < R_COUNT; k++)
		if ((err = bk_field(&r, run, &r.run[k], &v[k])) != NULL)
			return err;
	for (size_t k = 0; k < D_COUNT; k++)
		if (k != D_NAME &&
		    (err = bk_field(&r, v[R_DISK], &r.disk[k], &dv[k])) != NULL)
			return err;
	if ((err = bk_read_name(&r, v[R_DISK] + r.disk[D_NAME].offset,
				r.disk[D_NAME].size, name)) != NULL)
		return err;
	if (dv[D_NBLOCKS] > BK_BLOCKS_MAX || v[R_NSEND] > dv[D_NBLOCKS] ||
	    v[R_SEQ] > v[R_NSEND] + 1 || v[R_ACKED] > v[R_NSEND])
		return r.h->error_format(LPD_PLUGIN_ERR_BAD_INPUT,
					 "backup of %s: %llu blocks, %llu to "
					 "send, %llu sent, %llu acked: corrupt",
					 name,
					 (unsigned long long)dv[D_NBLOCKS],
					 (unsigned long long)v[R_NSEND],
					 (unsigned long long)v[R_SEQ],
					 (unsigned long long)v[R_ACKED]);
	if ((err = bk_count_dirty(&r, dv[D_DIRTY], dv[D_NBLOCKS],
				  &changed)) != NULL)
		return err;
	/* The struct's sfd is a C int: sign-extend it. */
	bool connected = r.run[R_SFD].size == 4 ?
			 (int32_t)(uint32_t)v[R_SFD] >= 0 :
			 (int64_t)v[R_SFD] >= 0;
	struct { const char *pred; struct lpd_plugin_arg a[4]; size_t n; }
	facts[] = {
		{ "backup_disk", { STR(name), NUM(dv[D_SIZE]), NUM(dv[D_BS]),
				   NUM(dv[D_NBLOCKS]) }, 4 },
		{ "backup_progress", { NUM(v[R_SEQ]), NUM(v[R_ACKED]),
				       NUM(v[R_NSEND]) }, 3 },
		{ "backup_snapshot", { NUM(v[R_ID]) }, 1 },
		{ "backup_bytes", { NUM(v[R_BYTES]) }, 1 },
		{ "backup_cow", { NUM(dv[D_COW]) }, 1 },
		{ "backup_changed", { NUM(changed) }, 1 },
		{ "backup_connection", { STR(connected ? "connected" :
					     "reconnecting"),
					 NUM(v[R_RESUMES]) }, 2 },
	};
	for (size_t k = 0; k < sizeof(facts) / sizeof(facts[0]); k++)
		if ((err = bk_emit(&r, facts[k].pred, facts[k].a,
				   facts[k].n)) != NULL)
			return err;
	/* A chunk was read for sending: the one in flight. */
	if (v[R_CHUNK_LEN] != 0) {
		struct lpd_plugin_arg a[] = { NUM(v[R_CHUNK_INDEX]),
					      NUM(v[R_CHUNK_LEN]) };

		if ((err = bk_emit(&r, "backup_inflight", a, 2)) != NULL)
			return err;
	}
	if (v[R_RESUMES] > 0) {
		struct lpd_plugin_arg a[] = { NUM(v[R_RESUME_SEQ]),
					      NUM(v[R_RESUME_ACKED]) };

		if ((err = bk_emit(&r, "backup_resume", a, 2)) != NULL)
			return err;
	}
	return NULL;
}

/* A resumed stream must go on from the first block the server lacks:
 * anything else skips or repeats blocks (the resume-off-by-one bug). */
static const char bk_rules[] =
	"% plugin backup: facts backup_idle(D), backup_disk(D, Name, Size,\n"
	"%   BlockSize, Blocks), backup_progress(D, Sent, Acked, Total),\n"
	"% backup_snapshot(D, Id), backup_bytes(D, Bytes), backup_cow(D, N),\n"
	"% backup_changed(D, N), backup_connection(D, State, Resumes),\n"
	"% backup_inflight(D, Block, Len), backup_resume(D, Offset, Acked).\n"
	".show backup_resume_gap.\n"
	".show backup_unacked.\n"
	"backup_resume_gap(D, Acked, Offset) :- backup_resume(D, Offset, Acked),\n"
	"\tOffset != Acked.\n"
	"backup_unacked(D, N) :- backup_progress(D, S, A, T), N = S - A,\n"
	"\tN > 0.\n";

const struct lpd_plugin plugin_backup = {
	.abi_version = LPD_PLUGIN_ABI,
	.size = sizeof(struct lpd_plugin),
	.name = "backup",
	.version = BK_PLUGIN_VERSION,
	.rules = bk_rules,
	.init = lpd_plugin_init_host,
	.match = bk_match,
	.analyze = bk_analyze,
};
