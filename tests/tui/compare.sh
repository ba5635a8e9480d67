#!/bin/sh
# tests/tui/compare.sh - Space marks two dumps, d shows the relation pane:
# both dumps named with node/LPAR, the evidence with the score, and the
# crashed threads side by side with shared frames marked '=' and the
# differing ones '≠'; q closes it and the target panes come back.
. "$LPD_TOP/tests/tui/lib.sh"
tui_start 120 40 $CORES
tui_wait "[1] msgd-a.1 thread 1 frame 0"
# Mark dump 1 (the cursor starts on it) and dump 3 (paging).
tui_keys Space
tui_wait "marked msgd-a.1"
tui_keys j j j j Space
tui_wait "two marked, d compares them"
tui_keys d
tui_wait "Relation"
s=$(tui_cap)
echo "$s" | grep -q "A: 1 msgd-a.1  vios1/msgd-a  SIGSEGV" || tui_fail "no A"
echo "$s" | grep -q "B: 3 paging.1  vios2/paging  SIGSEGV" || tui_fail "no B"
echo "$s" | grep -q "score 0\.[0-9][0-9]: [0-9]* of [0-9]* frames shared" ||
	tui_fail "no score"
echo "$s" | grep -q "same signal: SIGSEGV" || tui_fail "no signal evidence"
echo "$s" | grep -q "^│.*│= #2  on_usr1 .* #0  on_usr1 " ||
	tui_fail "on_usr1 not aligned as shared"
echo "$s" | grep -q "│= .*main .*main" || tui_fail "main not shared"
echo "$s" | grep -q "│≠ #0  store_checksum" ||
	tui_fail "inline frame not marked as differing"
echo "$s" | grep -q "│≠ .*recurse" || tui_fail "extra recursion not marked"
[ "$(echo "$s" | grep -c '│= ')" -ge 6 ] || tui_fail "too few '=' rows"
echo "$s" | grep -q "Backtrace" && tui_fail "backtrace still shown"
# The same through the command line, with unknown ids refused.
tui_keys q
tui_wait "Backtrace"
tui_cmd "compare 2 3"
tui_wait "B: 3 paging.1"
tui_wait "A: 2 msgd-b.1"
# Leaving cleanly also means no leak report under ASan.
tui_cmd quit
tui_wait "EXITED rc=0"
echo "ok: compare view"
