#!/bin/sh
# tests/cli/diff-repo.sh - diff and triage on repository dumps: a
# repository with two LPARs; LPAR a crashes with one bug on image app:1,
# then with another bug after its update to app:2, and diff by dump id
# derives regression_after_update from the index's LPAR, image and time,
# its proof naming the image change; the same bug on LPAR a and LPAR b is
# same_crash (--expect same exits 0). triage --repo buckets the
# repository's dumps as their labels say (pairwise F1 = 1), filters as repo
# ls does, a second run takes every analysis from the analyses table, and a
# corrupt cached row is recomputed with a warning.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need cc python3
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
L=$LPARDBG
export DEBUGINFOD_URLS=
export LPARDBG_REPO=$T/repo

BUILDS="O0-v1 O2-v1 O2-v2" BUGS="b01:1,2 b02:1 b06:1 b10:1" \
	sh "$LPD_TOP/fixtures/make-bug-cores.sh" "$T/c" >"$T/make.log" 2>&1 || {
	cat "$T/make.log"; echo "FAIL: make-bug-cores.sh"; exit 1; }
C=$T/c

check() {
	name=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	echo "== $name (exit $rc)"
}

# import LPAR IMAGE TIME CORE: import CORE, labelled with its bug, taken
# at TIME; prints its id.
import() {
	touch -d "$3" "$C/$4"
	"$L" repo import --json --lpar "$1" --node "node-$1" --image "$2" \
		--label "${4%%-*}" "$C/$4" >"$T/imp" 2>"$T/imp.err" || {
		cat "$T/imp.err" >&2; lpd_fail "import $4" >&2; }
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["imported"][0]["id"])' "$T/imp"
}

"$L" repo init >/dev/null || { echo "FAIL: repo init"; exit 1; }
OLD=$(import a app:1 "2026-01-01 10:00" b01-p1-O0-v1.core)
NEW=$(import a app:2 "2026-02-01 10:00" b06-p1-O2-v2.core)
SA=$(import a app:1 "2026-01-02 10:00" b02-p1-O0-v1.core)
SB=$(import b app:1 "2026-01-03 10:00" b02-p1-O2-v1.core)

# Another bug on the same LPAR after an image update: a regression.
check "diff OLD NEW (ids)" $L diff --json "$OLD" "$NEW"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc"; cat "$T/err"
"$PY" - "$T/out" "$OLD" "$NEW" <<'PYEOF' || lpd_fail "regression_after_update"
import json, sys
d = json.load(open(sys.argv[1]))
old, new = sys.argv[2], sys.argv[3]
rel = {r['relation']: r for r in d['relations']}
assert 'regression_after_update' in rel, list(rel)
r = rel['regression_after_update']
assert r['proof']['fact'] == 'regression_after_update("%s", "%s")' % (old, new), r
def walk(p):
    yield p['fact']
    yield from p.get('conditions') or []
    for q in p.get('premises') or []:
        yield from walk(q)
text = '\n'.join(walk(r['proof']))
for want in ('image_changed(', 'image("%s", "app:1")' % old,
             'image("%s", "app:2")' % new, 'lpar("%s", "a")' % old,
             'lpar("%s", "a")' % new, '"app:1" != "app:2"'):
    assert want in text, (want, text)
assert d['verdict'] == 'different', d['verdict']
print('ok   regression_after_update(%s, %s), proof names app:1 -> app:2'
      % (old, new))
PYEOF

# Unique prefixes work as ids do.
check "diff by prefix" $L diff "$(echo "$OLD" | cut -c1-6)" \
	"$(echo "$NEW" | cut -c1-6)"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc"
grep -q "regression_after_update(\"$OLD\", \"$NEW\")" "$T/out" ||
	lpd_fail "$name: no regression_after_update"

# The same bug on two LPARs: the same crash, not a regression.
check "diff SA SB --expect same" $L diff --json --expect same "$SA" "$SB"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc, wanted 0"
"$PY" - "$T/out" <<'PYEOF' || lpd_fail "same_crash across LPARs"
import json, sys
d = json.load(open(sys.argv[1]))
rel = {r['relation'] for r in d['relations']}
assert 'same_crash' in rel and 'regression_after_update' not in rel, rel
assert d['as_expected'] is True, d
print('ok   same_crash across LPARs a and b')
PYEOF
check "diff SA SB --expect different" $L diff --expect different "$SA" "$SB"
[ $rc -eq 1 ] || lpd_fail "$name: exit $rc, wanted 1"

# Values of the crashed frame are facts and a similarity dimension.
check "diff values" $L diff --json "$SA" "$C/b02-p1-O0-v1.core"
"$PY" - "$T/out" <<'PYEOF' || lpd_fail "values dimension"
import json, sys
d = json.load(open(sys.argv[1]))
dims = {x['name']: x for x in d['dimensions']}
v = dims['values']
assert v['applies'] and v['score'] == 1.0, v
assert 'common values equal' in v['explain'], v
print('ok   values dimension:', v['explain'])
PYEOF
check "unknown id" $L diff 0000ffff "$SA"
[ $rc -eq 3 ] || lpd_fail "$name: exit $rc, wanted 3"

