#!/bin/sh
# tests/cli/values.sh - values against gdb: fixtures/values.c built at -O0
# and -O2 crashes; gdb and "lpardbg eval" run the same frame/info locals/
# info args/print/ptype/whatis/x commands on its core and the values are
# compared one by one (values_compare.py prints the counts). "bt --full"
# locals agree with gdb's bt full; bad expressions give gdb's one-line
# errors with exit 3; nothing crashes or hangs.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need gdb cc
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
CC=${CC:-cc}

for v in O0 O2; do
	d=$T/$v
	mkdir -p "$d"
	$CC -$v -g -o "$d/values" "$LPD_TOP/fixtures/values.c" ||
		{ lpd_fail "$v: cannot build fixtures/values.c"; continue; }
	core_of_crash "$d" ./values || { lpd_fail "$v: no core"; continue; }
	allow=
	[ "$v" = O2 ] && allow=--allow-o2
	"$PY" "$LPD_TOP/tests/cli/values_compare.py" "$LPARDBG" "$d/values" \
		"$d/core" "$LPD_TOP/tests/cli/values.cmds" --label "values-$v" \
		$allow || lpd_fail "$v: values differ from gdb's"

	# bt full: the locals of every frame gdb shows (up to main).
	LC_ALL=C gdb -nx -batch -ex 'set width 0' -ex 'bt full' \
		"$d/values" "$d/core" >"$d/gdb-bt.txt" 2>&1
	"$LPARDBG" bt --full "$d/core" "$d/values" >"$d/lpd-bt.txt" 2>&1 ||
		lpd_fail "$v: bt --full failed"
	"$PY" - "$v" "$d/gdb-bt.txt" "$d/lpd-bt.txt" <<'PYEOF' ||
import re, sys
v, gpath, lpath = sys.argv[1:4]
def frames(path):
    out, cur = {}, None
    for line in open(path, errors="replace"):
        m = re.match(r"^#(\d+)\s", line)
        if m:
            cur = int(m.group(1)); out[cur] = {}
            continue
        m = re.match(r"^        (\w+) = (.*)$", line)
        if m and cur is not None:
            out[cur][m.group(1)] = re.sub(r"\s+", " ", m.group(2)).strip()
    return out
g, l = frames(gpath), frames(lpath)
agree = differ = known = 0
for f, vals in g.items():
    for name, val in vals.items():
        ours = l.get(f, {}).get(name)
        if ours == val:
            agree += 1
        elif v == "O2" and ours is not None and "<not saved>" in ours:
            known += 1
        else:
            differ += 1
            print("DIFF bt full #%d %s: ours %r, gdb %r" % (f, name, ours, val))
print("bt-full-%s: %d locals agree, %d differ, %d known <not saved>" %
      (v, agree, differ, known))
sys.exit(1 if differ else 0)
PYEOF
	lpd_fail "$v: bt --full locals differ from gdb's"
done

# Bad expressions: one line each, gdb's words, exit 3.
d=$T/O0
if [ -s "$d/core" ]; then
	check_err() {
		out=$("$LPARDBG" eval "$d/core" "$d/values" "$1" 2>&1)
		rc=$?
		if [ "$rc" -ne 3 ] || [ "$out" != "$2" ]; then
			lpd_fail "eval '$1': exit $rc, '$out' (want 3, '$2')"
		else
			echo "ok   eval '$1': $out"
		fi
	}
	check_err 'foo' 'No symbol "foo" in current context.'
	check_err '1 +' "A syntax error in expression, near \`'."
	check_err 'g_counter.x' 'Attempt to extract a component of a value that is not a structure.'
	check_err '*g_bad_ptr' 'Cannot access memory at address 0x10'
	check_err '1/0' 'Division by zero'
	check_err 'g_counter % 0' 'Division by zero'
	# JSON: a typed tree.
	"$LPARDBG" eval --json --frame 1 "$d/core" "$d/values" '*msg' \
		>"$d/eval.json" || lpd_fail "eval --json failed"
	"$PY" - "$d/eval.json" <<'PYEOF' || lpd_fail "eval --json: bad tree"
import json, sys
doc = json.load(open(sys.argv[1]))
v = doc["results"][0]["value"]
assert v["kind"] == "struct" and v["type"] == "struct message", v
m = {x["name"]: x["value"] for x in v["members"]}
assert m["hdr"]["members"][0]["value"]["value"] == 1500
assert m["color"]["text"] == "RED"
assert m["score"]["value"] == "2.5"
print("ok   eval --json: struct message as a typed tree")
PYEOF
	# Bounded: a long walk over memory ends (timeout guards hangs).
	timeout 20 "$LPARDBG" eval "$d/core" "$d/values" 'g_bytes' \
		'*(char (*)[100000])g_bytes' >/dev/null 2>&1
	[ $? -le 3 ] || lpd_fail "eval on large arrays failed or hung"
fi
[ "$LPD_FAILED" -eq 0 ]
