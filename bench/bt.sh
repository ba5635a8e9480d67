#!/bin/sh
# bench/bt.sh - time `lpardbg bt` against eu-stack and gdb on the same
# cores, in one run: the fixture crasher (O2), a python3 with 8 threads, and
# a process with 64 threads and ~1 GiB of heap (bench/data/big.c). Prints,
# per core, the median wall time of each tool, the ratios lpardbg/eu-stack
# and lpardbg/gdb, and each tool's peak RSS. Uses hyperfine when installed,
# else N runs under /usr/bin/time. All three get the executable too.
#   make bench            or   LPARDBG=build/lpardbg sh bench/bt.sh
#   BENCH_RUNS=N (default 7); BENCH_KEEP=1 keeps the results folder.
set -u
here=$(cd "$(dirname "$0")" && pwd)
LPD_TOP=$(cd "$here/.." && pwd)
export LPD_TOP
. "$LPD_TOP/tests/cli/lib.sh"
LPARDBG=${LPARDBG:-$LPD_TOP/lpardbg}
case $LPARDBG in /*) ;; *) LPARDBG=$PWD/$LPARDBG ;; esac
N=${BENCH_RUNS:-7}
[ -x "$LPARDBG" ] || { echo "bench: no $LPARDBG (make lpardbg)"; exit 1; }
for t in eu-stack gdb cc; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t missing"; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt install time)"; exit 1; }
lpd_tmpdir
T=$LPD_TMP
if [ -n "${BENCH_KEEP:-}" ]; then LPD_KEEP=1; echo "results in $T"; fi
PY=$(lpd_python)

echo "== making cores in $T"
sh "$LPD_TOP/fixtures/make-core.sh" "$T/fx" O2 >"$T/make-core.log" 2>&1 ||
	{ cat "$T/make-core.log"; exit 1; }
cores="fixture-O2"
core_fixture_O2=$T/fx/O2/core exe_fixture_O2=$T/fx/O2/crasher

if [ -n "$PY" ]; then
	lpd_spawn "$PY" -c '
import threading, time
for i in range(8):
    threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
time.sleep(1000)
'
	pid=$LPD_LAST_PID
	if lpd_wait_threads "$pid" 9 20 && lpd_wait_blocked "$pid" &&
	   core_of_pid "$pid" "$T/python3.core"; then
		cores="$cores python3-8threads"
		core_python3_8threads=$T/python3.core
		exe_python3_8threads=$(readlink -f "$PY")
	else
		echo "bench: no python3 core"
	fi
	lpd_kill "$pid"
fi

cc -O2 -g -pthread -o "$T/big" "$LPD_TOP/bench/data/big.c" || exit 1
lpd_spawn "$T/big" >"$T/big.out"
pid=$LPD_LAST_PID
if lpd_wait_file "$T/big.out" 120 && lpd_wait_threads "$pid" 65 &&
   lpd_wait_blocked "$pid" && core_of_pid "$pid" "$T/big.core"; then
	cores="$cores big-64threads-1GiB"
	core_big_64threads_1GiB=$T/big.core exe_big_64threads_1GiB=$T/big
else
	echo "bench: no core of the big process"
fi
lpd_kill "$pid"

var() { echo "$1" | tr -- '-' '_'; }
fmt_mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }

echo "lpardbg: $LPARDBG"
echo "eu-stack: $(eu-stack --version | head -n 1); gdb: $(gdb --version | head -n 1)"
if command -v hyperfine >/dev/null 2>&1; then
	echo "timing: hyperfine, 1 warmup + $N runs (median)"
else
	echo "timing: $N runs under /usr/bin/time (median)"
fi
echo
printf '%-20s %10s %10s %10s %9s %9s   %s\n' core "lpardbg" "eu-stack" gdb \
	"lpd/eu" "lpd/gdb" "peak RSS lpardbg / eu-stack / gdb (core size)"

for c in $cores; do
	v=$(var "$c")
	eval core=\$core_$v exe=\$exe_$v
	lpd_cmd="'$LPARDBG' bt '$core' '$exe'"
	eu_cmd="eu-stack -s -i -n 0 --core '$core' -e '$exe'"
	gdb_cmd="gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'thread apply all bt' '$exe' '$core'"
	# check each tool works on the core before timing it
	for tool in lpd eu gdb; do
		eval cmd=\$${tool}_cmd
		sh -c "$cmd" >"$T/$c.$tool.out" 2>&1 ||
			[ "$tool" = eu ] ||  # eu-stack exits 1 on any unwind error
			echo "bench: $tool failed on $c: $(tail -n 2 "$T/$c.$tool.out")"
	done
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -w 1 -r "$N" -i --style none \
			--export-json "$T/$c.json" \
			-n lpardbg "$lpd_cmd" -n eu-stack "$eu_cmd" -n gdb "$gdb_cmd" \
			>"$T/$c.hyperfine.log" 2>&1 ||
			{ cat "$T/$c.hyperfine.log"; exit 1; }
		meds=$("$PY" -c '
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(r["lpardbg"], r["eu-stack"], r["gdb"])' "$T/$c.json")
	else
		meds=
		for tool in lpd eu gdb; do
			eval cmd=\$${tool}_cmd
			: >"$T/$c.$tool.times"
			i=0
			while [ $i -lt "$N" ]; do
				/usr/bin/time -f '%e %M' -a -o "$T/$c.$tool.times" \
					sh -c "$cmd" >/dev/null 2>&1
				i=$((i + 1))
			done
			meds="$meds $(cut -d' ' -f1 "$T/$c.$tool.times" |
				sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
		done
	fi
	rss=
	for tool in lpd eu gdb; do
		eval cmd=\$${tool}_cmd
		# the command itself, not the sh -c around it
		eval "/usr/bin/time -f %M -o '$T/$c.$tool.rss' $cmd" >/dev/null 2>&1
		rss="$rss $(tail -n 1 "$T/$c.$tool.rss")"
	done
	set -- $meds
	l=$1 e=$2 g=$3
	set -- $rss
	csize=$(du -h --apparent-size "$core" | cut -f1)
	awk -v c="$c" -v l="$l" -v e="$e" -v g="$g" \
	    -v rl="$1" -v re="$2" -v rg="$3" -v cs="$csize" 'BEGIN {
		printf "%-20s %9.3fs %9.3fs %9.3fs %9.2f %9.2f   %.0f / %.0f / %.0f MB (%s)\n",
			c, l, e, g, (e > 0 ? l / e : 0), (g > 0 ? l / g : 0),
			rl / 1024, re / 1024, rg / 1024, cs }'
done

rm -f "$T/big.core"
echo
echo "big core deleted"
