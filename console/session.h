/* console/session.h - the console's model (struct con_session): the
 * cluster catalog (cluster -> nodes -> LPARs -> dumps, keyed by stable
 * uint64_t tags), the loaded targets, the selection (dump, thread, frame),
 * the marks, the last comparison, the status message and dirty flags.
 * Only commands mutate it; views read it. */
#ifndef LPD_CONSOLE_SESSION_H
#define LPD_CONSOLE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/lpd.h"
#include "console/align.h"
#include "console/console-int.h"
#include "debugger/debugger.h"
#include "repo/repo.h"

/* What changed since the views last looked; views update on their bits. */
enum con_dirty {
	CON_DIRTY_TREE = 1 << 0,	/* catalog, marks, load states */
	CON_DIRTY_TARGET = 1 << 1,	/* selected dump, thread or frame */
	CON_DIRTY_COMPARE = 1 << 2,
	CON_DIRTY_OUTPUT = 1 << 3,
	CON_DIRTY_STATUS = 1 << 4,
	CON_DIRTY_ALL = 0xff,
};

/* Requests from commands to the TUI (focus and overlays are view state,
 * but keys are commands, so the command asks and the TUI does). */
enum con_ui {
	CON_UI_QUIT = 1 << 0,
	CON_UI_HELP = 1 << 1,
	CON_UI_FOCUS = 1 << 2,		/* ui_arg: pane name, next, prev */
	CON_UI_CMDLINE = 1 << 3,	/* ui_arg: text to start the line */
	CON_UI_REDRAW = 1 << 4,
};

enum con_kind { CON_CLUSTER, CON_NODE, CON_LPAR, CON_DUMP };

struct con_dump;

/* A remote dump's frame as the agent on its node reads it: what the
 * registers and values panes show in place of a local target's. */
struct con_rreg {
	char *name;
	uint64_t value;
	bool known;			/* false: <not saved> */
};

struct con_rvar {
	char *name;
	char *text;			/* as print shows it */
	bool is_arg;
};

struct con_rframe {
	size_t frame;			/* which frame of the crashed thread */
	struct con_rreg *regs;		/* as the agent orders them */
	size_t n_regs, n_general;	/* the first n_general: up to the pc */
	struct con_rvar *vars;		/* args first, then locals */
	size_t n_vars;
	char *error;			/* set: the agent could not say */
};

void con_rframe_destroy(struct con_rframe *f);

/* How a dump on another node is reached (a con_report's remote): through
 * the agent there, so that its core never crosses the network. */
struct con_remote_ops {
	/** Open dump D there and fill its crashed thread's frames
	 * (con_dump_set_frames()), signo, pid and process. Called on each
	 * load and select, so a lost node shows at once. */
	struct lpd_error *(*load)(void *arg, struct con_dump *d);
	/** Run console command LINE (bt, info, print...) on D there, in
	 * FRAME of its crashed thread; *RET the text it printed (caller
	 * owns). */
	struct lpd_error *(*command)(void *arg, struct con_dump *d,
				     size_t frame, const char *line,
				     char **ret);
	/** Registers, arguments and locals of FRAME of D's crashed thread
	 * there. Caller owns *RET; free with con_rframe_destroy(). */
	struct lpd_error *(*frame)(void *arg, struct con_dump *d,
				   size_t frame, struct con_rframe **ret);
};

enum con_load {
	CON_LOAD_PENDING,
	CON_LOAD_DONE,
	CON_LOAD_FAILED,
	CON_LOAD_CANCELLED,	/* Ctrl-C during the load; retried on use */
};

struct con_dump {
	char *id;			/* stable id from the catalog source */
	char *core, *exe;		/* local paths; exe may be NULL */
	int64_t time;			/* when taken (core mtime), 0 unknown */
	enum con_load load;
	char *error;			/* CON_LOAD_FAILED: why */
	char *hash;			/* a repository dump: its hash, checked
					 * out (core, image) when loaded */
	struct repo_checkout checkout;
	struct dbg_target *target;
	struct dbg_stack *crash_stack;	/* crashed thread, for the tree and
					 * the compare view */
	size_t crashed;			/* thread index */
	int signo;
	int pid;
	char process[17];
	struct repo *repo;		/* borrowed; NULL: the session's */
	const struct con_remote_ops *remote;	/* NULL: a local dump */
	void *remote_arg;
	const char *remote_node;	/* borrowed from remote_arg's owner */
	struct dbg_frame *rframes;	/* remote: the crashed thread's */
	size_t n_rframes;
	char **rstrings;		/* owned strings rframes point to */
	size_t n_rstrings;
};

