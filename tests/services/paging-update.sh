#!/bin/sh
# tests/services/paging-update.sh - a running LPAR with 8 workers goes
# v1 -> v2 -> v3 while they call the OS: every call is served by the OS
# of the generation in force (before the switch the old, after it the
# new), each worker's versions run 1, 2, 3 in order, no call fails or is
# lost (the app's count per handle equals the OS's, carried through two
# state transfers), the handles stay open. Both paging paths: userfaultfd
# (when the kernel allows it) and explicit page requests; both update
# orders (page in while quiesced, and --prepare-first).
set -u
. "$(dirname "$0")/pglib.sh"
pg_setup
pg_mkdev dev
pg_pager dev pager.sock

# check LPAR MODE
check() {
	l=$1
	pg_lpar "$l" pager.sock os-v1 --workers 8 $2 || {
		pg_fail "$l: did not boot"; cat "$PG_TMP/$l.log"; return; }
	sleep 0.2
	for v in 2 3; do
		# One of the two updates prepares the image before the quiesce.
		early=; [ "$v" = "$3" ] && early=--prepare-first
		out=$(pg_update $early "$l" os-v$v) || pg_fail "$l: update to v$v: $out"
		echo "$out"
		[ "$(echo "$out" | jq .os_version)" = "$v" ] ||
			pg_fail "$l: not on v$v after the update"
		sleep 0.2
	done
	s1=$(pg_status "$l")
	sleep 0.2
	s=$("$SVC/lpar-update" --dir "$PG_TMP" --stop "$l")
	echo "$s" | jq -c '.workers[]'
	[ "$(echo "$s" | jq '[.workers[] | select(.versions != [1,2,3])] | length')" = 0 ] ||
		pg_fail "$l: a worker's versions are not 1, 2, 3 in order"
	[ "$(echo "$s" | jq '[.workers[] | .failed + .violations] | add')" = 0 ] ||
		pg_fail "$l: failed calls or calls served by the wrong OS"
	[ "$(echo "$s" | jq '[.workers[] | select(.calls != .os_calls or .calls < 100)] | length')" = 0 ] ||
		pg_fail "$l: calls lost (app count != OS count per handle)"
	[ "$(echo "$s" | jq -c '[.workers[].handle]')" = "[0,1,2,3,4,5,6,7]" ] ||
		pg_fail "$l: handles changed"
	# Still running after the last update: the counts went on growing.
	a=$(echo "$s1" | jq '[.workers[].calls] | add')
	b=$(echo "$s" | jq '[.workers[].calls] | add')
	[ "$b" -gt "$a" ] || pg_fail "$l: workers stopped after the update"
	wait "$LPAR_PID" || pg_fail "$l: exited $?"
	pg_ok "$l ($2): v1 -> v2 -> v3, $b calls"
}
check lp-uffd "" 3
check lp-req --no-uffd 2
grep -q "uffd on" "$PG_TMP/lp-uffd.log" || echo "note: userfaultfd not available here, both runs paged by request"
exit $PG_FAILED
