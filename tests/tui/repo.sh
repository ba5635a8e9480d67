#!/bin/sh
# tests/tui/repo.sh - the console on a repository (lpardbg repo init +
# import, four LPARs on two nodes, one a second run of the same crash):
# the cluster tree has the nodes, LPARs and repository dump ids; the first
# dump opens with its backtrace and source line; the values pane shows the
# frame's arguments; print/ptype/info locals answer through the values
# engine; bad expressions, unknown ids and garbage only touch the status
# line; Space on two dumps and d show reasoning's relation (same_crash)
# with its scores and the aligned stacks; 80x24 and 200x60 stay sane; q
# restores the terminal.
. "$LPD_TOP/tests/tui/lib.sh"
R=$TUI_TMP/repo
sh "$LPD_TOP/fixtures/make-core.sh" "$TUI_TMP/c2" O2 >"$TUI_TMP/mk.log" 2>&1 ||
	{ cat "$TUI_TMP/mk.log"; tui_fail "second O2 core"; }
"$LPARDBG" repo init --repo "$R" >/dev/null || tui_fail "repo init"
imp() {
	"$LPARDBG" repo import --repo "$R" --no-debuginfod --node "$1" \
		--lpar "$2" --exe "$3/crasher" "$3/core" >/dev/null 2>&1 ||
		tui_fail "import $3 on $1/$2"
}
imp vios1 msgd-a "$C/O2"
imp vios1 msgd-b "$C/eh"
imp vios2 paging "$C/fp"
imp vios2 backup "$TUI_TMP/c2/O2"
id_a=$("$LPARDBG" repo ls --repo "$R" --lpar msgd-a | awk 'NR == 2 { print $1 }')
[ -n "$id_a" ] || tui_fail "no dump id for msgd-a"

tui_start 120 40 --repo "$R" --cluster prod
tui_wait "[1] $id_a thread 1 frame 0" 20
s=$(tui_cap)
for w in "▾ prod" "vios1" "vios2" "msgd-a" "msgd-b" "backup" "paging" \
	 "1 SIGSEGV" "4 SIGSEGV" "Source: crasher.c:27"; do
	echo "$s" | grep -qF -- "$w" || tui_fail "tree: no '$w'"
done
echo "$s" | grep -q "▶#0 .*store_checksum \[inlined\] at crasher" ||
	tui_fail "no frame 0"
echo "$s" | grep -q "▶ *27  .*\*where = (int)(m->len + m->seq);" ||
	tui_fail "line 27 not highlighted"
echo "$s" | grep -q "where = 0x0" || tui_fail "values pane: no args"
echo "$s" | grep -q "build-id [0-9a-f]" || tui_fail "values pane: details"
# Values through the values engine, in the selected frame.
tui_cmd 'frame 6'
tui_wait "Values: frame 6"
tui_wait "n = 4"
tui_cmd 'print n * 2 + 1'
tui_wait '$1 = 9'
tui_cmd 'p/x depth_reached + 255'
tui_wait '$2 = 0xff'
tui_cmd 'ptype struct message'
tui_wait 'char body[16];'
tui_cmd 'info locals'
tui_wait 'No locals.'
tui_settle
# Errors: only the status line changes.
tui_cap | head -n 38 >"$TUI_TMP/before"
for bad in 'print nosuch + 1' 'print 1 +' 'print *fault_address' \
	   'target select 0123deadbeef' 'compare 1 nope' 'frobnicate x' \
	   'x/4xw 0' 'ptype struct nosuch'; do
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
tui_cmd 'print nosuch'
tui_wait 'error: No symbol "nosuch" in current context.'
tui_cmd 'print *fault_address'
tui_wait 'error: Cannot access memory at address 0x0'
tui_cmd "target select $id_a"
tui_gone "error: "
# Compare msgd-a's dump with backup's (the same crash, another run).
tui_cmd 'mark 1'
tui_wait "marked $id_a"
tui_cmd 'mark 3'
tui_wait "two marked, d compares them"
tui_keys d
tui_wait "Relation"
s=$(tui_cap)
echo "$s" | grep -q "A: 1 $id_a  vios1/msgd-a  SIGSEGV" || tui_fail "no A"
echo "$s" | grep -q "B: 3 [0-9a-f]*  vios2/backup  SIGSEGV" || tui_fail "no B"
echo "$s" | grep -q "same_crash \[builtin.dl:[0-9]*\]: same_fault(A, B)" ||
	tui_fail "no same_crash relation"
echo "$s" | grep -q "similarity [01]\.[0-9][0-9]: stack 1\.00" ||
	tui_fail "no similarity scores"
echo "$s" | grep -q "  fault 1\.00: signal SIGSEGV" ||
	tui_fail "no fault dimension"
echo "$s" | grep -q "│= .*on_usr1 .*on_usr1" || tui_fail "on_usr1 not shared"
[ "$(echo "$s" | grep -c '│= ')" -ge 6 ] || tui_fail "too few '=' rows"
# Sizes: 80x24 and 200x60 stay inside their boxes.
$TMUX_CMD resize-window -x 80 -y 24
tui_settle
tui_sane 80 24
$TMUX_CMD resize-window -x 200 -y 60
tui_settle
tui_sane 200 60
tui_cap | grep -q "same_crash" || tui_fail "200x60: relation gone"
tui_keys q
tui_wait "Backtrace"
tui_keys q
tui_wait "EXITED rc=0"
tui_wait "icanon echo" 5
echo "ok: console on a repository"
