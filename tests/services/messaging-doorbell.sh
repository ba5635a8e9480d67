#!/bin/sh
# tests/services/messaging-doorbell.sh - ring clients talking to VKEs
# that do not busy-poll (busy_poll_us 0, the default): with pauses
# between bursts both sides go to sleep, so every burst must be announced
# by a doorbell, one way for submits and the other for deliveries. Every
# message arrives once, in order, through the rings.
set -u
. "$(dirname "$0")/lib.sh"
svc_setup
svc_config 2
for i in 1 2; do svc_start_node $i; done
for i in 1 2; do
	svc_wait_up $i 2 || { svc_fail "vios$i does not see 2 nodes up"; exit 1; }
done
svc_msg --node vios2 --busy-poll 50 recv --count 300 --timeout 10000 \
	>"$SVC_TMP/recv.out" 2>"$SVC_TMP/recv.err" &
rcv=$!
t=0
while ! grep -q receiving "$SVC_TMP/recv.err" && [ $t -lt 100 ]; do
	sleep 0.05; t=$((t + 1))
done
# Three bursts, 200 ms apart: far longer than any busy-poll budget.
( for k in 1 2 3; do seq 1 100 | sed "s/^/b$k:/"; sleep 0.2; done ) |
	svc_msg --node vios1 --busy-poll 50 send --to vios2 ||
	svc_fail "send failed"
wait $rcv || svc_fail "recv: $(cat "$SVC_TMP/recv.err")"
for k in 1 2 3; do seq 1 100 | sed "s/^/b$k:/"; done >"$SVC_TMP/want"
if cut -f4 "$SVC_TMP/recv.out" | cmp -s - "$SVC_TMP/want"; then
	svc_ok "300 messages in 3 bursts to sleeping VKEs, once each, in order"
else
	svc_fail "not exactly once in order ($(wc -l <"$SVC_TMP/recv.out") lines)"
fi
rs=$(svc_status 1 | jq .ring_submitted)
rd=$(svc_status 2 | jq .ring_delivered)
[ "$rs" -eq 300 ] && [ "$rd" -eq 300 ] &&
	svc_ok "all 300 went through the rings both ways" ||
	svc_fail "ring_submitted $rs, ring_delivered $rd (want 300 each)"
# Each burst after a pause found the other side asleep: the daemon rang
# vios1's VKE, and vios2's VKE rang the daemon.
din=$(svc_status 1 | jq .doorbells_in)
dout=$(svc_status 2 | jq .doorbells_out)
if [ "$din" -ge 3 ] && [ "$dout" -ge 3 ]; then
	svc_ok "doorbells: $din to vios1's VKE, $dout from vios2's"
else
	svc_fail "doorbells: $din in at vios1, $dout out at vios2 (want >= 3 each)"
fi
exit $SVC_FAILED
