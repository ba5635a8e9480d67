#!/bin/sh
# tests/tui/expand.sh - Enter on a struct in the values pane opens it
# (its members below, nested structs expandable in turn) and closes it
# again; Enter on a scalar does nothing. fixtures/values.c built at -O0
# crashes under process(), whose locals are structs, unions and arrays.
. "$LPD_TOP/tests/tui/lib.sh"
command -v "${CC:-cc}" >/dev/null 2>&1 || { echo "no C compiler"; exit 77; }
V=$TUI_TMP/v
mkdir -p "$V"
${CC:-cc} -O0 -g -o "$V/values" "$LPD_TOP/fixtures/values.c" ||
	tui_fail "cannot build fixtures/values.c"
case $(cat /proc/sys/kernel/core_pattern 2>/dev/null) in
core|core.%p|core.%e.%p)
	(cd "$V" && ulimit -c unlimited && ./values >out 2>&1; true) \
		2>/dev/null
	for c in "$V"/core.*; do [ -f "$c" ] && mv "$c" "$V/core"; done ;;
esac
if [ ! -s "$V/core" ] && command -v gdb >/dev/null 2>&1; then
	(cd "$V" && gdb -nx -batch -q -ex run -ex 'generate-core-file core' \
		./values >out 2>&1) || true
fi
[ -s "$V/core" ] || { echo "no core for fixtures/values.c"; exit 77; }

# vals: the values pane's rows (the right-hand column below its title).
vals() {
	tui_cap | awk '/Values: frame/ { on = 1; next } on' | grep -o '│[^│]*│$'
}
# row TEXT: TEXT's row in the values pane, 0 the first.
row() {
	_r=$(vals | grep -nF -m1 -- "$1" | cut -d: -f1)
	[ -n "$_r" ] || tui_fail "values pane: no '$1'"
	echo $((_r - 1))
}
# to TEXT: the cursor on TEXT's row (g puts it on the first).
to() {
	tui_keys g
	_n=$(row "$1")
	while [ "$_n" -gt 0 ]; do tui_keys j; _n=$((_n - 1)); done
}

tui_start 200 60 "$V/core:$V/values@lab/n1/vals"
tui_wait "[1] vals.1 thread 1 frame 0" 20
tui_cmd 'frame 1'
tui_wait "Values: frame 1"
tui_wait "+ r = {tl = {x = 1, y = 2}"
tui_cmd 'focus values'
tui_settle
# Open r: its members, one a row, tl and br expandable in turn.
to "+ r = "
tui_keys Enter
tui_wait "- r = {"
s=$(vals)
for w in "  + tl = {x = 1, y = 2}" "  + br = {x = 30, y = 40}" \
	 '    label = 0x' '"box"'; do
	echo "$s" | grep -qF -- "$w" || tui_fail "open r: no '$w'"
done
echo "$s" | grep -q '^│  }' || tui_fail "open r: no closing brace"
# Open tl inside it.
to "+ tl = "
tui_keys Enter
tui_wait "- tl = {"
s=$(vals)
echo "$s" | grep -qF "      x = 1" || tui_fail "open tl: no x"
echo "$s" | grep -qF "      y = 2" || tui_fail "open tl: no y"
# Enter on a scalar member changes nothing.
tui_settle
vals >"$TUI_TMP/before"
to "      x = 1"
tui_keys Enter
tui_settle
vals | cmp -s - "$TUI_TMP/before" || tui_fail "Enter on a scalar"
# Close r: its members go, and it shows its whole value again.
to "- r = {"
tui_keys Enter
tui_wait "+ r = {tl = {x = 1, y = 2}"
vals | grep -qF "  + tl = " && tui_fail "close r: members still shown"
vals | grep -qF "      x = 1" && tui_fail "close r: tl's members shown"
# Open again: tl is remembered open.
tui_keys Enter
tui_wait "- r = {"
tui_wait "- tl = {"
tui_keys q
tui_wait "EXITED rc=0"
tui_wait "icanon echo" 5
echo "ok: Enter opens and closes structs in the values pane"
