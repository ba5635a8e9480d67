# tests/tui/lib.sh - helpers sourced by the TUI tests: the console runs
# in a private tmux server (-L lpdtest$$, no config) killed on exit.
#   tui_start W H ARGS...   start "lpardbg console ARGS" in a WxH pane
#   tui_keys KEYS...        tmux send-keys
#   tui_cmd LINE            ':' LINE Enter at the console's command line
#   tui_cap                 the pane's text now
#   tui_wait TEXT [SECS]    until TEXT (grep -F) is on screen, else fail
#   tui_gone TEXT [SECS]    until TEXT is no longer on screen
#   tui_fail MSG            print the screen and exit 1
# $C is the fixture cores' folder: $C/O2, $C/eh, $C/fp.
set -u
SOCK=lpdtest$$
TMUX_CMD="tmux -L $SOCK -f /dev/null"
C=${LPD_TUI_CORES:?run through tests/run-tui.sh}
TUI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lpd-tui-t.XXXXXX") || exit 1
trap '$TMUX_CMD kill-server 2>/dev/null; rm -rf "$TUI_TMP"' EXIT
trap '$TMUX_CMD kill-server 2>/dev/null; rm -rf "$TUI_TMP"; exit 130' \
	INT TERM HUP

# The three LPARs on two nodes every test uses.
CORES="$C/O2/core:$C/O2/crasher@vios1/msgd-a
$C/eh/core:$C/eh/crasher@vios1/msgd-b
$C/fp/core:$C/fp/crasher@vios2/paging"

# tui_start W H ARGS...: the console, then "EXITED rc=N" and the tty
# modes once it returns, so tests can see the terminal was restored.
tui_start() {
	_w=$1 _h=$2; shift 2
	printf '%s\n' "$@" >"$TUI_TMP/args"
	cat >"$TUI_TMP/run.sh" <<RUN
stty sane
trap : INT
set --
while IFS= read -r a; do set -- "\$@" "\$a"; done <"$TUI_TMP/args"
"$LPARDBG" console "\$@"
rc=\$?
echo "EXITED rc=\$rc"
stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' '
echo
sleep 600
RUN
	$TMUX_CMD new -d -x "$_w" -y "$_h" \
		"env LANG=${TUI_LANG:-C.UTF-8} LC_ALL=${TUI_LANG:-C.UTF-8} \
		 XDG_STATE_HOME=$TUI_TMP/state XDG_CACHE_HOME=$TUI_TMP/cache \
		 ${TUI_ENV:-} sh $TUI_TMP/run.sh" || tui_fail "tmux new failed"
}

tui_keys() { $TMUX_CMD send-keys "$@"; }
tui_cap() { $TMUX_CMD capture-pane -p "$@"; }

tui_fail() {
	echo "FAIL: $*"
	echo "---- screen:"
	tui_cap 2>/dev/null
	exit 1
}

tui_wait() {
	_n=0
	while [ "$_n" -lt $((${2:-10} * 10)) ]; do
		tui_cap 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	tui_fail "'$1' never appeared"
}

tui_gone() {
	_n=0
	while [ "$_n" -lt $((${2:-10} * 10)) ]; do
		tui_cap 2>/dev/null | grep -qF -- "$1" || return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	tui_fail "'$1' never went away"
}

# Let the screen settle: two equal captures 0.2s apart.
tui_settle() {
	_prev=
	_n=0
	while [ "$_n" -lt 50 ]; do
		_now=$(tui_cap)
		[ "$_now" = "$_prev" ] && return 0
		_prev=$_now
		sleep 0.2
		_n=$((_n + 1))
	done
}

tui_cmd() {
	tui_keys :
	tui_keys -l "$1"
	tui_keys Enter
}

# tui_sane W H: the screen is exactly H lines no wider than W columns,
# boxes are closed (every line starts and ends on a border or is the
# status/command line), nothing wrapped.
tui_sane() {
	tui_cap >"$TUI_TMP/screen"
	_lines=$(wc -l <"$TUI_TMP/screen")
	[ "$_lines" -eq "$2" ] || tui_fail "$_lines lines, want $2"
	_wide=$(LC_ALL=C.UTF-8 wc -L <"$TUI_TMP/screen")
	[ "$_wide" -le "$1" ] || tui_fail "a line is $_wide columns wide, want $1"
	_bad=$(head -n $(($2 - 2)) "$TUI_TMP/screen" |
	       grep -cv -e '^[┌│└+|].*[┐│┘+|]$' || true)
	[ "$_bad" -eq 0 ] || tui_fail "$_bad lines are not inside boxes"
}
