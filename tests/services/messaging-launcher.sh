#!/bin/sh
# tests/services/messaging-launcher.sh - vios-cluster starts 4 nodes with
# 3 LPARs each from one configuration file; discovery through the
# messaging service finds every node's LPARs and repository; a broadcast
# lands in every node's message log; stop leaves no process behind.
set -u
. "$(dirname "$0")/lib.sh"
svc_setup
svc_config 4 "lpars_per_node 3"
sed -i 's/^lpars_per_node 2$//' "$SVC_CONF"

"$SVC/vios-cluster" start "$SVC_CONF" || { svc_fail "start"; exit 1; }
"$SVC/vios-cluster" status "$SVC_CONF" >"$SVC_TMP/status" ||
	svc_fail "status: $(cat "$SVC_TMP/status")"
procs=$(awk '$5 == "running"' "$SVC_TMP/status" | wc -l)
[ "$procs" -eq $((4 + 4 + 12)) ] || svc_fail "$procs processes, want 20"
svc_ok "vios-cluster started 4 VKEs, 4 receiving daemons, 12 LPARs"

svc_msg --node vios3 discover >"$SVC_TMP/disc.json" || svc_fail "discover"
[ "$(jq '.nodes | length' "$SVC_TMP/disc.json")" -eq 4 ] || svc_fail "nodes: $(cat "$SVC_TMP/disc.json")"
[ "$(jq '[.nodes[].lpars | length] | add' "$SVC_TMP/disc.json")" -eq 12 ] ||
	svc_fail "lpars"
[ "$(jq -r '.nodes[] | select(.node == "vios2") | .repository' "$SVC_TMP/disc.json")" = \
  "$SVC_TMP/repo2" ] || svc_fail "repository of vios2"
jq -e '.nodes[] | select(.node == "vios4") | .lpars | index("vios4-lpar3")' \
	"$SVC_TMP/disc.json" >/dev/null || svc_fail "vios4-lpar3 not found"
[ -f "$SVC_TMP/repo1/lpars/vios1-lpar2.json" ] || svc_fail "LPAR record missing"
svc_ok "discover: 4 nodes, 12 LPARs, repositories"

svc_msg --node vios1 send --broadcast hello-all || svc_fail "broadcast"
for i in 1 2 3 4; do
	t=0
	while ! grep -q hello-all "$SVC_TMP/repo$i/messages.log" 2>/dev/null &&
	      [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
	grep -q "vios1	B	.*	hello-all" "$SVC_TMP/repo$i/messages.log" ||
		svc_fail "vios$i's daemon did not log the broadcast"
done
svc_ok "broadcast reached the 4 receiving daemons"

pids=$(awk '$5 == "running" { print $4 }' "$SVC_TMP/status")
"$SVC/vios-cluster" stop "$SVC_CONF" || svc_fail "stop"
for p in $pids; do
	kill -0 "$p" 2>/dev/null && svc_fail "pid $p survived stop"
done
[ -e "$SVC_TMP/sock/vios1.sock" ] && svc_fail "socket left behind"
"$SVC/vios-cluster" status "$SVC_CONF" >/dev/null && svc_fail "status after stop"
svc_ok "stop: all 20 processes gone, sockets removed"
exit $SVC_FAILED
