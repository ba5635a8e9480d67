# tests/services/bklib.sh - helpers for the backup tests (backup-*.sh) and
# bench/backup.sh: a backup server, a VIOS serving disks, all killed on
# exit.   . "$(dirname "$0")/bklib.sh"
# Needs $SVC (vios-vdisk, vbackup, vbackup-server) and $TESTBIN (tcp-cut).
: "${SVC:?set SVC to the built services}"
BK_PIDS=
BK_TMP=
BK_FAILED=0

bk_cleanup() {
	for p in $BK_PIDS; do kill -KILL "$p" 2>/dev/null; done
	for p in $BK_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$BK_TMP" ] && [ -z "${BK_KEEP:-}" ] && rm -rf "$BK_TMP"
	BK_TMP=
}

bk_setup() {
	BK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lpd-bk.XXXXXX") || exit 1
	trap 'bk_cleanup' EXIT
	trap 'bk_cleanup; exit 130' INT TERM HUP
	# Ports per run, so parallel runs do not collide.
	BK_PORT=$((24000 + ($$ % 4000) * 2))
	BK_CUT_PORT=$((BK_PORT + 1))
	VBACKUP_VIOS=$BK_TMP/vios.sock
	export VBACKUP_VIOS
}

# bk_server_start [options]: pid in BK_SRV_PID, log in srv.log.
bk_server_start() {
	"$SVC/vbackup-server" serve --store "$BK_TMP/store" --port "$BK_PORT" \
		"$@" >>"$BK_TMP/srv.log" 2>&1 &
	BK_SRV_PID=$!
	BK_PIDS="$BK_PIDS $!"
	t=0
	while ! grep -q "listening on $BK_PORT" "$BK_TMP/srv.log" 2>/dev/null &&
	      [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
}

bk_server_kill() {
	kill -KILL "$BK_SRV_PID" 2>/dev/null
	wait "$BK_SRV_PID" 2>/dev/null
	cat "$BK_TMP/srv.log" >>"$BK_TMP/srv.old.log"
	: >"$BK_TMP/srv.log"
}

# bk_vios_start PORT [options]: the VIOS serving disk d0 = $BK_TMP/disk.img
# and sending backups to 127.0.0.1:PORT; pid in BK_VIOS_PID.
bk_vios_start() {
	port=$1; shift
	rm -f "$VBACKUP_VIOS"
	"$SVC/vios-vdisk" --socket "$VBACKUP_VIOS" --server "127.0.0.1:$port" \
		--disk "d0=$BK_TMP/disk.img" "$@" >>"$BK_TMP/vios.log" 2>&1 &
	BK_VIOS_PID=$!
	BK_PIDS="$BK_PIDS $!"
	t=0
	while [ ! -S "$VBACKUP_VIOS" ] && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
}

# bk_field JSON KEY: a number out of vbackup request's one-line JSON.
bk_field() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\\([0-9.]*\\).*/\\1/p"
}

bk_sha() {
	sha256sum "$1" | cut -d' ' -f1
}

bk_fail() {
	echo "FAIL: $*"
	BK_FAILED=1
}

bk_ok() {
	echo "ok: $*"
}
