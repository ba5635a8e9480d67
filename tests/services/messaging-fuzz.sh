#!/bin/sh
# tests/services/messaging-fuzz.sh - thousands of random, truncated and
# lying frames at a VKE's UDP port, Unix socket and a shared-memory ring
# (lying lengths, flags and indices) while good traffic
# flows: the VKE survives (run under ASan by `make check`), counts every
# bad one as dropped, and the good messages are all delivered.
set -u
. "$(dirname "$0")/lib.sh"
: "${TESTBIN:?set TESTBIN}"
COUNT=${COUNT:-3000}
svc_setup
svc_config 4
for i in 1 2 3 4; do svc_start_node $i; done
svc_wait_up 1 4 || { svc_fail "cluster did not come up"; exit 1; }
svc_wait_up 2 4 || { svc_fail "cluster did not come up"; exit 1; }
svc_recv_start 2

dropped() { svc_status 2 | jq .dropped.total; }
d0=$(dropped)
# Good traffic to vios2 while it is being fuzzed.
( seq 1 300 | sed 's/^/g:/' | svc_msg --node vios1 send --to vios2 ) &
good=$!
"$TESTBIN/msg-fuzz" --udp $((SVC_PORT + 2)) --socket "$SVC_TMP/sock/vios2.sock" \
	--count "$COUNT" --seed $$ >"$SVC_TMP/fuzz.out" 2>"$SVC_TMP/fuzz.err" ||
	svc_fail "fuzzer: $(cat "$SVC_TMP/fuzz.err")"
# A daemon with a shared-memory ring that fills it with lies, then
# claims an impossible index.
RING=${RING:-1000}
"$TESTBIN/msg-fuzz" --socket "$SVC_TMP/sock/vios2.sock" --ring "$RING" \
	--seed $$ >"$SVC_TMP/ring.out" 2>"$SVC_TMP/ring.err" ||
	svc_fail "ring fuzzer: $(cat "$SVC_TMP/ring.err")"
wait $good || svc_fail "good sender failed"
udp=$(awk '$1 == "udp" { print $2 }' "$SVC_TMP/fuzz.out")
unix=$(awk '$1 == "unix" { print $2 }' "$SVC_TMP/fuzz.out")
if grep -qx "ring $RING sealed yes closed yes refused $RING" "$SVC_TMP/ring.out"; then
	svc_ok "ring: $RING hostile slots refused, the area is sealed, a lying index closed the connection"
else
	svc_fail "ring: $(cat "$SVC_TMP/ring.out")"
fi
unix=$((unix + RING + 1))	# and the lying index
kill -0 "$NODE_PID_2" 2>/dev/null || { svc_fail "vios2's VKE died"; exit 1; }
# Let the last datagrams be read.
t=0
while [ "$(($(dropped) - d0))" -lt $((udp + unix)) ] && [ $t -lt 40 ]; do
	sleep 0.05; t=$((t + 1))
done
d1=$(dropped)
[ $((d1 - d0)) -eq $((udp + unix)) ] ||
	svc_fail "dropped $((d1 - d0)), sent $udp datagrams + $unix requests"
svc_status 2 | jq -c .dropped
svc_ok "vios2 survived $udp bad datagrams and $unix bad requests and ring slots, all counted"

svc_wait_lines "$SVC_TMP/recv2.out" 300 10 || svc_fail "good traffic lost"
[ "$(grep -c '	g:' "$SVC_TMP/recv2.out")" -eq 300 ] ||
	svc_fail "good messages: $(grep -c '	g:' "$SVC_TMP/recv2.out") of 300"
[ -z "$(cut -f4 "$SVC_TMP/recv2.out" | sort | uniq -d)" ] || svc_fail "duplicates"
svc_ok "300 good messages delivered exactly once during the fuzzing"
# And after it, the cluster still works both ways.
svc_msg --node vios2 send --to vios2 after || svc_fail "send after fuzz"
svc_wait_lines "$SVC_TMP/recv2.out" 301 5 || svc_fail "no delivery after fuzz"
svc_wait_up 2 4 || svc_fail "membership broken after fuzz"
svc_ok "vios2 still sends, receives and sees 4 nodes"

# A receiver whose delivery ring lies about its index: vios3's VKE hangs
# up on it at the next delivery and goes on.
"$TESTBIN/msg-fuzz" --socket "$SVC_TMP/sock/vios3.sock" --deliver-ring \
	>"$SVC_TMP/dring.out" 2>&1 &
dring=$!
t=0
while ! grep -q registered "$SVC_TMP/dring.out" && [ $t -lt 100 ]; do
	sleep 0.05; t=$((t + 1))
done
svc_msg --node vios1 send --to vios3 to-a-liar || svc_fail "send to vios3"
wait $dring || svc_fail "deliver-ring fuzzer: $(cat "$SVC_TMP/dring.out")"
if grep -qx "deliver-ring closed yes" "$SVC_TMP/dring.out" &&
   kill -0 "$NODE_PID_3" 2>/dev/null; then
	svc_ok "vios3 hung up on a receiver whose ring index lied, and lives"
else
	svc_fail "deliver ring: $(cat "$SVC_TMP/dring.out")"
fi
svc_recv_start 3
svc_wait_lines "$SVC_TMP/recv3.out" 1 5 ||
	svc_fail "the message for the liar was not kept for the next receiver"
svc_ok "the message was kept and went to the next receiver"
exit $SVC_FAILED
