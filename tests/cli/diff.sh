#!/bin/sh
# tests/cli/diff.sh - lpardbg diff and triage on fixtures/bugs cores:
# pairs of the same bug (other path, optimization level, version) relate
# as same-crash / same-root-cause with the evidence and exit 0 under
# --expect same; different bugs with the same top frames relate as
# different-bug-same-symptom naming the frames that differ, and fail
# --expect same with exit 1; user rules, hostile rule files, .meta
# sidecars (regression after update, waits-on), cached facts, triage and
# its JSON/Markdown/JUnit reports.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need cc
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
L=$LPARDBG

BUILDS="O0-v1 O2-v1 O2-v2" BUGS="b01:1,2 b02:1,2 b06:1 b10:1 b03:1" \
	sh "$LPD_TOP/fixtures/make-bug-cores.sh" "$T/c" >"$T/make.log" 2>&1 || {
	cat "$T/make.log"; echo "FAIL: make-bug-cores.sh"; exit 1; }
C=$T/c

# check NAME CMD...: run CMD, keep stdout in $T/out and the exit in $rc.
check() {
	name=$1; shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	echo "== $name (exit $rc)"
}
has() {
	if grep -qF -- "$1" "$T/out"; then echo "ok   output has: $1"
	else lpd_fail "$name: output lacks: $1"; sed 's/^/    /' "$T/out" | head -40; fi
}

# Same bug, another caller path, -O0 vs -O2, version 1 vs 2.
check "b01 p1 O0-v1 vs p2 O2-v2, expect same" $L diff --expect same \
	"$C/b01-p1-O0-v1.core:$C/b01-p1-O0-v1.exe" \
	"$C/b01-p2-O2-v2.core:$C/b01-p2-O2-v2.exe"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc, wanted 0"
has 'same_root_cause_candidate("b01-p1-O0-v1.core", "b01-p2-O2-v2.core")'
has 'score("b01-p1-O0-v1.core", "b01-p2-O2-v2.core", "stack",'
has 'signal("b01-p2-O2-v2.core", "SIGSEGV")  [fact]'
has 'new_version('
has 'expected same: yes'
has '= #0   str_field@bugsim'

# Same bug, same path, another build: the same crash.
check "b02 p1 O0-v1 vs p1 O2-v1" $L diff --exe-a "$C/b02-p1-O0-v1.exe" \
	--exe-b "$C/b02-p1-O2-v1.exe" "$C/b02-p1-O0-v1.core" \
	"$C/b02-p1-O2-v1.core"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc"
has 'same_crash("b02-p1-O0-v1.core", "b02-p1-O2-v1.core")'
has 'same_fault('

# Different bugs, same top frame: the callers that differ are named.
check "b01 vs b10, expect different" $L diff --expect different \
	"$C/b01-p1-O2-v1.core" "$C/b10-p1-O2-v1.core"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc, wanted 0"
has 'different_bug_same_symptom("b01-p1-O2-v1.core", "b10-p1-O2-v1.core")'
has 'frame("b01-p1-O2-v1.core", 1, "parse_value@bugsim")  [fact]'
has 'frame("b10-p1-O2-v1.core", 1, "render_title@bugsim")  [fact]'
has 'not same_root_cause_candidate('
check "b02 vs b06, expect same (wrong)" $L diff --expect same \
	"$C/b02-p1-O2-v2.core" "$C/b06-p1-O2-v2.core"
[ $rc -eq 1 ] || lpd_fail "$name: exit $rc, wanted 1"
has 'different_bug_same_symptom('
has '"session_close@bugsim")  [fact]'
has '"cache_evict@bugsim")  [fact]'
has 'expected same: NO'

# JSON: the verdict, relations with proofs, dimensions, alignment.
check "json" $L diff --json --expect different "$C/b02-p1-O2-v1.core" \
	"$C/b06-p1-O2-v1.core"
"$PY" - "$T/out" <<'PYEOF' || lpd_fail "json: schema"
import json, sys
d = json.load(open(sys.argv[1]))
rel = {r['relation']: r for r in d['relations']}
assert d['verdict'] == 'different' and d['as_expected'] is True, d['verdict']
p = rel['different_bug_same_symptom']['proof']
assert p['rule'].startswith('different_bug_same_symptom('), p
facts = [q['fact'] for q in p['premises']]
assert any('session_close@bugsim' in f for f in facts), facts
assert any('not same_root_cause_candidate' in c for c in p['conditions'])
dims = {x['name']: x for x in d['dimensions']}
assert set(dims) == {'stack', 'threads', 'fault', 'modules', 'values'}
assert 0 <= dims['stack']['score'] < 0.7 and dims['fault']['score'] == 1
assert d['first_difference']['a'] == 'session_close@bugsim'
assert any(a['op'] == 'only_a' for a in d['alignment'])
print('ok   json verdict, proof premises, dimensions, alignment')
PYEOF

