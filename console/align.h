/* console/align.h - align two backtraces frame by frame (LCS over
 * normalized frames) and score how much of them is shared. The compare
 * view's stand-in until reasoning/ (reason_*) lands: it fills the same
 * rows and score, so the view will not change when it is replaced. */
#ifndef LPD_CONSOLE_ALIGN_H
#define LPD_CONSOLE_ALIGN_H

#include <stddef.h>

#include "common/lpd.h"

/* Frames beyond this on either side are not aligned (DP is n*m). */
enum { ALIGN_MAX_FRAMES = 512 };

enum align_mark {
	ALIGN_SAME,		/* '=': the same normalized frame */
	ALIGN_DIFF,		/* '≠': different frames facing each other,
				 * or a frame one side lacks */
};

struct align_row {
	long a, b;		/* frame index on each side, -1: none */
	enum align_mark mark;
};

struct align_result {
	struct align_row *rows;
	size_t n_rows;
	size_t matched;		/* frames in '=' rows (per side) */
	size_t n_a, n_b;	/* frames considered */
	double score;		/* 2 * matched / (n_a + n_b); 1 if both empty */
};

/** Normalized key of a frame into BUF (LEN bytes): the function name
 * without a leading "__GI_"/"__libc_"-style alias prefix or clone suffix
 * (".isra.0", ".constprop.1", ".part.2", ".cold"); when FUNCTION is NULL,
 * "??@" and the module's basename; "??" when both are unknown. Returns
 * BUF. */
const char *align_normalize(const char *function, const char *module,
			    char *buf, size_t len);

/** Align A (N_A normalized keys, innermost first) with B. Caller owns
 * *ret; free with align_result_destroy(). Errors: LPD_ERR_NOMEM. */
struct lpd_error *align_keys(const char *const *a, size_t n_a,
			     const char *const *b, size_t n_b,
			     struct align_result **ret);
void align_result_destroy(struct align_result *r);

#endif
