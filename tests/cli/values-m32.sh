#!/bin/sh
# tests/cli/values-m32.sh - 32-bit values against gdb: fixtures/values.c
# built with -m32 (i386, gdb reads the core natively) at -O0 and -O2, and
# the values.cmds and values-ptr.cmds commands compared value by value
# with values_compare.py, as values.sh does for the 64-bit build.
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
	for c in values values-ptr; do
		"$PY" "$CMP" "$LPARDBG" "$d/values" "$d/core" \
			"$LPD_TOP/tests/cli/$c.cmds" --label "$c-m32-$v" \
			$allow || lpd_fail "m32-$v: $c differ from gdb's"
	done
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
