#!/bin/sh
# bench/messaging.sh - the messaging service on a 4-node loopback cluster
# against two baselines on the same machine, in one run: raw UDP (the
# floor: one way = round trip / 2) and Corosync CPG (one corosync on
# loopback, 4 group members), if corosync and libcpg-dev are installed.
# Latency is submit-to-delivery (broadcast: at the last of 4 receivers);
# throughput is pipelined messages submitted per second until delivered.
#   make bench-messaging        (COUNT=N to change the sample size)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${SVC:=$top/build/services}"
COUNT=${COUNT:-2000}
. "$top/tests/services/lib.sh"
svc_setup
svc_config 4
sed -i 's/^rto_ms 15$/rto_ms 20/' "$SVC_CONF"
for i in 1 2 3 4; do svc_start_node $i; done
for i in 1 2 3 4; do svc_wait_up $i 4 || { echo "cluster did not come up"; exit 1; }; done

out=$SVC_TMP/results
"$SVC/bench/msg-bench" "$SVC_CONF" vios1 vios2 "$COUNT" >>"$out" || exit 1
"$SVC/bench/msg-bench" "$SVC_CONF" vios1 all "$COUNT" >>"$out" || exit 1
"$SVC/bench/udp-rtt" "$COUNT" >>"$out" || exit 1

cpg=no
if command -v corosync >/dev/null && pkg-config --exists libcpg; then
	cc -std=c11 -D_GNU_SOURCE -O2 -o "$SVC_TMP/cpg-bench" \
		"$top/bench/messaging/cpg-bench.c" $(pkg-config --cflags --libs libcpg) &&
	cat >"$SVC_TMP/corosync.conf" <<EOC
totem {
	version: 2
	cluster_name: lpdbench
	transport: knet
	crypto_cipher: none
	crypto_hash: none
}
nodelist {
	node {
		ring0_addr: 127.0.0.1
		name: bench1
		nodeid: 1
	}
}
quorum {
	provider: corosync_votequorum
}
logging {
	to_stderr: yes
	to_syslog: no
}
EOC
	if pgrep -x corosync >/dev/null; then
		echo "note: a corosync is already running; CPG skipped"
	else
		corosync -f -c "$SVC_TMP/corosync.conf" >"$SVC_TMP/corosync.log" 2>&1 &
		coro=$!
		SVC_PIDS="$SVC_PIDS $coro"
		sleep 2
		if timeout 120 "$SVC_TMP/cpg-bench" 4 "$COUNT" >>"$out"; then
			cpg=yes
		else
			echo "note: CPG run failed; see below"; tail -n 5 "$SVC_TMP/corosync.log"
		fi
		kill -TERM $coro 2>/dev/null; wait $coro 2>/dev/null
	fi
else
	echo "note: corosync/libcpg-dev not installed (apt-get install corosync libcpg-dev); CPG skipped"
fi

echo "messaging, 4 nodes on loopback, $COUNT messages each, $(nproc) cores"
awk -v cpg=$cpg '
{ k = $1; p50[k] = $3; p99[k] = $5; tput[k] = $7 }
END {
	printf "%-10s %9s %9s %12s %9s %9s %9s\n", "path", "p50_us", "p99_us", "msgs/s",
	       "p50/udp", "p50/cpg", "tput/cpg"
	n = split("unicast broadcast udp cpg", order, " ")
	for (i = 1; i <= n; i++) {
		k = order[i]
		if (!(k in p50)) continue
		rc = (cpg == "yes" && p50["cpg"] > 0) ? sprintf("%.2f", p50[k] / p50["cpg"]) : "-"
		tc = (cpg == "yes" && tput["cpg"] > 0) ? sprintf("%.2f", tput[k] / tput["cpg"]) : "-"
		printf "%-10s %9.1f %9.1f %12.0f %9.2f %9s %9s\n", k, p50[k], p99[k], tput[k],
		       p50[k] / p50["udp"], rc, tc
	}
}' "$out"
