#!/bin/sh
# tests/cli/fixtures.sh - the fixture crasher in its O2, eh and fp variants:
# physical pcs, names and lines agree with eu-stack/gdb (compare.py); the
# crashed thread comes first with "crashed": true and SIGSEGV; the crashed
# thread's frames hold the expected path (inline store_checksum and
# handle_message for O2, on_usr1, the signal frame, recurse, main); fp's
# recursion (5 recurse frames) is unwound without CFI for its code.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need eu-stack gdb nm readelf cc
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)

sh "$LPD_TOP/fixtures/make-core.sh" "$T" O2 eh fp >"$T/make-core.log" 2>&1 || {
	cat "$T/make-core.log"
	echo "FAIL: fixtures/make-core.sh"
	exit 1
}

# no_cfi_for EXE SYMBOL: true when no .eh_frame/.debug_frame FDE covers
# SYMBOL's address in EXE.
no_cfi_for() {
	addr=$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }')
	[ -n "$addr" ] || return 1
	readelf --debug-dump=frames "$1" |
	sed -n 's/.* FDE .*pc=\([0-9a-f]*\)\.\.\([0-9a-f]*\).*/\1 \2/p' |
	while read -r lo hi; do
		if [ $((0x$addr)) -ge $((0x$lo)) ] &&
		   [ $((0x$addr)) -lt $((0x$hi)) ]; then
			exit 1
		fi
	done
}

for v in O2 eh fp; do
	d=$T/$v
	echo "== $v"
	lpd_compare "fixture-$v" "$d/core" "$d/crasher" --save-json "$d/bt.json" ||
		lpd_fail "$v: lpardbg disagrees with eu-stack/gdb"
	[ -s "$d/bt.json" ] || { lpd_fail "$v: no JSON"; continue; }
	eu-stack -m -i -n 0 --core "$d/core" -e "$d/crasher" >"$d/eu.txt" 2>/dev/null
	if [ "$v" = fp ]; then
		if no_cfi_for "$d/crasher" recurse; then
			echo "fp: no CFI covers recurse: frames below it come from frame pointers"
		else
			lpd_fail "fp: the fp crasher has CFI for recurse; the variant is not what it claims"
		fi
	fi
	"$PY" - "$v" "$d/bt.json" "$d/eu.txt" <<'EOF' || lpd_fail "$v: expected frames"
import json, re, sys
variant, path, eupath = sys.argv[1:4]
doc = json.load(open(path))
bad = []
def need(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        bad.append(what)
sig = doc.get("signal") or {}
need(sig.get("name") == "SIGSEGV", "signal is SIGSEGV (got %r)" % sig.get("name"))
th = doc["threads"]
need(len(th) == 3, "3 threads (got %d)" % len(th))
need(th[0]["crashed"] is True, "first thread crashed: true")
need(th[0]["tid"] == doc["pid"], "crashed thread is the main thread (tid == pid)")
need(all(t["crashed"] is False for t in th[1:]), "other threads crashed: false")
fr = th[0]["frames"]
names = [f["function"] for f in fr]
print("crashed thread: " + " < ".join(
    "%s%s" % (f["function"] or ("<signal>" if f["signal_frame"] else "??"),
              "[i]" if f["inline"] else "") for f in fr))
def idx(name, inline=None):
    for i, f in enumerate(fr):
        if f["function"] == name and (inline is None or f["inline"] == inline):
            return i
    return -1
if variant == "O2":
    i1, i2 = idx("store_checksum", True), idx("handle_message", True)
    need(i1 == 0, "#0 is store_checksum, inline (at %d)" % i1)
    need(i2 == 1, "#1 is handle_message, inline (at %d)" % i2)
    need(len(fr) > 2 and fr[0]["pc"] == fr[1]["pc"] == fr[2]["pc"],
         "inline frames share on_usr1's pc")
    need(fr[0]["line"] == 27 and fr[1]["line"] == 33,
         "store_checksum at crasher.c:27, handle_message at :33")
i3 = idx("on_usr1", False)
need(i3 >= 0 and fr[i3]["inline"] is False, "on_usr1 physical (at %d)" % i3)
sigs = [i for i, f in enumerate(fr) if f["signal_frame"]]
need(len(sigs) == 1 and sigs[0] == i3 + 1,
     "one signal frame, right after on_usr1 (at %s)" % sigs)
nrec = names.count("recurse")
# eu-stack's count: at -O2 gcc turns recurse(n-1)+1 into a loop, so the
# O2/eh binaries have one recurse frame; -O0 (fp) keeps all five.
eurec = sum(1 for l in open(eupath) if re.search(r"^#\d+\s+0x\S+ recurse ", l)
            and "TID" not in l)
need(nrec == eurec, "recurse frames: ours %d, eu-stack %d" % (nrec, eurec))
if variant == "fp":
    need(nrec == 5, "fp: recurse appears 5 times (got %d)" % nrec)
else:
    need(nrec >= 1, "recurse appears (got %d)" % nrec)
im = idx("main")
need(im > max([i for i, n in enumerate(names) if n == "recurse"] or [99]),
     "main below the recurse frames (at %d)" % im)
for t in th[1:]:
    wn = [f["function"] for f in t["frames"]]
    need("worker" in wn, "thread %d has worker (%s)" % (t["tid"], wn))
sys.exit(1 if bad else 0)
EOF
done

if [ "$LPD_FAILED" -ne 0 ]; then
	echo "fixtures: $LPD_FAILED failed"
	exit 1
fi
echo "fixtures: O2 eh fp agree"
