#!/bin/sh
# tests/tui/tree.sh - the cluster tree shows the nodes, the LPARs and
# their dumps (signal, executable); the first dump opens by itself with
# its backtrace and its source line highlighted; Enter on another LPAR's
# dump switches every pane to it; the threads pane lists its threads.
. "$LPD_TOP/tests/tui/lib.sh"
tui_start 120 40 $CORES
tui_wait "Cluster"
tui_wait "[1] msgd-a.1 thread 1 frame 0"
s=$(tui_cap)
for w in "▾ local" "vios1" "vios2" "msgd-a" "msgd-b" "paging" \
	 "1 SIGSEGV" "2 SIGSEGV" "3 SIGSEGV" "Threads" "Registers" "Values" \
	 "Output"; do
	echo "$s" | grep -qF -- "$w" || tui_fail "tree: no '$w'"
done
# The backtrace of the crashed thread and its source line.
echo "$s" | grep -q "▶#0 .*store_checksum \[inlined\] at crasher" ||
	tui_fail "no frame 0 selected"
echo "$s" | grep -q "on_usr1+0xa at crasher.c:42" || tui_fail "no on_usr1"
echo "$s" | grep -qF "Source: crasher.c:27" || tui_fail "no source title"
echo "$s" | grep -q "▶ *27  .*\*where = (int)(m->len + m->seq);" ||
	tui_fail "line 27 not highlighted"
echo "$s" | grep -q "▶1 [0-9]* store_checksum SIGSEGV" ||
	tui_fail "threads pane"
echo "$s" | grep -q "rax *0x0000" || tui_fail "registers pane"
echo "$s" | grep -q "build-id [0-9a-f]" || tui_fail "values pane"
# Down to the paging LPAR's dump (rows: cluster, node, lpar, dump, ...).
tui_keys j j j j j j j
tui_keys Enter
tui_wait "[3] paging.1 thread 1 frame 0"
s=$(tui_cap)
n=$(echo "$s" | grep -c "recurse+0x")
[ "$n" -ge 5 ] || tui_fail "fp dump: $n recurse frames, want 5"
echo "$s" | grep -q "▶ 3 SIGSEGV" || tui_fail "tree does not mark dump 3"
# The bt pane moves the frame, and with it the source.
tui_keys Tab Tab
tui_keys j j j j
tui_wait "Values: frame 4"
# Leaving cleanly also means no leak report under ASan.
tui_cmd quit
tui_wait "EXITED rc=0"
echo "ok: tree, backtrace, source, threads, registers, values"
