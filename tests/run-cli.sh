#!/bin/sh
# tests/run-cli.sh - run every tests/cli/*.sh against $LPARDBG; each test
# prints what it checked and exits non-zero on failure. A test may exit 77
# to say it was skipped (a tool it compares with is missing).
set -u
: "${LPARDBG:?set LPARDBG to the binary under test}"
export LPARDBG
here=$(cd "$(dirname "$0")" && pwd)
export LPD_TOP=$(cd "$here/.." && pwd)
export LPD_SHARED=${LPD_SHARED:-$LPD_TOP/../shared}
pass=0 fail=0 skip=0 failed=
for t in "$here"/cli/*.sh; do
	[ -e "$t" ] || continue
	case $(basename "$t") in lib.sh) continue ;; esac
	[ -n "${1:-}" ] && case $t in *"$1"*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	log=${BUILD:-/tmp}/cli-$name.log
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "ok   cli/$name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "skip cli/$name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"
	   echo "FAIL cli/$name (exit $rc), last lines of $log:"
	   tail -n 25 "$log" | sed 's/^/    /' ;;
	esac
done
echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
