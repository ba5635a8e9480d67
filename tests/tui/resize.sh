#!/bin/sh
# tests/tui/resize.sh - SIGWINCH: at 80x24 the panes degrade (tree,
# backtrace, source, output) and nothing wraps; at 200x60 every pane is
# back; below 80x24 a message says so; back at 120x40 all is redrawn.
. "$LPD_TOP/tests/tui/lib.sh"
tui_start 120 40 $CORES
tui_wait "[1] msgd-a.1 thread 1 frame 0"
tui_sane 120 40
$TMUX_CMD resize-window -x 80 -y 24
tui_gone "Registers"
tui_settle
tui_sane 80 24
for w in "Cluster" "Backtrace: thread 1" "Source: crasher.c:27" "Output"; do
	tui_cap | grep -qF "$w" || tui_fail "80x24: no '$w'"
done
# Tab brings the hidden panes into their slots.
tui_keys Tab
tui_wait "Threads"
tui_sane 80 24
tui_keys Tab Tab Tab
tui_wait "Registers: frame 0"
tui_sane 80 24
$TMUX_CMD resize-window -x 200 -y 60
tui_wait "Values"
tui_settle
tui_sane 200 60
for w in "Cluster" "Threads" "Backtrace" "Source" "Registers" "Values" \
	 "Output"; do
	tui_cap | grep -qF "$w" || tui_fail "200x60: no '$w'"
done
$TMUX_CMD resize-window -x 60 -y 20
tui_wait "terminal too small: 60x20 (need 80x24)"
$TMUX_CMD resize-window -x 120 -y 40
tui_wait "Cluster"
tui_settle
tui_sane 120 40
# Leaving cleanly also means no leak report under ASan.
tui_cmd quit
tui_wait "EXITED rc=0"
echo "ok: resize"
