#!/bin/sh
# tests/tui/ascii.sh - without a UTF-8 locale the console draws in ASCII
# (boxes, marks, the compare view's '!'), and with NO_COLOR it sends no
# colour escapes, only attributes.
. "$LPD_TOP/tests/tui/lib.sh"
TUI_LANG=C TUI_ENV=NO_COLOR=1 tui_start 120 40 $CORES
tui_wait "[1] msgd-a.1 thread 1 frame 0"
tui_settle
s=$(tui_cap)
echo "$s" | grep -q "^+- Cluster -" || tui_fail "no ASCII box"
echo "$s" | grep -q '[─│┌▶▾●≠]' && tui_fail "UTF-8 glyphs in a C locale"
tui_sane 120 40
tui_cap -e | grep -q "$(printf '\033')\[3[0-7]m" &&
	tui_fail "colour escapes despite NO_COLOR"
tui_keys Space j j j j Space d
tui_wait "Relation"
tui_cap | grep -qF "||! #0  store_checksum" || tui_fail "no ASCII '!' mark"
tui_cap | grep -qF "||= #2  on_usr1" || tui_fail "no '=' mark"
echo "ok: ASCII and NO_COLOR"
