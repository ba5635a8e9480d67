#!/bin/sh
# tests/services/messaging-busypoll.sh - a 2-node cluster with busy
# polling on, daemons talking to their VKEs through shared-memory rings:
# traffic both ways is delivered exactly
# once and in order, through the rings; ACKs are delayed and cumulative
# (far fewer than the frames they cover); a message too long for a ring
# slot keeps its place in the order; and once traffic stops the VKEs go
# back to sleeping, so an idle node costs next to no CPU.
set -u
. "$(dirname "$0")/lib.sh"
svc_setup
svc_config 2 "busy_poll_us 300"
N=${N:-500}

# No injected loss here (messaging-cluster.sh has it): the ACK count
# below is only meaningful when no gap or duplicate forces an early ACK.
for i in 1 2; do svc_start_node $i; done
for i in 1 2; do
	svc_wait_up $i 2 || { svc_fail "vios$i does not see 2 nodes up"; exit 1; }
done
for i in 1 2; do
	: >"$SVC_TMP/recv$i.err"
	svc_msg --node vios$i --busy-poll 200 recv \
		>>"$SVC_TMP/recv$i.out" 2>"$SVC_TMP/recv$i.err" &
	SVC_PIDS="$SVC_PIDS $!"
done
for i in 1 2; do
	t=0
	while ! grep -q receiving "$SVC_TMP/recv$i.err" && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
done

# Every 100th message is longer than a ring slot (2040 bytes), so it
# goes by the socket behind a marker and must still arrive in order.
long=$(head -c 3000 /dev/zero | tr '\0' x)
for i in 1 2; do
	(
		seq 1 "$N" | sed "s/^/m:vios$i:/; 0~100s/\$/:$long/" |
			svc_msg --node vios$i --busy-poll 200 send --to vios$((3 - i))
	) >"$SVC_TMP/send$i.log" 2>&1 &
	eval "S$i=$!"
done
for i in 1 2; do
	eval "wait \$S$i" || svc_fail "sender vios$i: $(cat "$SVC_TMP/send$i.log")"
done
for i in 1 2; do
	f=$SVC_TMP/recv$i.out
	svc_wait_lines "$f" "$N" 30 || svc_fail "vios$i received $(wc -l <"$f") of $N"
	sleep 0.2	# a duplicate would arrive by now
	seq 1 "$N" | sed "s/^/m:vios$((3 - i)):/; 0~100s/\$/:$long/" \
		>"$SVC_TMP/want$i"
	if cut -f4 "$f" | cmp -s - "$SVC_TMP/want$i"; then
		svc_ok "vios$i: $N messages from vios$((3 - i)), once each, in order"
	else
		svc_fail "vios$i: not exactly once in order: $(cut -f4 "$f" |
			diff - "$SVC_TMP/want$i" | head -n 5 | cut -c1-80)"
	fi
done

# The rings carried the traffic: submits on vios1, deliveries on vios2
# (all but the long ones, which went by the socket).
st1=$(svc_status 1) st2=$(svc_status 2)
rs=$(echo "$st1" | jq .ring_submitted)
rd=$(echo "$st2" | jq .ring_delivered)
if [ "$rs" -eq $((N - N / 100)) ] && [ "$rd" -eq "$N" ]; then
	svc_ok "vios1 took $rs submits from its ring; vios2 put $rd deliveries in one"
else
	svc_fail "ring_submitted $rs (want $((N - N / 100))), ring_delivered $rd (want $N)"
	# What the next person needs to tell where deliveries went.
	for i in 1 2; do
		svc_status $i | jq -c '{receiver, queued, submitted,
			delivered_local, ring_submitted, ring_delivered,
			doorbells_in, doorbells_out, dropped: .dropped.total,
			peers: [.peers[] | {node, sent, received, delivered,
			duplicates, abandoned, went_down, came_up}]}'
		tail -n 5 "$SVC_TMP/vke$i.log" "$SVC_TMP/recv$i.err"
	done
fi

# Delayed, cumulative ACKs: the sender got far fewer ACKs than it sent
# frames, and every frame was acknowledged all the same.
st=$(echo "$st1" | jq '.peers[] | select(.node == "vios2")')
sent=$(echo "$st" | jq .sent)
acks=$(echo "$st" | jq .acks_in)
unacked=$(echo "$st" | jq .unacked)
if [ "$sent" -ge "$N" ] && [ "$acks" -gt 0 ] && [ "$acks" -le $((sent / 4)) ] &&
   [ "$unacked" -eq 0 ]; then
	svc_ok "vios1 sent $sent frames to vios2 and got $acks ACKs, none unacked"
else
	svc_fail "vios1 -> vios2: sent $sent, ACKs $acks, unacked $unacked"
fi

# Busy polling is bounded: an idle VKE sleeps. Over 2 s of quiet (only
# heartbeats), each VKE may use a little CPU, not a core.
ticks() {
	# utime + stime, fields 14 and 15 of /proc/PID/stat (after the
	# parenthesised name, which cannot hold a space here).
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)
sleep 0.5
for i in 1 2; do eval "p=\$NODE_PID_$i"; eval "T0_$i=$(ticks "$p")"; done
sleep 2
for i in 1 2; do
	eval "p=\$NODE_PID_$i"
	eval "used=\$(( \$(ticks $p) - T0_$i ))"
	# 10% of a CPU over 2 s; a VKE that never stopped polling uses ~100%.
	if [ "$used" -le $((hz / 5)) ]; then
		svc_ok "idle vios$i used $used of $((2 * hz)) ticks"
	else
		svc_fail "idle vios$i used $used of $((2 * hz)) ticks: still polling"
	fi
done
exit $SVC_FAILED
