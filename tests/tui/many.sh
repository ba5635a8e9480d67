#!/bin/sh
# tests/tui/many.sh - the console on 50 dumps (the three fixture cores
# reused under 5 nodes x 10 LPARs): the tree lists every one (G reaches
# the last), Enter on the last shows its backtrace, and it stays quick.
# Prints the times from start to the first dump shown, to all 50 loaded,
# and from Enter on the last dump to its backtrace; each must be < 10 s
# (generous: ASan builds and a loaded machine).
. "$LPD_TOP/tests/tui/lib.sh"
now() { date +%s%N | cut -c1-13; }	# ms
set --
i=0
for node in 1 2 3 4 5; do
	for lpar in 0 1 2 3 4 5 6 7 8 9; do
		case $((i % 3)) in 0) v=O2 ;; 1) v=eh ;; 2) v=fp ;; esac
		set -- "$@" "$C/$v/core:$C/$v/crasher@big/node$node/lp$node$lpar"
		i=$((i + 1))
	done
done
[ $# -eq 50 ] || tui_fail "$# dumps, want 50"
t0=$(now)
tui_start 120 40 "$@"
tui_wait "[1] lp10.1 thread 1 frame 0" 10
t1=$(now)
tui_wait "50 dumps" 10
tui_gone "loading" 10
t2=$(now)
# Page down the tree collecting the LPARs seen; G reaches the end.
: >"$TUI_TMP/seen"
: >"$TUI_TMP/loaded"
n=0
while [ "$n" -lt 12 ]; do
	tui_cap | grep -o 'lp[1-5][0-9]\b' >>"$TUI_TMP/seen"
	tui_cap | grep -o '^│ *\(▶ \)\?[0-9]* SIGSEGV' | tr -dc '0-9\n' \
		>>"$TUI_TMP/loaded"
	tui_keys NPage
	tui_settle
	n=$((n + 1))
done
tui_keys G
tui_settle
tui_cap | grep -o 'lp[1-5][0-9]\b' >>"$TUI_TMP/seen"
seen=$(sort -u "$TUI_TMP/seen" | wc -l)
[ "$seen" -eq 50 ] || tui_fail "the tree showed $seen LPARs, want 50"
loaded=$(sort -u "$TUI_TMP/loaded" | wc -l)
[ "$loaded" -eq 50 ] || tui_fail "the tree showed $loaded loaded dumps"
s=$(tui_cap)
echo "$s" | grep -q "│ *▾ lp59 " || tui_fail "G: lp59 not shown"
echo "$s" | grep -q "│ *50 SIGSEGV" || tui_fail "G: dump 50 not shown"
t3=$(now)
tui_keys Enter
tui_wait "[50] lp59.1 thread 1 frame 0" 10
tui_wait "on_usr1" 10
t4=$(now)
echo "$s" | grep -q "▶ 50 SIGSEGV" && tui_fail "dump 50 marked before Enter"
tui_cap | grep -q "▶ 50 SIGSEGV" || tui_fail "tree does not mark dump 50"
# Still answering: a command and the frame keys.
tui_cmd 'frame 2'
tui_wait "[50] lp59.1 thread 1 frame 2" 10
t5=$(now)
echo "times: first dump shown $((t1 - t0)) ms, 50 listed $((t2 - t0)) ms," \
     "Enter on dump 50 -> backtrace $((t4 - t3)) ms, frame 2 $((t5 - t4)) ms"
for t in $((t1 - t0)) $((t2 - t0)) $((t4 - t3)) $((t5 - t4)); do
	[ "$t" -lt 10000 ] || tui_fail "$t ms, want < 10 s"
done
tui_keys q
tui_wait "EXITED rc=0"
tui_wait "icanon echo" 5
echo "ok: 50 dumps listed, the last one opens"
