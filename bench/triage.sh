#!/bin/sh
# bench/triage.sh [OUTDIR] - triage quality and scaling, in one run:
#  1. fixtures/make-bug-cores.sh makes >= 100 labelled cores (12 bugs, each
#     through several call paths, -O0/-O1/-O2, two program versions; some
#     bugs share their top frames);
#  2. lpardbg triage buckets them with the relational method and with the
#     baselines (raw top frame, raw top 3 frames, raw-stack edit distance,
#     the latter at its best threshold of a sweep), and pairwise
#     precision/recall/F1 against labels.tsv is printed for all four;
#  3. 1k/10k/100k analyses synthesized from the real ones (addresses,
#     paths and function names varied) are triaged, timed, scored against
#     their synthetic labels, and the growth exponent is fitted.
# Set LPARDBG to the binary (default ./lpardbg), KEEP=1 to keep OUTDIR.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
L=${LPARDBG:-$here/lpardbg}
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/lpd-triage.XXXXXX")}
[ -n "${1:-}" ] || [ -n "${KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
PY=python3

echo "== making labelled cores in $out"
sh "$here/fixtures/make-bug-cores.sh" "$out"
ncores=$(wc -l <"$out/labels.tsv")
nbugs=$(cut -f2 "$out/labels.tsv" | sort -u | wc -l)
echo "$ncores cores of $nbugs bugs"

cat >"$out/score.py" <<'PYEOF'
import itertools, json, re, sys
labels = dict(l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l)
doc = json.load(open(sys.argv[2]))
synth = len(sys.argv) > 3
assign = {}
for b in doc['buckets']:
    for m in b['members']:
        assign[m] = b['bucket']
def label(i):
    if not synth:
        return labels.get(i)
    m = re.match(r'syn\d+-f(\d+)-(.*)$', i)
    return m.group(1) + '/' + labels[m.group(2)]
# Pairwise counts from the contingency table (no n^2 loop).
from collections import Counter
cell = Counter((label(i), b) for i, b in assign.items() if label(i))
lab = Counter(); buc = Counter()
for (l, b), n in cell.items():
    lab[l] += n; buc[b] += n
pairs = lambda n: n * (n - 1) // 2
tp = sum(pairs(n) for n in cell.values())
pred = sum(pairs(n) for n in buc.values())
true = sum(pairs(n) for n in lab.values())
p = tp / pred if pred else 1.0
r = tp / true if true else 1.0
f = 2 * p * r / (p + r) if p + r else 0.0
print('%.4f %.4f %.4f %d' % (p, r, f, len(doc['buckets'])))
PYEOF

score() { $PY "$out/score.py" "$out/labels.tsv" "$@"; }

echo
echo "== pairwise precision / recall / F1 on $ncores labelled cores"
# Analyze once (facts cached next to the cores), then bucket four ways.
$L triage --cache --json "$out" >"$out/relational.json"
printf '%-34s %9s %9s %9s %8s\n' method precision recall F1 buckets
set -- $(score "$out/relational.json")
printf '%-34s %9s %9s %9s %8s\n' "lpardbg relational (T=0.75)" "$1" "$2" "$3" "$4"
rel_f1=$3
best_base=0
for m in top1 top3; do
	$L triage --cache --json --method $m "$out" >"$out/$m.json"
	set -- $(score "$out/$m.json")
	printf '%-34s %9s %9s %9s %8s\n' "baseline $m (raw frames)" "$1" "$2" "$3" "$4"
	best_base=$($PY -c "print(max($best_base, $3))")
done
best_edit=0 best_t= best_line=
for t in 0.50 0.55 0.60 0.65 0.70 0.75 0.80 0.85 0.90 0.95; do
	$L triage --cache --json --method edit --threshold $t "$out" >"$out/edit.json"
	set -- $(score "$out/edit.json")
	if $PY -c "import sys; sys.exit(0 if $3 > $best_edit else 1)"; then
		best_edit=$3 best_t=$t best_line="$1 $2 $3 $4"
	fi
done
set -- $best_line
printf '%-34s %9s %9s %9s %8s\n' "baseline edit distance (T=$best_t)" "$1" "$2" "$3" "$4"
best_base=$($PY -c "print(max($best_base, $best_edit))")
verdict=$($PY -c "print('ok' if $rel_f1 >= 0.95 and $rel_f1 > $best_base else 'FAIL')")
echo "relational F1 $rel_f1 (target >= 0.95), best baseline $best_base: $verdict"

echo
echo "== scaling: analyses synthesized from the $ncores real ones"
printf '%8s %10s %10s %9s %8s %7s\n' dumps "total s" "bucket s" signatures buckets F1
: >"$out/scale.txt"
for n in 1000 10000 100000; do
	start=$($PY -c 'import time; print(time.time())')
	$L triage --cache --json --timing --synthesize $n "$out" \
		>"$out/syn.json" 2>"$out/syn.err"
	end=$($PY -c 'import time; print(time.time())')
	total=$($PY -c "print('%.3f' % ($end - $start))")
	bucket=$(sed -n 's/.*bucket \([0-9.]*\) s.*/\1/p' "$out/syn.err")
	sigs=$(sed -n 's/.*(\([0-9]*\) signatures.*/\1/p' "$out/syn.err")
	set -- $(score "$out/syn.json" synth)
	printf '%8s %10s %10s %9s %8s %7s\n' $n "$total" "$bucket" "$sigs" "$4" "$3"
	echo "$n $total" >>"$out/scale.txt"
done
$PY - "$out/scale.txt" <<'PYEOF'
import math, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
xs = [math.log(n) for n, t in rows]; ys = [math.log(max(t, 1e-3)) for n, t in rows]
mx = sum(xs) / len(xs); my = sum(ys) / len(ys)
k = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
t10k = dict(rows).get(10000.0)
print('growth exponent (least squares, log time vs log n): %.2f (target <= 1.2)' % k)
print('10,000 analyses: %.2f s (target < 30 s)' % t10k)
PYEOF