/* One row of the catalog tree. Parent is a tag (0: a cluster). */
struct con_item {
	uint64_t tag, parent;
	enum con_kind kind;
	char *name;
	bool reported;			/* in the current transaction */
	unsigned number;		/* dumps: target number, stable */
	char *error;			/* nodes: why it is unreachable */
	struct con_dump *dump;		/* CON_DUMP only */
};

/* A dump as a catalog source reports it (strings are copied). */
struct con_report {
	const char *cluster;
	const char *node;
	const char *lpar;
	const char *id;			/* unique within its node */
	const char *core;
	const char *exe;		/* NULL: found from the core */
	int64_t time;
	const char *hash;		/* a dump of s->repo: core is its
					 * hash, checked out on load */
	struct repo *repo;		/* where hash is; NULL: s->repo */
	const struct con_remote_ops *remote;	/* a dump on another node */
	void *remote_arg;
	const char *remote_node;	/* its name, borrowed for the dump's
					 * life */
};

struct con_compare {
	uint64_t a, b;			/* dump tags */
	struct align_result *align;
	char **evidence;		/* "same signal: SIGSEGV", ... */
	size_t n_evidence;
	/* reasoning/ on the pair, as lpardbg diff: "same_crash: BODY
	 * [builtin.dl:30]" per derived relation, then the similarity and
	 * one line per applicable dimension. */
	char **reasons;
	size_t n_reasons;
	size_t n_reasons_head;		/* shown above the stacks; the
					 * dimensions' why lines go below */
	double similarity;
};

/* A source file read for the source pane and "list", bounded. */
enum { CON_SOURCE_MAX_BYTES = 8 << 20 };
struct con_source {
	char *path;
	char *data;
	size_t *lines;			/* offset of each line's start */
	size_t n_lines;
	char *error;			/* why it could not be read */
};

struct con_session {
	struct con_item *items;
	size_t n_items, cap_items;
	unsigned next_number;
	bool reporting;
	char *cluster;			/* --cluster filter, or NULL */

	struct dbg_cache *cache;
	const char *sysroot;		/* borrowed from argv */
	struct repo *repo;		/* borrowed: where hashed dumps are */

	uint64_t current;		/* dump tag; 0: none */
	size_t thread;			/* core index of the thread */
	size_t frame;
	struct dbg_stack *stack;	/* of the current thread; owned */
	struct con_rframe *rframe;	/* a remote dump's selected frame;
					 * owned; NULL for a local one */

	uint64_t marks[2];
	size_t n_marks;
	struct con_compare *compare;
	bool show_compare;

	char status[512];
	bool status_error;
	struct lpd_buf output;		/* command output, last lines kept */
	unsigned value_seq;		/* $1, $2, ... of print */
	struct con_source source;

	size_t load_total, load_done;	/* progress of the stepwise load */
	volatile int *cancel;		/* set by SIGINT */
	unsigned dirty;			/* enum con_dirty */
	unsigned ui;			/* enum con_ui */
	char ui_arg[256];
};

/** New empty session. Caller owns *ret; free with con_session_destroy(). */
struct lpd_error *con_session_create(struct con_session **ret);
void con_session_destroy(struct con_session *s);

/* ---- the catalog: a libdwfl-style report transaction ----------------
 * begin marks every item unreported; report adds or refreshes a dump (and
 * its cluster, node and LPAR); end drops what was not re-reported, so a
 * refresh keeps tags, numbers, loads and the selection of what stayed. */
void con_catalog_begin(struct con_session *s);
struct lpd_error *con_catalog_report(struct con_session *s,
				     const struct con_report *r);
