#!/bin/sh
# tests/services/messaging-busypoll.sh - a 2-node cluster with busy
# polling on: traffic both ways is delivered exactly once and in order;
# ACKs are delayed and cumulative (far fewer than the frames they cover);
# and once traffic stops the VKEs go back to sleeping, so an idle node
# costs next to no CPU.
set -u
. "$(dirname "$0")/lib.sh"
svc_setup
svc_config 2 "busy_poll_us 300"
N=${N:-500}

for i in 1 2; do svc_start_node $i; done
for i in 1 2; do
	svc_wait_up $i 2 || { svc_fail "vios$i does not see 2 nodes up"; exit 1; }
done
for i in 1 2; do svc_recv_start $i; done

for i in 1 2; do
	(
		seq 1 "$N" | sed "s/^/m:vios$i:/" |
			svc_msg --node vios$i send --to vios$((3 - i))
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
	seq 1 "$N" | sed "s/^/m:vios$((3 - i)):/" >"$SVC_TMP/want$i"
	if cut -f4 "$f" | cmp -s - "$SVC_TMP/want$i"; then
		svc_ok "vios$i: $N messages from vios$((3 - i)), once each, in order"
	else
		svc_fail "vios$i: not exactly once in order: $(cut -f4 "$f" |
			diff - "$SVC_TMP/want$i" | head -n 5)"
	fi
done

# Delayed, cumulative ACKs: the sender got far fewer ACKs than it sent
# frames, and every frame was acknowledged all the same.
st=$(svc_status 1 | jq '.peers[] | select(.node == "vios2")')
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
