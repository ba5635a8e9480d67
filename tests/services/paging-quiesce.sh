#!/bin/sh
# tests/services/paging-quiesce.sh - the fault switches: a worker that
# misses the quiesce makes the update abort on its deadline and the LPAR
# resumes on the old OS; a stale pointer kept to the released image
# faults (SIGSEGV) once the image is unmapped.
set -u
. "$(dirname "$0")/pglib.sh"
pg_setup
pg_mkdev dev
pg_pager dev pager.sock

pg_lpar lq pager.sock os-v1 --workers 8 --fault miss-quiesce ||
	{ cat "$PG_TMP/lq.log"; exit 1; }
sleep 0.1
before=$(pg_status lq | jq '[.workers[].calls] | add')
if out=$(pg_update --timeout-ms 50 lq os-v2); then
	pg_fail "update passed a worker that missed the quiesce: $out"
fi
echo "$out"
[ "$(echo "$out" | jq -r .phase)" = quiesce ] || pg_fail "not a quiesce abort"
echo "$out" | jq -r .reason | grep -q "quiesce timeout: 7 of 8 workers parked within 50 ms" ||
	pg_fail "reason does not count the parked workers"
sleep 1.2
s=$("$SVC/lpar-update" --dir "$PG_TMP" --stop lq)
[ "$(echo "$s" | jq .os_version)" = 1 ] || pg_fail "left v1 after the timeout"
after=$(echo "$s" | jq '[.workers[].calls] | add')
[ "$after" -gt "$before" ] || pg_fail "LPAR did not resume"
[ "$(echo "$s" | jq '[.workers[] | select(.versions != [1] or .failed != 0 or .calls != .os_calls)] | length')" = 0 ] ||
	pg_fail "state changed by the aborted update: $s"
# The pager was never asked for v2: the abort came before the page-in.
[ "$("$SVC/vios-pager" stats "$PG_TMP/pager.sock" os-v2 | jq .served)" = 0 ] ||
	pg_fail "v2 paged in despite the quiesce abort"
pg_ok "quiesce timeout: $(echo "$out" | jq -r .reason); LPAR went on on v1"

san=0
grep -q __asan_init "$SVC/lpar-rt" && san=1
pg_lpar ls pager.sock os-v1 --workers 8 --fault stale-ptr ||
	{ cat "$PG_TMP/ls.log"; exit 1; }
pid=$LPAR_PID
out=$(pg_update ls os-v2) || pg_fail "stale-ptr: update failed: $out"
t=0
while kill -0 "$pid" 2>/dev/null && [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
wait "$pid"
rc=$?
grep -q "stale pointer" "$PG_TMP/ls.log" || pg_fail "stale-ptr: not armed"
if [ $san -eq 1 ]; then
	grep -q "SEGV" "$PG_TMP/ls.log" || pg_fail "stale-ptr: no SEGV report"
elif [ $rc -ne 139 ]; then
	pg_fail "stale-ptr: exited $rc, not by SIGSEGV"
fi
pg_ok "stale pointer to the released image: SIGSEGV (exit $rc)"
exit $PG_FAILED
