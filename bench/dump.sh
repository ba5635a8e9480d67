#!/bin/sh
# bench/dump.sh - "lpardbg dump" against gdb's gcore on one live process
# with THREADS (64) parked threads and HEAP_MIB (1024) of touched, non-zero
# heap: median wall time of N (5) runs each, peak RSS (/usr/bin/time %M),
# and how long lpardbg kept the process stopped. Cores are deleted.
#   LPARDBG=build/lpardbg sh bench/dump.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
LPARDBG=${LPARDBG:-$top/build/lpardbg}
THREADS=${THREADS:-64}
HEAP_MIB=${HEAP_MIB:-1024}
N=${N:-5}
for t in cc gcore /usr/bin/time python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: need $t"; exit 1; }
done
[ -x "$LPARDBG" ] || { echo "bench: no $LPARDBG (make lpardbg)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lpd-bench.XXXXXX") || exit 1
P=
cleanup() {
	[ -n "$P" ] && kill -KILL "$P" 2>/dev/null && wait "$P" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -g -pthread -o "$T/parker" "$top/bench/data/parker.c" || exit 1
mkfifo "$T/in"
exec 3<>"$T/in"
"$T/parker" "$THREADS" "$HEAP_MIB" <"$T/in" >"$T/out" &
P=$!
n=0
until grep -q ready "$T/out" 2>/dev/null; do
	sleep 0.2; n=$((n + 1))
	[ $n -lt 300 ] || { echo "bench: parker did not start"; exit 1; }
done
echo "target: pid $P, $THREADS threads, $HEAP_MIB MiB heap, N=$N"

# run NAME CMD...: time one dump, append "secs kib" to $T/NAME.
run() {
	name=$1; shift
	sync
	/usr/bin/time -f '%e %M' -o "$T/time" "$@" >"$T/run.out" 2>&1 ||
		{ echo "bench: $name failed:"; tail -n 5 "$T/run.out"; exit 1; }
	cat "$T/time" >>"$T/$name"
}
for i in $(seq "$N"); do
	run lpardbg "$LPARDBG" dump --json -o "$T/core.lpd" "$P"
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))
		["stopped_ms"])' "$T/run.out" >>"$T/stopped"
	size_lpd=$(stat -c %s "$T/core.lpd")
	rm -f "$T/core.lpd"
	run gcore gcore -o "$T/core.gdb" "$P"
	size_gdb=$(stat -c %s "$T/core.gdb.$P")
	rm -f "$T/core.gdb.$P"
done
printf x >&3
sleep 1
tail -n 1 "$T/out" | grep -q '^count 1 ' ||
	{ echo "bench: the process did not run on"; exit 1; }

python3 - "$T" "$size_lpd" "$size_gdb" <<'EOF'
import statistics, sys
d = sys.argv[1]
def load(name):
    rows = [l.split() for l in open(f"{d}/{name}") if l.strip()]
    return (statistics.median(float(r[0]) for r in rows),
            max(int(r[1]) for r in rows))
lt, lm = load("lpardbg")
gt, gm = load("gcore")
st = statistics.median(float(l) for l in open(f"{d}/stopped"))
print(f"lpardbg dump: median {lt:.2f} s, peak RSS {lm / 1024:.1f} MiB, "
      f"process stopped {st:.0f} ms (median), core {int(sys.argv[2]) >> 20} MiB")
print(f"gcore:        median {gt:.2f} s, peak RSS {gm / 1024:.1f} MiB, "
      f"core {int(sys.argv[3]) >> 20} MiB")
print(f"ratio gcore/lpardbg: time {gt / lt:.1f}x, peak RSS {gm / lm:.1f}x")
EOF
