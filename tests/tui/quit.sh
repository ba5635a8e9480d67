#!/bin/sh
# tests/tui/quit.sh - q leaves the console with status 0 and the terminal
# restored (canonical mode and echo back, the alternate screen gone);
# Ctrl-C at the command line drops the line, not the console.
. "$LPD_TOP/tests/tui/lib.sh"
tui_start 120 40 $CORES
tui_wait "[1] msgd-a.1 thread 1 frame 0"
tui_keys : 'print $p'
tui_keys C-c
tui_wait "interrupted (q quits)"
tui_cap | grep -q "Cluster" || tui_fail "Ctrl-C left the console"
tui_keys q
tui_wait "EXITED rc=0"
# The shell prints the tty modes after the exit line: wait for them.
tui_wait "icanon echo"
tui_cap | grep -qF "Cluster" && tui_fail "the console is still on screen"
echo "ok: quit"