# User rules: added relations show; hostile files are refused with
# positions and exit 2.
cat >"$T/mine.dl" <<'DLEOF'
.show both_abort.
both_abort(A, B) :- pair(A, B), signal(A, "SIGABRT"), signal(B, "SIGABRT").
DLEOF
check "--rules" $L diff --rules "$T/mine.dl" "$C/b02-p1-O2-v1.core" \
	"$C/b03-p1-O2-v1.core"
has 'both_abort("b02-p1-O2-v1.core", "b03-p1-O2-v1.core")'
printf 'ok(X) :- p(X).\nbad(X, Y) :- p(X).\n' >"$T/unsafe.dl"
check "unsafe rules" $L diff --rules "$T/unsafe.dl" "$C/b02-p1-O2-v1.core" \
	"$C/b03-p1-O2-v1.core"
[ $rc -eq 2 ] || lpd_fail "$name: exit $rc, wanted 2"
grep -q "unsafe.dl:2:1: unsafe rule: head variable Y" "$T/err" &&
	echo "ok   unsafe rule named with its position" ||
	lpd_fail "unsafe: $(cat "$T/err")"
printf 'p(X) :- q(X)\n  , r(X.\n' >"$T/syntax.dl"
check "syntax error" $L diff --rules "$T/syntax.dl" "$C/b02-p1-O2-v1.core" \
	"$C/b03-p1-O2-v1.core"
[ $rc -eq 2 ] || lpd_fail "$name: exit $rc, wanted 2"
grep -q "syntax.dl:2:8: expected ')'" "$T/err" &&
	echo "ok   syntax error at line 2 column 8" ||
	lpd_fail "syntax: $(cat "$T/err")"
printf 'n(0).\nn(Y) :- n(X), Y = X + 1.\n' >"$T/loop.dl"
check "non-terminating rules" $L diff --rules "$T/loop.dl" \
	"$C/b02-p1-O2-v1.core" "$C/b03-p1-O2-v1.core"
[ $rc -eq 2 ] || lpd_fail "$name: exit $rc, wanted 2"
grep -q "loop.dl:2:15: rule may not terminate" "$T/err" &&
	echo "ok   non-terminating rule refused" ||
	lpd_fail "loop: $(cat "$T/err")"

# .meta sidecars: the same LPAR, image updated, a new crash afterwards;
# and a thread blocked on the node where the other dump crashed.
printf 'lpar=lpar7\nnode=vios1\nimage=app-1.0\ntime=1000\n' \
	>"$C/b01-p1-O2-v1.core.meta"
printf 'lpar=lpar7\nnode=vios2\nimage=app-2.0\ntime=2000\nvalue.peer_node=vios1\n' \
	>"$C/b03-p1-O2-v2.core.meta"
check "regression, waits-on" $L diff "$C/b01-p1-O2-v1.core" \
	"$C/b03-p1-O2-v2.core"
has 'regression_after_update("b01-p1-O2-v1.core", "b03-p1-O2-v2.core")'
has 'image("b03-p1-O2-v2.core", "app-2.0")  [fact]'
has 'waits_on("b03-p1-O2-v2.core", "b01-p1-O2-v1.core")'

# Triage, with cached facts; diff reads a cached analysis back.
check "triage --cache" $L triage --cache --json --junit "$T/junit.xml" "$C"
"$PY" - "$T/out" "$C/labels.tsv" "$T/junit.xml" <<'PYEOF' || lpd_fail "triage"
import json, sys, xml.dom.minidom
d = json.load(open(sys.argv[1]))
labels = dict(l.split('\t') for l in open(sys.argv[2]).read().split('\n') if l)
got = {}
for b in d['buckets']:
    bugs = {labels[m] for m in b['members']}
    assert len(bugs) == 1, (b['signature'], bugs)
    got.setdefault(bugs.pop(), []).append(b['bucket'])
assert all(len(v) == 1 for v in got.values()), got
assert len(got) == len(set(labels.values())), got
x = xml.dom.minidom.parse(sys.argv[3])
assert len(x.getElementsByTagName('testcase')) == len(d['buckets'])
print('ok   one bucket per bug (%d), JUnit parses' % len(d['buckets']))
PYEOF
[ -s "$C/b01-p1-O0-v1.core.facts.json" ] && echo "ok   facts cached" ||
	lpd_fail "no cached facts"
check "diff of cached facts" $L diff --expect same \
	"$C/b01-p1-O0-v1.core.facts.json" "$C/b01-p2-O2-v1.core.facts.json"
[ $rc -eq 0 ] || lpd_fail "$name: exit $rc"
check "triage --markdown" $L triage --cache --markdown "$C"
has '| # | dumps | signature |'
check "diff usage" $L diff only-one
[ $rc -eq 2 ] || lpd_fail "$name: exit $rc, wanted 2"
check "diff missing core" $L diff "$T/nope.core" "$C/b01-p1-O2-v1.core"
[ $rc -eq 3 ] || lpd_fail "$name: exit $rc, wanted 3"

[ "$LPD_FAILED" -eq 0 ]
