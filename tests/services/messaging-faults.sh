#!/bin/sh
# tests/services/messaging-faults.sh - each fault switch walks its bug
# path and the VKE dies the way the bug makes it (SIGSEGV, abort), leaving
# a core and a note naming node and LPAR in the node's repository; with
# no switch, the same input is dropped and counted.
set -u
. "$(dirname "$0")/lib.sh"
: "${TESTBIN:?set TESTBIN}"
svc_setup
svc_config 2

san=0
grep -q __asan_init "$SVC/vios-vke" && san=1
cores=0
case $(cat /proc/sys/kernel/core_pattern) in '|'*) ;; *) [ $san -eq 0 ] && cores=1 ;; esac

# crash_check NAME: vios2's VKE must have died abnormally.
crash_check() {
	if kill -0 "$NODE_PID_2" 2>/dev/null; then
		svc_fail "$1: VKE still alive"
		kill -KILL "$NODE_PID_2"
	fi
	wait "$NODE_PID_2"
	rc=$?
	if [ $rc -lt 128 ] && [ $san -eq 0 ]; then
		svc_fail "$1: VKE exited $rc, not by a signal"
	elif [ $rc -eq 0 ]; then
		svc_fail "$1: VKE exited cleanly"
	fi
	grep -q "fault=$1\|FAULT $1" "$SVC_TMP/vke2.log" || svc_fail "$1: not armed"
	meta=$(ls "$SVC_TMP"/repo2/dumps/vios-vke.*.meta 2>/dev/null | tail -n 1)
	grep -q "^node vios2" "$meta" 2>/dev/null && grep -q "^lpar vios2-vios" "$meta" ||
		svc_fail "$1: no dump note in repo2/dumps"
	if [ $cores -eq 1 ]; then
		ls "$SVC_TMP"/repo2/dumps/core* >/dev/null 2>&1 ||
			svc_fail "$1: no core in repo2/dumps"
	fi
	if [ $san -eq 1 ] && [ "$1" = rtx-uaf ]; then
		grep -q "heap-use-after-free" "$SVC_TMP/vke2.log" ||
			svc_fail "$1: ASan did not report the use after free"
	fi
	svc_ok "$1: VKE died (status $rc)$([ $cores -eq 1 ] && echo ', core in repo2/dumps')"
	rm -rf "$SVC_TMP/repo2/dumps"
	rm -f "$SVC_TMP/sock/vios2.sock"
}

wait_dead() {
	t=0
	while kill -0 "$NODE_PID_2" 2>/dev/null && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
}

svc_start_node 1
# Off by default: a lying sub-header length is dropped and counted.
svc_start_node 2
svc_wait_up 2 2 || { svc_fail "no cluster"; exit 1; }
"$TESTBIN/msg-fuzz" --socket "$SVC_TMP/sock/vios2.sock" --submit-sublen 4 >"$SVC_TMP/st"
grep -q "status 74" "$SVC_TMP/st" || svc_fail "bad sub-header not refused: $(cat "$SVC_TMP/st")"
[ "$(svc_status 2 | jq .dropped.subheader)" -eq 1 ] || svc_fail "not counted"
kill -0 "$NODE_PID_2" || svc_fail "VKE died without a fault"
svc_ok "without a fault switch the bad sub-header is dropped and counted"
kill -TERM "$NODE_PID_2"; wait "$NODE_PID_2"

# subhdr-len: the length passes a compat check, then sizes a copy.
svc_start_node 2 --fault subhdr-len
svc_wait_up 2 2 || svc_fail "no cluster"
"$TESTBIN/msg-fuzz" --socket "$SVC_TMP/sock/vios2.sock" --submit-sublen 4 >/dev/null
wait_dead
crash_check subhdr-len
kill -0 "$NODE_PID_1" || svc_fail "vios1 died of the bad frame"
[ "$(svc_status 1 | jq .dropped.subheader)" -ge 1 ] ||
	svc_fail "vios1 did not drop the bad frame"

# queue-overflow: no receiver, more messages than the queue holds.
svc_start_node 2 --fault queue-overflow
svc_wait_up 1 2 || svc_fail "no cluster"
seq 1 4200 | svc_msg --node vios1 send --to vios2 2>/dev/null
wait_dead
crash_check queue-overflow
grep -q "receiver queue overflow" "$SVC_TMP/vke2.log" || svc_fail "no overflow message"

# rtx-uaf: the acknowledged tail of the retransmit list is freed while
# still linked; the retransmit timer writes to it.
svc_start_node 2 --fault rtx-uaf
svc_wait_up 2 2 || svc_fail "no cluster"
svc_msg --node vios2 send --to vios1 one 2>/dev/null
wait_dead
crash_check rtx-uaf
exit $SVC_FAILED
