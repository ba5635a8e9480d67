#!/bin/sh
# tests/run-tui.sh - run every tests/tui/*.sh against $LPARDBG: the real
# console inside a private tmux server, driven with send-keys and read
# with capture-pane (as tmux's regress/ does). The fixture cores are made
# once and shared ($LPD_TUI_CORES). A test exits 77 when skipped.
set -u
: "${LPARDBG:?set LPARDBG to the binary under test}"
export LPARDBG
here=$(cd "$(dirname "$0")" && pwd)
export LPD_TOP=$(cd "$here/.." && pwd)
if ! command -v tmux >/dev/null 2>&1; then
	echo "tui: tmux not installed, skipped"
	exit 0
fi
cores=$(mktemp -d "${TMPDIR:-/tmp}/lpd-tui.XXXXXX") || exit 1
trap 'rm -rf "$cores"' EXIT
trap 'rm -rf "$cores"; exit 130' INT TERM HUP
if ! sh "$LPD_TOP/fixtures/make-core.sh" "$cores" O2 eh fp \
	>"$cores/make-core.log" 2>&1; then
	cat "$cores/make-core.log"
	echo "FAIL tui: fixtures/make-core.sh"
	exit 1
fi
export LPD_TUI_CORES=$cores
pass=0 fail=0 skip=0
for t in "$here"/tui/*.sh; do
	[ -e "$t" ] || continue
	case $(basename "$t") in lib.sh) continue ;; esac
	[ -n "${1:-}" ] && case $t in *"$1"*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	log=${BUILD:-/tmp}/tui-$name.log
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "ok   tui/$name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "skip tui/$name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1))
	   echo "FAIL tui/$name (exit $rc), last lines of $log:"
	   tail -n 40 "$log" | sed 's/^/    /' ;;
	esac
done
echo "tui: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
