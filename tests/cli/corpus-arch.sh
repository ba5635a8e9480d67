#!/bin/sh
# tests/cli/corpus-arch.sh - every core of $LPD_SHARED/corpus/elfutils that
# MANIFEST.tsv lists with an executable (aarch64, i386, ppc, ppc64le, s390,
# s390x, x32, x86_64 and their .fp variants), unwound and symbolized on
# this host: per thread the physical frame pcs equal the eu-stack pcs
# reference exactly, every function name of the names reference is
# matched, "arch" is the right name, and in the .fp variants the frames of
# the test program are reached through code no CFI covers.
#
# Documented exceptions (not failures):
# - sparc: no SPARC support (register windows); the core is reported as an
#   unsupported architecture, which is checked.
# - "$x" in the aarch64 names reference is an AArch64 mapping symbol, not
#   a function; lpardbg names the function (_start). Such names are counted
#   as unknown, as the reference's "??" would be.
set -u
: "${LPARDBG:?set LPARDBG to the binary under test}"
LPD_TOP=${LPD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LPD_SHARED=${LPD_SHARED:-$LPD_TOP/../shared}
C=$LPD_SHARED/corpus/elfutils
skip() { echo "skipped: $*"; exit 77; }
[ -f "$C/MANIFEST.tsv" ] || skip "corpus missing: $C"
for tool in bzip2 python3 eu-readelf; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
T=$(mktemp -d "${TMPDIR:-/tmp}/lpd-corpus-arch.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'rm -rf "$T"; exit 130' INT TERM HUP

cat >"$T/check.py" <<'EOF'
import json, re, subprocess, sys

lpardbg, core, exe, pcs_ref, names_ref, want_arch, fp = sys.argv[1:8]

def parse(path, with_names):
    threads, tid = {}, None
    for line in open(path):
        m = re.match(r'TID (\d+):', line)
        if m:
            tid = int(m.group(1))
            threads[tid] = []
            continue
        m = re.match(r'#(\d+)\s+0x([0-9a-f]+)(?:\s+(\S+))?', line)
        if m and tid is not None:
            threads[tid].append((int(m.group(2), 16),
                                 m.group(3) if with_names else None))
    return threads

def fde_ranges(path):
    out = subprocess.run(['eu-readelf', '--debug-dump=frames', path],
                         capture_output=True, text=True).stdout
    ranges, start = [], None
    for line in out.splitlines():
        m = re.search(r'initial_location:\s+0x([0-9a-f]+)', line)
        if m:
            start = int(m.group(1), 16)
        m = re.search(r'address_range:\s+0x([0-9a-f]+)', line)
        if m and start is not None:
            ranges.append((start, start + int(m.group(1), 16)))
            start = None
    return ranges

p = subprocess.run([lpardbg, 'bt', '--json', core, exe],
                   capture_output=True, text=True)
if p.returncode != 0:
    print('FAIL lpardbg exit %d: %s' % (p.returncode, p.stderr.strip()))
    sys.exit(1)
bt = json.loads(p.stdout)
ours = {}
for t in bt['threads']:
    ours[t['tid']] = [f for f in t['frames'] if not f.get('inline')]
ref_pcs = parse(pcs_ref, False)
ref_names = parse(names_ref, True)

bad = []
if bt.get('arch') != want_arch:
    bad.append('arch %r, expected %r' % (bt.get('arch'), want_arch))
pcs_ok = pcs_all = names_ok = names_all = unknown = 0
crashed_ok = True
crashed = [t['tid'] for t in bt['threads'] if t.get('crashed')]
for tid, ref in ref_pcs.items():
    have = [int(f['pc'], 16) for f in ours.get(tid, [])]
    for i, (pc, _) in enumerate(ref):
        pcs_all += 1
        if i < len(have) and have[i] == pc:
            pcs_ok += 1
        else:
            bad.append('tid %d #%d: pc %s, reference 0x%x' % (
                tid, i, hex(have[i]) if i < len(have) else 'missing', pc))
            if tid in crashed:
                crashed_ok = False
    if len(have) > len(ref):
        bad.append('tid %d: %d frames, reference %d' % (
            tid, len(have), len(ref)))
    for i, (pc, name) in enumerate(ref_names.get(tid, [])):
        if name is None or name == '??':
            continue
        if name.startswith('$'):
            unknown += 1        # a mapping symbol, not a function
            continue
        names_all += 1
        fr = ours.get(tid, [])
        got = fr[i]['function'] if i < len(fr) else None
        # eu-stack -i names the outermost (physical) function; ours may
        # come from DWARF with the same name or an inline chain.
        alts = {f['function'] for t in bt['threads'] if t['tid'] == tid
                for f in t['frames'] if int(f['pc'], 16) == pc}
        if got == name or name in alts:
            names_ok += 1
        else:
            bad.append('tid %d #%d: function %r, reference %r' % (
                tid, i, got, name))
if set(ours) != set(ref_pcs):
    bad.append('threads %s, reference %s' % (sorted(ours), sorted(ref_pcs)))

# .fp variants: the program's own frames are reached without CFI.
nocfi = ''
if fp == '1':
    ranges = fde_ranges(exe)
    covered = uncovered = 0
    for tid, frames in ours.items():
        for i, f in enumerate(frames[:-1]):
            pc = int(f['pc'], 16) - (0 if i == 0 else 1)
            if f['module'] is None or 'vdso' in (f['module'] or ''):
                continue
            if any(a <= pc < b for a, b in ranges):
                covered += 1
            else:
                uncovered += 1
    nocfi = ' no-CFI frames %d (CFI %d)' % (uncovered, covered)
    if uncovered < 5:
        bad.append('fp variant: only %d frames unwound without CFI'
                   % uncovered)

print('%-8s %-28s threads %d/%d  pcs %2d/%-2d  names %2d/%-2d%s%s%s' % (
    bt.get('arch'), core.split('/')[-1], len(ours), len(ref_pcs),
    pcs_ok, pcs_all, names_ok, names_all,
    ('  ($-symbols %d)' % unknown) if unknown else '',
    nocfi, '' if crashed_ok else '  CRASHED THREAD DIFFERS'))
for b in bad[:10]:
    print('    ' + b)
sys.exit(1 if bad else 0)
EOF

fail=0 n=0
echo "arch     core                         threads  physical pcs  names"
# MANIFEST.tsv: core exec arch threads frames reference
while IFS='	' read -r core exec machine _; do
	case $core in core|'#'*|'') continue ;; esac
	[ -n "$exec" ] || continue
	base=${core%.core.bz2}
	name=${base#backtrace.}
	case $name in
	*.fp) fp=1; arch=${name%.fp} ;;
	*) fp=0; arch=$name ;;
	esac
	bzip2 -dc "$C/$core" >"$T/$base.core" &&
	bzip2 -dc "$C/$exec" >"$T/$base.exec" || {
		echo "FAIL $base: cannot decompress"; fail=1; continue
	}
	n=$((n + 1))
	if [ "$arch" = sparc ]; then
		# documented gap: SPARC is not supported; say so clearly
		if "$LPARDBG" bt "$T/$base.core" "$T/$base.exec" \
			>"$T/out" 2>&1 ||
		   ! grep -q "unsupported architecture" "$T/out"; then
			echo "FAIL $base: expected 'unsupported architecture'"
			cat "$T/out"
			fail=1
		else
			echo "sparc    $base.core        unsupported (documented)"
		fi
		rm -f "$T/$base.core" "$T/$base.exec"
		continue
	fi
	python3 "$T/check.py" "$LPARDBG" "$T/$base.core" "$T/$base.exec" \
		"$C/$base.eu-stack-pcs.txt" "$C/$base.eu-stack.txt" "$arch" \
		"$fp" || fail=1
	rm -f "$T/$base.core" "$T/$base.exec"
