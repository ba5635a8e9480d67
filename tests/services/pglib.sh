# tests/services/pglib.sh - helpers for the paging tests and
# bench/paging.sh: a paging device, a VIOS pager and LPARs in a private
# directory, killed on exit.
#   . "$(dirname "$0")/pglib.sh"
# Needs $SVC (vios-pager, lpar-rt, lpar-update, libos-*.so).
# Provides: pg_setup, pg_mkdev, pg_pager, pg_lpar, pg_update, pg_status,
# pg_fail, pg_ok, PG_FAILED.

: "${SVC:?set SVC to the folder holding vios-pager and lpar-rt}"
PG_PIDS=
PG_TMP=
PG_FAILED=0

pg_cleanup() {
	for p in $PG_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PG_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$PG_TMP" ] && [ -z "${SVC_KEEP:-}" ] && rm -rf "$PG_TMP"
	PG_TMP=
}

pg_setup() {
	PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lpd-pg.XXXXXX") || exit 1
	trap 'pg_cleanup' EXIT
	trap 'pg_cleanup; exit 130' INT TERM HUP
}

# pg_mkdev DEV [mkdev options]: v1..v3 with 64 catalog pages each, plus
# the fault builds (noentry, badabi) and any extra arguments.
pg_mkdev() {
	pg_d=$1; shift
	"$SVC/vios-pager" mkdev "$PG_TMP/$pg_d" "$@" \
		os-v1="$SVC/libos-v1.so":1:64 os-v2="$SVC/libos-v2.so":2:64 \
		os-v3="$SVC/libos-v3.so":3:64 \
		os-noentry="$SVC/libos-noentry.so":4:8 \
		os-badabi="$SVC/libos-badabi.so":5:8 \
		os-bad="$SVC/libos-v2.so":2:8 \
		os-lying="$SVC/libos-v3.so":7:8 ||
		{ echo "vios-pager mkdev failed"; exit 1; }
}

# pg_pager DEV SOCKNAME [serve options]: serve DEV at $PG_TMP/SOCKNAME.
pg_pager() {
	pg_d=$1 pg_s=$2; shift 2
	"$SVC/vios-pager" serve "$PG_TMP/$pg_d" "$PG_TMP/$pg_s" "$@" \
		>>"$PG_TMP/pager-$pg_s.log" 2>&1 &
	PG_PIDS="$PG_PIDS $!"
	pg_t=0
	while [ ! -S "$PG_TMP/$pg_s" ] && [ $pg_t -lt 100 ]; do
		sleep 0.05; pg_t=$((pg_t + 1))
	done
}

# pg_lpar NAME PAGER IMAGE [lpar-rt options]: start; pid in LPAR_PID.
pg_lpar() {
	pg_n=$1 pg_p=$2 pg_i=$3; shift 3
	: >"$PG_TMP/$pg_n.log"
	"$SVC/lpar-rt" --name "$pg_n" --dir "$PG_TMP" --pager "$PG_TMP/$pg_p" \
		--image "$pg_i" "$@" >>"$PG_TMP/$pg_n.log" 2>&1 &
	LPAR_PID=$!
	PG_PIDS="$PG_PIDS $!"
	pg_t=0
	while ! grep -q " ready on " "$PG_TMP/$pg_n.log" && [ $pg_t -lt 200 ]; do
		kill -0 "$LPAR_PID" 2>/dev/null || break
		sleep 0.02; pg_t=$((pg_t + 1))
	done
	grep -q " ready on " "$PG_TMP/$pg_n.log"
}

pg_update() {
	"$SVC/lpar-update" --dir "$PG_TMP" "$@"
}

pg_status() {
	"$SVC/lpar-update" --dir "$PG_TMP" --status "$1"
}

pg_fail() {
	echo "FAIL: $*"
	PG_FAILED=1
}

pg_ok() {
	echo "ok: $*"
}
