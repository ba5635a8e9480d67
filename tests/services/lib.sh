# tests/services/lib.sh - helpers for the messaging tests and
# bench/messaging.sh: a private cluster on loopback, killed on exit.
#   . "$(dirname "$0")/lib.sh"
# Needs $SVC (the built services: vios-vke, vios-msg, vios-cluster).
# Provides: svc_setup, svc_config, svc_start_node, svc_kill_node,
# svc_recv_start, svc_wait_up, svc_state, svc_status, svc_fail, svc_wait_lines.

: "${SVC:?set SVC to the folder holding vios-vke and vios-msg}"
SVC_PIDS=
SVC_TMP=
SVC_FAILED=0

svc_cleanup() {
	for p in $SVC_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $SVC_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$SVC_TMP" ] && [ -z "${SVC_KEEP:-}" ] && rm -rf "$SVC_TMP"
	SVC_TMP=
}

svc_setup() {
	SVC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lpd-svc.XXXXXX") || exit 1
	chmod 755 "$SVC_TMP"
	trap 'svc_cleanup' EXIT
	trap 'svc_cleanup; exit 130' INT TERM HUP
	# Ports per test run, so parallel runs do not collide.
	SVC_PORT=$((20000 + ($$ % 4000) * 8))
}

# svc_config N [extra lines]: write $SVC_TMP/cluster.conf with N nodes.
svc_config() {
	n=$1; shift
	conf=$SVC_TMP/cluster.conf
	{
		echo "cluster test$$"
		echo "socket_dir $SVC_TMP/sock"
		echo "heartbeat_ms 50"
		echo "dead_ms 600"
		echo "rto_ms 15"
		echo "lpars_per_node 2"
		for l in "$@"; do echo "$l"; done
		i=1
		while [ "$i" -le "$n" ]; do
			echo "node vios$i id=$i port=$((SVC_PORT + i)) repo=$SVC_TMP/repo$i"
			i=$((i + 1))
		done
	} >"$conf"
	SVC_CONF=$conf
}

# svc_start_node I [vke options...]: start vios$I's VKE; pid in NODE_PID_I.
svc_start_node() {
	i=$1; shift
	"$SVC/vios-vke" --config "$SVC_CONF" --node "vios$i" "$@" \
		>>"$SVC_TMP/vke$i.log" 2>&1 &
	eval "NODE_PID_$i=$!"
	SVC_PIDS="$SVC_PIDS $!"
	# The socket appears once the VKE is serving.
	t=0
	while [ ! -S "$SVC_TMP/sock/vios$i.sock" ] && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
}

svc_kill_node() {
	eval "p=\$NODE_PID_$1"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rm -f "$SVC_TMP/sock/vios$1.sock"
}

# svc_recv_start I: vios$I's receiving daemon, printing to recv$I.out.
svc_recv_start() {
	: >"$SVC_TMP/recv$1.err"
	"$SVC/vios-msg" --config "$SVC_CONF" --node "vios$1" recv \
		>>"$SVC_TMP/recv$1.out" 2>"$SVC_TMP/recv$1.err" &
	SVC_PIDS="$SVC_PIDS $!"
	t=0
	while ! grep -q receiving "$SVC_TMP/recv$1.err" && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
}

svc_msg() {
	"$SVC/vios-msg" --config "$SVC_CONF" "$@"
}

svc_status() {
	svc_msg --node "vios$1" status
}

# svc_state I J: vios$J's state as vios$I sees it (up, down, unknown).
svc_state() {
	svc_status "$1" | jq -r ".peers[] | select(.node == \"vios$2\") | .state"
}

# svc_wait_up I N [TRIES]: wait until vios$I sees N nodes up.
svc_wait_up() {
	t=0
	while [ $t -lt "${3:-100}" ]; do
		up=$(svc_status "$1" 2>/dev/null |
		     jq '[.peers[] | select(.state == "up")] | length')
		[ "${up:-0}" -eq "$2" ] && return 0
		sleep 0.05; t=$((t + 1))
	done
	return 1
}

# svc_wait_lines FILE N SECONDS: wait until FILE has at least N lines.
svc_wait_lines() {
	t=0
	while [ $t -lt $(($3 * 20)) ]; do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05; t=$((t + 1))
	done
	return 1
}

svc_fail() {
	echo "FAIL: $*"
	SVC_FAILED=1
}

svc_ok() {
	echo "ok: $*"
}