done <"$C/MANIFEST.tsv"
[ "$n" -gt 0 ] || skip "no core with an executable in MANIFEST.tsv"

# Mixed input: an executable of another machine, class or byte order than
# the core is refused (exit 3) with a message naming both.
mixed() {	# CORE EXEC EXPECTED-TEXT
	bzip2 -dc "$C/$1.core.bz2" >"$T/m.core" &&
	bzip2 -dc "$C/$2.exec.bz2" >"$T/m.exec" || { fail=1; return; }
	"$LPARDBG" bt "$T/m.core" "$T/m.exec" >"$T/out" 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -q "$3" "$T/out"; then
		echo "mixed    $1 + $2: refused: $(tail -n 1 "$T/out" |
			sed 's/.*m\.exec: //')"
	else
		echo "FAIL mixed $1 + $2: exit $rc, expected 3 and '$3':"
		cat "$T/out"
		fail=1
	fi
}
mixed backtrace.x86_64 backtrace.aarch64 \
	"EM_AARCH64 (64-bit, little-endian) does not match the core's x86_64"
mixed backtrace.s390x backtrace.s390 \
	"EM_S390 (32-bit, big-endian) does not match the core's s390x"
mixed backtrace.ppc backtrace.ppc64le.fp \
	"EM_PPC64 (64-bit, little-endian) does not match the core's ppc"
mixed backtrace.x32 backtrace.x86_64 \
	"EM_X86_64 (64-bit, little-endian) does not match the core's x32"
echo "corpus-arch: $n cores, $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
