#!/bin/sh
# tests/tui/mouse.sh - the mouse, as a terminal reports it: a click on a
# dump in the tree opens it (the backtrace follows), a click on a frame
# selects it (source and values follow), the wheel scrolls the pane under
# the pointer without changing the selection. The events are written to
# the pane as the terminal would: SGR (1006) if the console asked for it,
# else the X10 bytes; cells are found on the screen, not hard-coded.
. "$LPD_TOP/tests/tui/lib.sh"

# mouse B Y X [M|m]: button B pressed (M) or released (m) at 1-based
# cell (Y, X).
mouse() {
	if [ "$($TMUX_CMD display -p '#{mouse_sgr_flag}')" = 1 ]; then
		tui_keys -l "$(printf '\033[<%d;%d;%d%s' "$1" "$3" "$2" \
			"${4:-M}")"
	else
		_b=$1
		[ "${4:-M}" = m ] && _b=3
		tui_keys -H 1b 5b 4d $(printf '%x %x %x' $((32 + _b)) \
			$((32 + $3)) $((32 + $2)))
	fi
}
click() { mouse 0 "$1" "$2"; mouse 0 "$1" "$2" m; }
wheel_down() { mouse 65 "$1" "$2"; }
wheel_up() { mouse 64 "$1" "$2"; }

# find TEXT: "Y X", the 1-based cell where TEXT first shows.
find() {
	tui_cap >"$TUI_TMP/find"
	_y=$(grep -nF -m1 -- "$1" "$TUI_TMP/find" | cut -d: -f1)
	[ -n "$_y" ] || tui_fail "'$1' is not on the screen"
	_l=$(sed -n "${_y}p" "$TUI_TMP/find")
	_x=$(printf '%s' "${_l%%"$1"*}" | LC_ALL=C.UTF-8 wc -m)
	echo "$_y $((_x + 1))"
}

tui_start 120 40 $CORES
tui_wait "[1] msgd-a.1 thread 1 frame 0"
tui_settle
[ "$($TMUX_CMD display -p '#{mouse_standard_flag}#{mouse_any_flag}')" != \
  00 ] || tui_fail "the console did not turn the mouse on"
# A click on the paging LPAR's dump opens it.
set -- $(find "3 SIGSEGV")
click "$1" "$2"
tui_wait "[3] paging.1 thread 1 frame 0" 5
tui_wait "recurse+0x38 from crasher" 5
tui_cap | grep -q "▶ 3 SIGSEGV" || tui_fail "tree does not mark dump 3"
# A click on msgd-b's LPAR row opens its first dump.
set -- $(find "msgd-b")
click "$1" "$2"
tui_wait "[2] msgd-b.1 thread 1 frame 0" 5
# Back to msgd-a; a click on frame #6 (recurse) selects it.
set -- $(find " 1 SIGSEGV")
click "$1" $(($2 + 1))
tui_wait "[1] msgd-a.1 thread 1 frame 0" 5
set -- $(find "#6 ")
click "$1" "$2"
tui_wait "[1] msgd-a.1 thread 1 frame 6" 5
tui_wait "Values: frame 6"
tui_wait "Source: crasher.c:50"
s=$(tui_cap)
echo "$s" | grep -q "▶#6 .*recurse+0x25 at crasher.c:50" ||
	tui_fail "frame 6 not marked"
echo "$s" | grep -q "▶ *50  .*raise(SIGUSR1);" || tui_fail "line 50 not shown"
echo "$s" | grep -q "n = 4" || tui_fail "values pane: no n = 4"
# A click on the blank rows below the last frame changes nothing.
set -- $(find "#10 ")
click $(($1 + 1)) "$2"
tui_settle
tui_cap | grep -qF "[1] msgd-a.1 thread 1 frame 6" || tui_fail "blank click"
# Clicks on a border, the status line and outside any pane are ignored.
click 1 1
click 39 5
tui_settle
tui_cap | grep -qF "[1] msgd-a.1 thread 1 frame 6" || tui_fail "border click"

# The wheel: the output pane scrolls back through earlier output.
tui_cmd 'bt'
tui_cmd 'info threads'
tui_wait "__futex_abstimed_wait"
tui_settle
set -- $(find "─ Output ")
oy=$(($1 + 2)) ox=10
tui_cap | grep -q "│#0  .*store_checksum" && tui_fail "bt visible before wheel"
n=0
while [ "$n" -lt 20 ]; do wheel_up "$oy" "$ox"; n=$((n + 1)); done
tui_wait "#0  " 5
tui_cap | grep -q "│ *#0 .*store_checksum" ||
	tui_fail "wheel up: the bt output did not come back"
n=0
while [ "$n" -lt 20 ]; do wheel_down "$oy" "$ox"; n=$((n + 1)); done
tui_wait "__futex_abstimed_wait" 5
# ... and the backtrace pane scrolls (80x24: it is shorter than the
# stack) without changing the frame.
$TMUX_CMD resize-window -x 80 -y 24
tui_cmd 'focus bt'
tui_cmd 'frame 0'
tui_wait "frame 0"
tui_settle
tui_cap | grep -q "#10 " && tui_fail "80x24: the whole stack fits"
set -- $(find "#0 ")
by=$1 bx=$2
n=0
while [ "$n" -lt 12 ]; do wheel_down "$by" "$bx"; n=$((n + 1)); done
tui_wait "#10 " 5
tui_cap | grep -qF "frame 0" || tui_fail "the wheel changed the frame"
n=0
while [ "$n" -lt 12 ]; do wheel_up "$by" "$bx"; n=$((n + 1)); done
tui_wait "#0 " 5
tui_keys q
tui_wait "EXITED rc=0"
tui_wait "icanon echo" 5
echo "ok: clicks open dumps and frames, the wheel scrolls"
