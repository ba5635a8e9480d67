#!/bin/sh
# tests/tui/command.sh - the command line: print $pc / $sp / $REG answer
# through the values engine from the unwound registers of the selected
# frame (the symbol as gdb prints it); gdb's words (frame,
# up, info threads, bt, list, target list/select) print into the output
# pane; garbage, unknown ids and expressions the values engine refuses
# show an error in the status line and change nothing else.
. "$LPD_TOP/tests/tui/lib.sh"
tui_start 120 40 $CORES
tui_wait "[1] msgd-a.1 thread 1 frame 0"
tui_cmd 'print $pc'
tui_wait '$1 = (void (*)()) 0x'
tui_cap | grep -q '\$1 = (void (\*)()) 0x[0-9a-f]* <on_usr1+10>' ||
	tui_fail "print \$pc has no symbol"
tui_cmd 'frame 6'
tui_wait "Values: frame 6"
tui_cap | grep -q "^│#6  0x[0-9a-f]* in recurse+0x25 at crasher.c:50" ||
	tui_fail "frame 6 not printed"
tui_cmd 'p/x $sp'
tui_wait '$2 = 0x7'
tui_cmd 'info registers rip'
tui_wait "rip            0x"
tui_cmd 'info threads'
tui_wait "  Id   Target Id"
tui_cmd 'list'
tui_wait "raise(SIGUSR1);"
tui_cap | grep -q "^│50  *raise(SIGUSR1);" || tui_fail "list"
tui_cmd 'target list'
tui_wait "vios2/paging"
tui_settle
# Errors: only the status line changes.
tui_cap | head -n 38 >"$TUI_TMP/before"
for bad in 'frobnicate 1 2' 'target select 99' 'compare 1 nope' \
	   'print foo+1' 'frame 99' 'thread 0' 'print 1 +' \
	   'info bogus' 'mark'; do
	tui_cmd "$bad"
	tui_wait "error: "
	tui_settle
	tui_cap | head -n 38 >"$TUI_TMP/after"
	cmp -s "$TUI_TMP/before" "$TUI_TMP/after" ||
		{ diff "$TUI_TMP/before" "$TUI_TMP/after";
		  tui_fail "'$bad' changed the screen"; }
	tui_cap | tail -n 2 | head -n 1 | grep -q "error: " ||
		tui_fail "'$bad': no error in the status line"
done
tui_cmd 'target select 99'
tui_wait "error: no dump '99' (try 'target list')"
tui_cmd 'print foo+1'
tui_wait 'error: No symbol "foo" in current context.'
tui_cmd 'frobnicate'
tui_wait "error: unknown command 'frobnicate'"
# A good command clears the error.
tui_cmd 'target select paging.1'
tui_wait "[3] paging.1 thread 1 frame 0"
tui_gone "error: "
# History went to $XDG_STATE_HOME.
grep -q "print \$pc" "$TUI_TMP/state/lpardbg/history" ||
	tui_fail "no history file"
# Leaving cleanly also means no leak report under ASan.
tui_cmd quit
tui_wait "EXITED rc=0"
echo "ok: command line"
