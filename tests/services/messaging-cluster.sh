#!/bin/sh
# tests/services/messaging-cluster.sh - a 4-node cluster on loopback with
# 10% datagram loss and 10% duplication injected in every VKE: unicast and
# broadcast traffic is delivered exactly once and in per-sender order; a
# killed node is marked down within the bound, broadcasts still reach the
# others; restarted, it rejoins and receives again.
set -u
. "$(dirname "$0")/lib.sh"
svc_setup
svc_config 4
FAULTS="--drop 0.1 --dup 0.1"
UNI=${UNI:-200} BC=${BC:-100}

for i in 1 2 3 4; do svc_start_node $i $FAULTS; done
for i in 1 2 3 4; do
	svc_wait_up $i 4 || { svc_fail "vios$i does not see 4 nodes up"; exit 1; }
done
for i in 1 2 3 4; do svc_recv_start $i; done
svc_ok "4 nodes up, 4 receivers registered"

# Each node: UNI unicasts to the next node, then BC broadcasts; the four
# senders run at once.
for i in 1 2 3 4; do
	(
		next=$((i % 4 + 1))
		seq 1 "$UNI" | sed "s/^/u:vios$i:/" |
			svc_msg --node vios$i send --to vios$next &&
		seq 1 "$BC" | sed "s/^/b:vios$i:/" |
			svc_msg --node vios$i send --broadcast
	) >"$SVC_TMP/send$i.log" 2>&1 &
	eval "S$i=$!"
done
for i in 1 2 3 4; do
	eval "wait \$S$i" || svc_fail "sender vios$i: $(cat "$SVC_TMP/send$i.log")"
done
want=$((UNI + 4 * BC))
for i in 1 2 3 4; do
	svc_wait_lines "$SVC_TMP/recv$i.out" $want 30 ||
		svc_fail "vios$i received $(wc -l <"$SVC_TMP/recv$i.out") of $want"
done
sleep 0.3	# anything extra (a duplicate) would arrive by now

# check_order FILE: every sender's payloads are 1..N per kind, in order,
# unicasts before broadcasts, with nothing twice.
check_order() {
	awk -F'\t' '
	{ split($4, p, ":"); k = p[1] ":" p[2]
	  if (p[3] != last[k] + 1) { print "out of order or duplicate: " $0; bad = 1 }
	  last[k] = p[3]
	  if (p[1] == "b" && seen_b[p[2]] == 0) seen_b[p[2]] = NR
	  if (p[1] == "u" && seen_b[p[2]] > 0) { print "unicast after broadcast: " $0; bad = 1 }
	  if (($2 == "B") != (p[1] != "u")) { print "wrong kind: " $0; bad = 1 }
	}
	END { exit bad }' "$1" >"$SVC_TMP/order.err"
	rc=$?
	head -n 10 "$SVC_TMP/order.err"
	return $rc
}
for i in 1 2 3 4; do
	f=$SVC_TMP/recv$i.out
	prev=$(( (i + 2) % 4 + 1 ))
	n=$(wc -l <"$f")
	[ "$n" -eq $want ] || svc_fail "vios$i: $n messages, want $want"
	[ -z "$(cut -f4 "$f" | sort | uniq -d)" ] ||
		svc_fail "vios$i: duplicates delivered"
	check_order "$f" || svc_fail "vios$i: order broken"
	[ "$(grep -c "	u:vios$prev:" "$f")" -eq "$UNI" ] ||
		svc_fail "vios$i: unicasts from vios$prev missing"
	for s in 1 2 3 4; do
		[ "$(grep -c "	b:vios$s:" "$f")" -eq "$BC" ] ||
			svc_fail "vios$i: broadcasts from vios$s missing"
	done
done
drops=0 dups=0 rtx=0 suppressed=0
for i in 1 2 3 4; do
	st=$(svc_status $i)
	drops=$((drops + $(echo "$st" | jq .injected_drops)))
	dups=$((dups + $(echo "$st" | jq .injected_dups)))
	rtx=$((rtx + $(echo "$st" | jq '[.peers[].retransmits] | add')))
	suppressed=$((suppressed + $(echo "$st" | jq '[.peers[].duplicates] | add')))
done
[ $drops -gt 0 ] && [ $dups -gt 0 ] && [ $rtx -gt 0 ] && [ $suppressed -gt 0 ] ||
	svc_fail "faults not exercised: drops=$drops dups=$dups rtx=$rtx"
[ $SVC_FAILED -eq 0 ] && svc_ok "4 x $want messages exactly once, in order" \
	"(injected $drops losses, $dups duplicates; $rtx retransmits," \
	"$suppressed duplicates suppressed)"

# Kill vios4: the others mark it down within dead_ms (600) + a heartbeat.
svc_kill_node 4
t0=$(date +%s%N)
t=0
all_down() {
	[ "$(svc_state 1 4)" = down ] && [ "$(svc_state 2 4)" = down ] &&
		[ "$(svc_state 3 4)" = down ]
}
while ! all_down && [ $t -lt 60 ]; do sleep 0.02; t=$((t + 1)); done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
for i in 1 2 3; do
	[ "$(svc_state $i 4)" = down ] || svc_fail "vios$i: vios4 not marked down"
done
[ $ms -le 1500 ] || svc_fail "vios4 marked down after ${ms}ms"
svc_ok "vios4 killed: marked down on all of vios1..3 within ${ms}ms"

before1=$(wc -l <"$SVC_TMP/recv1.out")
seq 1 50 | sed 's/^/k:vios1:/' | svc_msg --node vios1 send --broadcast ||
	svc_fail "broadcast with vios4 down"
svc_msg --node vios1 send --to vios4 x 2>"$SVC_TMP/down.err" &&
	svc_fail "unicast to a down node accepted"
grep -q "down" "$SVC_TMP/down.err" || svc_fail "no 'down' error: $(cat "$SVC_TMP/down.err")"
for i in 1 2 3; do
	svc_wait_lines "$SVC_TMP/recv$i.out" $((want + 50)) 10 ||
		svc_fail "vios$i missed broadcasts with vios4 down"
done
[ "$(grep -c '	k:vios1:' "$SVC_TMP/recv4.out")" -eq 0 ] || svc_fail "dead vios4 received"
svc_ok "broadcast with vios4 down reached vios1..3 (50 each)"

# Restart vios4: it rejoins and receives broadcasts again.
svc_start_node 4 $FAULTS
: >"$SVC_TMP/recv4.out"
svc_recv_start 4
t0=$(date +%s%N)
for i in 1 2 3; do
	svc_wait_up $i 4 || svc_fail "vios$i: vios4 did not rejoin"
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(svc_status 1 | jq '.peers[] | select(.node=="vios4") | .came_up')" -eq 2 ] ||
	svc_fail "vios4 came_up count"
svc_wait_up 4 4 || svc_fail "vios4 does not see the others"
svc_ok "vios4 restarted: rejoined in ${ms}ms"
seq 1 50 | sed 's/^/r:vios2:/' | svc_msg --node vios2 send --broadcast ||
	svc_fail "broadcast after rejoin"
for i in 1 2 3; do
	svc_wait_lines "$SVC_TMP/recv$i.out" $((want + 100)) 10 ||
		svc_fail "vios$i missed broadcasts after rejoin"
done
svc_wait_lines "$SVC_TMP/recv4.out" 50 10 || svc_fail "rejoined vios4 missed broadcasts"
for i in 1 2 3 4; do check_order "$SVC_TMP/recv$i.out" || svc_fail "vios$i order"; done
svc_ok "broadcast after rejoin reached all 4 nodes, in order"
exit $SVC_FAILED