# The rest of the labelled set, over both LPARs.
i=0
for f in "$C"/*.core; do
	i=$((i + 1))
	lp=a; [ $((i % 2)) -eq 0 ] && lp=b
	import $lp app:1 "2026-03-01 10:00" "$(basename "$f")" >/dev/null
done
"$L" repo ls --json >"$T/ls.json"
N=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/ls.json")
echo "repository: $N dumps"
[ "$N" -ge 15 ] || lpd_fail "only $N dumps in the repository"

# f1 TRIAGE_JSON: pairwise F1 of the buckets against the labels.
f1() {
	"$PY" - "$1" "$T/ls.json" <<'PYEOF'
import itertools, json, sys
t = json.load(open(sys.argv[1]))
label = {d['id']: d['labels'][0] for d in json.load(open(sys.argv[2]))}
bucket = {m: b['bucket'] for b in t['buckets'] for m in b['members']}
ids = sorted(bucket)
assert set(ids) <= set(label), set(ids) - set(label)
tp = fp = fn = 0
for x, y in itertools.combinations(ids, 2):
    same_b, same_l = bucket[x] == bucket[y], label[x] == label[y]
    tp += same_b and same_l
    fp += same_b and not same_l
    fn += same_l and not same_b
p = tp / (tp + fp) if tp + fp else 1.0
r = tp / (tp + fn) if tp + fn else 1.0
print('%d %.4f' % (len(ids), 2 * p * r / (p + r) if p + r else 0.0))
PYEOF
}

check "triage --repo (cold)" $L triage --repo "$LPARDBG_REPO" --json --timing
[ $rc -eq 0 ] || { lpd_fail "$name: exit $rc"; cat "$T/err"; }
cp "$T/out" "$T/t1.json"
res=$(f1 "$T/t1.json") || lpd_fail "f1"
echo "triage: dumps F1 = $res"
[ "$res" = "$N 1.0000" ] || lpd_fail "triage F1: $res, wanted $N 1.0000"
grep -q "cache: 0 hits, $N computed, 0 corrupt" "$T/err" ||
	{ lpd_fail "cold run: $(cat "$T/err")"; }

check "triage --repo (warm)" $L triage --repo --json --timing
grep -q "cache: $N hits, 0 computed, 0 corrupt" "$T/err" ||
	lpd_fail "warm run did not use the cache: $(cat "$T/err")"
cmp -s "$T/out" "$T/t1.json" || lpd_fail "warm run buckets differ"
grep "^cache:" "$T/err"

# A corrupt cached row: recomputed with a warning, stored again.
"$PY" - "$LPARDBG_REPO/index.sqlite" <<'PYEOF' || lpd_fail "corrupt a row"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE analyses SET facts = '{\"schema\": 3' WHERE rowid ="
               " (SELECT min(rowid) FROM analyses)").rowcount
db.commit()
assert n == 1, n
PYEOF
check "triage --repo (one corrupt row)" $L triage --repo --json --timing
grep -q "warning: cached analysis of .*(recomputed)" "$T/err" ||
	lpd_fail "$name: no warning: $(cat "$T/err")"
grep -q "cache: $((N - 1)) hits, 1 computed, 1 corrupt" "$T/err" ||
	lpd_fail "$name: $(cat "$T/err")"
cmp -s "$T/out" "$T/t1.json" || lpd_fail "$name: buckets differ"
check "triage --repo (repaired)" $L triage --repo --timing
grep -q "cache: $N hits, 0 computed, 0 corrupt" "$T/err" ||
	lpd_fail "$name: $(cat "$T/err")"

# Filters as repo ls takes them.
check "triage --repo --lpar b" $L triage --repo --json --lpar b
"$PY" - "$T/out" "$T/ls.json" <<'PYEOF' || lpd_fail "lpar filter"
import json, sys
t = json.load(open(sys.argv[1]))
want = {d['id'] for d in json.load(open(sys.argv[2])) if d['lpar'] == 'b'}
got = {m for b in t['buckets'] for m in b['members']}
assert got == want, (got, want)
assert all(b['lpars'] == ['b'] for b in t['buckets']), t['buckets']
print('ok   --lpar b: %d dumps' % len(got))
PYEOF
check "triage --repo --label b06 --signal SIGABRT" $L triage --repo --json \
	--label b06 --signal SIGABRT
"$PY" -c 'import json,sys; t=json.load(open(sys.argv[1])); assert len(t["buckets"]) == 1, t' \
	"$T/out" || lpd_fail "$name"
check "triage --repo --image nope" $L triage --repo --image nope
[ $rc -eq 4 ] || [ $rc -eq 3 ] || [ $rc -eq 1 ] || lpd_fail "$name: exit $rc"
check "triage --lpar without --repo" $L triage --lpar a "$C"
[ $rc -eq 2 ] || lpd_fail "$name: exit $rc, wanted 2"
check "triage --repo --signal bogus" $L triage --repo --signal bogus
[ $rc -eq 2 ] || lpd_fail "$name: exit $rc, wanted 2"

[ "$LPD_FAILED" -eq 0 ]
