#!/bin/sh
# tests/cli/values-m32.sh - 32-bit values against gdb: fixtures/values.c
# built with -m32 (i386, gdb reads the core natively) at -O0 and -O2, and
# the values.cmds and values-ptr.cmds commands compared value by value
# with values_compare.py, as values.sh does for the 64-bit build.
# values-m32-regs.cmds: registers have i386's 4-byte types, as in gdb.
# Frame lines (bt, frame 1) pad the pc to 8 hex digits, as gdb's do.
# values-ptr.cmds also runs on a 64-bit -O0 build. values.c's 40-bit
# "unsigned long" bitfield does not compile on ILP32: the 32-bit copy
# makes it unsigned long long. Skipped when cc -m32 cannot link
# (gcc-multilib missing).
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need gdb cc
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
CC=${CC:-cc}
CMP=$LPD_TOP/tests/cli/values_compare.py

# frame_width LABEL DIR: frame lines pad a 32-bit pc to 8 hex digits, as
# gdb's do ("#1  0x08049a8a in f ..."): every pc of lpardbg's bt and its
# "frame 1" has 8 digits, and gdb's frame 1 pc is the same string.
frame_width() {
	"$LPARDBG" bt "$2/core" "$2/values" >"$T/bt.out" 2>&1
	"$LPARDBG" eval "$2/core" "$2/values" 'frame 1' >"$T/frame.out" 2>&1
	pcs=$(cat "$T/bt.out" "$T/frame.out" |
		sed -n 's/^#[0-9]* *\(0x[0-9a-f]*\) in .*/\1/p')
	[ -n "$pcs" ] || { lpd_fail "$1: no frame lines"; return; }
	bad=$(echo "$pcs" | grep -cv '^0x[0-9a-f]\{8\}$')
	[ "$bad" -eq 0 ] || lpd_fail "$1: $bad frame pcs not 8 digits: $pcs"
	ours=$(sed -n 's/^#1  *\(0x[0-9a-f]*\) in .*/\1/p' "$T/frame.out")
	gdbs=$(gdb -batch -ex 'frame 1' "$2/values" "$2/core" 2>/dev/null |
		sed -n 's/^#1  *\(0x[0-9a-f]*\) in .*/\1/p')
	if [ -n "$ours" ] && [ "$ours" = "$gdbs" ]; then
		echo "ok $1: frame 1 at $ours, as gdb; $(echo "$pcs" |
			wc -l) frame pcs of 8 digits"
	else
		lpd_fail "$1: frame 1 pc '$ours', gdb '$gdbs'"
	fi
}

printf 'int main(void) { return 0; }\n' >"$T/probe.c"
$CC -m32 -o "$T/probe" "$T/probe.c" >/dev/null 2>&1 ||
	lpd_skip "cc -m32 cannot link (gcc-multilib not installed)"
sed -e 's/unsigned long d : 40;/unsigned long long d : 40;/' \
    -e 's/1099511627775UL;/1099511627775ULL;/' \
    "$LPD_TOP/fixtures/values.c" >"$T/values.c"

for v in O0 O2; do
	d=$T/m32-$v
	mkdir -p "$d"
	$CC -m32 -$v -g -w -o "$d/values" "$T/values.c" ||
		{ lpd_fail "m32-$v: cannot build values.c"; continue; }
	core_of_crash "$d" ./values || { lpd_fail "m32-$v: no core"; continue; }
	allow=
	[ "$v" = O2 ] && allow=--allow-o2
	for c in values values-ptr values-m32-regs; do
		"$PY" "$CMP" "$LPARDBG" "$d/values" "$d/core" \
			"$LPD_TOP/tests/cli/$c.cmds" --label "$c-m32-$v" \
			$allow || lpd_fail "m32-$v: $c differ from gdb's"
	done
	frame_width "m32-$v" "$d"
done

d=$T/m64
mkdir -p "$d"
if $CC -O0 -g -o "$d/values" "$LPD_TOP/fixtures/values.c" &&
   core_of_crash "$d" ./values; then
	"$PY" "$CMP" "$LPARDBG" "$d/values" "$d/core" \
		"$LPD_TOP/tests/cli/values-ptr.cmds" --label values-ptr-m64 ||
		lpd_fail "m64: values-ptr differ from gdb's"
else
	lpd_fail "m64: no core of fixtures/values.c"
fi
[ "$LPD_FAILED" -eq 0 ]