void con_catalog_end(struct con_session *s);
/** Report node NODE of CLUSTER with no dumps, as unreachable for ERROR
 * (the tree shows it so; NULL: reachable but empty). */
struct lpd_error *con_catalog_report_node(struct con_session *s,
					  const char *cluster,
					  const char *node, const char *error);
/** Replace remote dump D's frames by a copy of FRAMES (strings too). */
struct lpd_error *con_dump_set_frames(struct con_dump *d,
				      const struct dbg_frame *frames,
				      size_t n);

/** A catalog source (command-line cores, the demo, later repo/). */
struct con_source_ops {
	const char *name;
	/** Report every dump (begin, report..., end). */
	struct lpd_error *(*report)(void *arg, struct con_session *s);
};

/** The tag of a catalog path: FNV-1a of the kind and names. */
uint64_t con_tag(enum con_kind kind, const char *a, const char *b,
		 const char *c);
struct con_item *con_item_find(struct con_session *s, uint64_t tag);
/** The dump named by SPEC: its target number or its id. Errors:
 * LPD_ERR_NOT_FOUND "no dump 'SPEC' (try 'target list')". */
struct lpd_error *con_dump_lookup(struct con_session *s, const char *spec,
				  struct con_item **ret);
/** Dumps in tree order (cluster, node, LPAR, dump): the I-th, or NULL. */
struct con_item *con_dump_at(struct con_session *s, size_t i);
size_t con_dump_count(const struct con_session *s);

/* ---- loading ---------------------------------------------------------- */

/** Load one pending dump (target and crashed thread's stack); false when
 * none is left. Failures are kept on the dump, not returned. Polls
 * s->cancel: a Ctrl-C marks the remaining dumps cancelled. */
bool con_session_load_step(struct con_session *s);
/** Load ITEM now if it is not loaded; errors: its load error. */
struct lpd_error *con_dump_ensure(struct con_session *s, struct con_item *it);

/* ---- selection --------------------------------------------------------- */

/** Select dump TAG: load it, its crashed thread, frame 0. */
struct lpd_error *con_session_select(struct con_session *s, uint64_t tag);
struct lpd_error *con_session_set_thread(struct con_session *s, size_t i);
struct lpd_error *con_session_set_frame(struct con_session *s, size_t n);
/** The selected dump, or NULL. */
struct con_dump *con_session_dump(struct con_session *s);
/** The selected frame, or NULL. */
const struct dbg_frame *con_session_frame(struct con_session *s);
/** Frames of the selected thread (a remote dump: its crashed thread's
 * from the agent), and frame I of them or NULL. */
size_t con_session_frame_count(struct con_session *s);
const struct dbg_frame *con_session_frame_at(struct con_session *s,
					     size_t i);
/** The selected frame's registers, or NULL. */
const struct dump_regs *con_session_regs(struct con_session *s);
/** Error LPD_ERR_INVALID_ARG "no dump selected ..." unless one is. */
struct lpd_error *con_session_need_target(struct con_session *s);

/** Mark or unmark dump TAG; at most two, the oldest mark goes first. */
void con_session_mark(struct con_session *s, uint64_t tag);
bool con_session_marked(const struct con_session *s, uint64_t tag);
/** Compare dumps A and B (both loaded on demand) and show the result. */
struct lpd_error *con_session_compare(struct con_session *s, uint64_t a,
				      uint64_t b);

/* ---- messages ------------------------------------------------------------ */

void con_status(struct con_session *s, bool error, const char *fmt, ...)
	LPD_PRINTF(3, 4);
/** Append TEXT to the output log (the oldest lines go past 2000). */
void con_output(struct con_session *s, const char *text);

/** Lines of PATH, read once and kept until another file is asked for.
 * Borrowed; valid until the next call. Never fails: an unreadable file
 * has error set and no lines. */
const struct con_source *con_source_get(struct con_session *s,
					const char *path);

/** Signal name or "signal N" into BUF. */
const char *con_signal_name(int signo, char *buf, size_t len);
/** Basename of PATH (borrowed from PATH); NULL stays NULL. */
const char *con_basename(const char *path);

#endif
