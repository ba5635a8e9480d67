#!/bin/sh
# bench/bt-corpus.sh - `lpardbg bt` against `eu-stack` on every core of the
# elfutils corpus that has an executable (cross-architecture, statically
# linked), in one run: wall time per core, median of 7 runs after one
# warm-up, and the ratio lpardbg / eu-stack (below 1: lpardbg is faster).
# Both print every thread with function names, inline frames and source
# lines (eu-stack -i -s).   usage: sh bench/bt-corpus.sh [RUNS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
LPARDBG=${LPARDBG:-$top/build/lpardbg}
C=${LPD_SHARED:-$top/../shared}/corpus/elfutils
RUNS=${1:-7}
[ -x "$LPARDBG" ] || { echo "build lpardbg first (make lpardbg)"; exit 2; }
[ -f "$C/MANIFEST.tsv" ] || { echo "no corpus at $C"; exit 2; }
command -v eu-stack >/dev/null || { echo "eu-stack not installed"; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lpd-bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

while IFS='	' read -r core exec _; do
	case $core in core|'#'*|'') continue ;; esac
	[ -n "$exec" ] || continue
	case $core in *sparc*) continue ;; esac	# not supported by lpardbg
	base=${core%.core.bz2}
	bzip2 -dc "$C/$core" >"$T/$base.core" &&
	bzip2 -dc "$C/$exec" >"$T/$base.exec" || exit 1
	echo "$base"
done <"$C/MANIFEST.tsv" >"$T/list"

python3 - "$LPARDBG" "$T" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
lpardbg, tmp, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def bench(argv):
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)

print('%-28s %12s %12s %7s' % ('core', 'lpardbg ms', 'eu-stack ms', 'ratio'))
ratios = []
for base in open(tmp + '/list').read().split():
    core, exe = '%s/%s.core' % (tmp, base), '%s/%s.exec' % (tmp, base)
    a = bench([lpardbg, 'bt', core, exe])
    b = bench(['eu-stack', '-i', '-s', '-n', '0', '--core', core, '-e', exe])
    ratios.append(a / b)
    print('%-28s %12.1f %12.1f %7.2f' % (base, a * 1e3, b * 1e3, a / b))
print('%-28s %12s %12s %7.2f' % ('geometric mean', '', '',
                                  statistics.geometric_mean(ratios)))
PY
