#!/bin/sh
# tests/services/run.sh - the services' tests: cmocka units, then every
# tests/services/messaging-*.sh, paging-*.sh and backup-*.sh (exit 0 ok, 77 skipped,
# else failed).
set -u
: "${SVC:?set SVC to the built services}" "${TESTBIN:?set TESTBIN}"
export SVC TESTBIN
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 skip=0
for t in "$TESTBIN"/test-*; do
	[ -x "$t" ] || continue
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
for t in "$here"/messaging-*.sh "$here"/paging-*.sh "$here"/backup-*.sh; do
	[ -e "$t" ] || continue
	[ -n "${1:-}" ] && case $t in *"$1"*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	log=$TESTBIN/$name.log
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "ok   services/$name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "skip services/$name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1))
	   echo "FAIL services/$name (exit $rc), last lines of $log:"
	   tail -n 25 "$log" | sed 's/^/    /' ;;
	esac
done
echo "services: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
