#!/bin/sh
# bench/messaging.sh - the messaging service on a 4-node loopback cluster
# against two baselines on the same machine, in one run: raw UDP (the
# floor: one way = round trip / 2) and Corosync CPG (one corosync on
# loopback, 4 group members), if corosync and libcpg-dev are installed.
# Latency is submit-to-delivery (broadcast: at the last of 4 receivers);
# throughput is pipelined messages submitted per second until delivered.
# Two modes: the default (everyone sleeps until data comes), and busy
# polling (busy_poll_us in the cluster configuration, and
# msg_client_set_busy_poll in the daemon, which then talks to its VKE
# through shared-memory rings). Both are compared with raw UDP sleeping
# on its sockets (the floor the issue names) and with raw UDP busy
# polling the same way (udp-bp, the stricter floor). ROUNDS runs of each,
# interleaved; medians are printed.
#   make bench-messaging        (COUNT=N, ROUNDS=N, BUSY_US=N)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${SVC:=$top/build/services}"
COUNT=${COUNT:-2000}
ROUNDS=${ROUNDS:-3}
BUSY_US=${BUSY_US:-100}
. "$top/tests/services/lib.sh"
svc_setup
out=$SVC_TMP/results

# cluster_run BUSY: start 4 nodes (busy_poll_us BUSY), run unicast and
# broadcast, stop them.
cluster_run() {
	svc_config 4 "busy_poll_us $1"
	sed -i 's/^rto_ms 15$/rto_ms 20/' "$SVC_CONF"
	for i in 1 2 3 4; do svc_start_node $i; done
	for i in 1 2 3 4; do
		svc_wait_up $i 4 || { echo "cluster did not come up"; exit 1; }
	done
	"$SVC/bench/msg-bench" "$SVC_CONF" vios1 vios2 "$COUNT" "$1" >>"$out" || exit 1
	"$SVC/bench/msg-bench" "$SVC_CONF" vios1 all "$COUNT" "$1" >>"$out" || exit 1
	for i in 1 2 3 4; do svc_kill_node $i; done
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	cluster_run 0
	"$SVC/bench/udp-rtt" "$COUNT" >>"$out" || exit 1
	cluster_run "$BUSY_US"
	"$SVC/bench/udp-rtt" "$COUNT" "$BUSY_US" >>"$out" || exit 1
	r=$((r + 1))
done

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
		r=0
		while [ $r -lt "$ROUNDS" ]; do
			if timeout 120 "$SVC_TMP/cpg-bench" 4 "$COUNT" >>"$out"; then
				cpg=yes
			else
				echo "note: CPG run failed; see below"
				tail -n 5 "$SVC_TMP/corosync.log"
				break
			fi
			r=$((r + 1))
		done
		kill -TERM $coro 2>/dev/null; wait $coro 2>/dev/null
	fi
else
	echo "note: corosync/libcpg-dev not installed (apt-get install corosync libcpg-dev); CPG skipped"
fi

echo "messaging, 4 nodes on loopback, $COUNT messages each, median of $ROUNDS rounds, $(nproc) cores"
echo "-bp: busy polling for $BUSY_US us (the service: through shared-memory rings)"
echo "p50/udp: against raw UDP round trips / 2 with sleeping sockets; p50/udp-bp: against raw UDP busy polling"
awk -v cpg=$cpg '
function median(k, f,    n, i, j, t, v) {
	n = cnt[k]
	for (i = 1; i <= n; i++) v[i] = val[k, f, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function ratio(a, b) { return (b in p50) && p50[b] > 0 ? sprintf("%.2f", p50[a] / p50[b]) : "-" }
{ k = $1; c = ++cnt[k]; val[k, "p50", c] = $3; val[k, "p99", c] = $5; val[k, "tput", c] = $7 }
END {
	for (k in cnt) { p50[k] = median(k, "p50"); p99[k] = median(k, "p99"); tput[k] = median(k, "tput") }
	printf "%-13s %8s %8s %10s %8s %9s %8s %9s\n", "path", "p50_us", "p99_us", "msgs/s",
	       "p50/udp", "p50/udp-bp", "p50/cpg", "tput/cpg"
	n = split("unicast broadcast unicast-bp broadcast-bp udp udp-bp cpg", order, " ")
	for (i = 1; i <= n; i++) {
		k = order[i]
		if (!(k in p50)) continue
		rc = cpg == "yes" ? ratio(k, "cpg") : "-"
		tc = (cpg == "yes" && tput["cpg"] > 0) ? sprintf("%.2f", tput[k] / tput["cpg"]) : "-"
		printf "%-13s %8.1f %8.1f %10.0f %8s %9s %8s %9s\n", k, p50[k], p99[k], tput[k],
		       ratio(k, "udp"), ratio(k, "udp-bp"), rc, tc
	}
}' "$out"
