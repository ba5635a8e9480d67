#!/bin/sh
# tests/cli/bad-input.sh - lpardbg on input it cannot fully use: never a
# crash (exit >= 128) nor a sanitizer report, a clear one-line error with
# exit 3 for unusable files, a warning and partial frames (exit 0) when only
# the executable or a shared object is missing, exit 2 for usage errors.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need cc readelf
lpd_tmpdir
T=$LPD_TMP

# run NAME ARGS...: run lpardbg, leaving $T/NAME.out, $T/NAME.err, $rc;
# fail on a crash or a sanitizer report.
run() {
	name=$1; shift
	"$LPARDBG" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	echo "$name: exit $rc: $(head -n 3 "$T/$name.err" | tr '\n' '|' | cut -c1-240)"
	if [ "$rc" -ge 128 ]; then
		lpd_fail "$name: lpardbg died (exit $rc)"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
		"$T/$name.err"; then
		lpd_fail "$name: sanitizer report"
		sed -n 1,30p "$T/$name.err"
	fi
}

# one_line_error NAME WORD: exit 3, one line on stderr, naming WORD
one_line_error() {
	[ "$rc" -eq 3 ] || lpd_fail "$1: exit $rc, want 3"
	n=$(wc -l <"$T/$1.err")
	[ "$n" -eq 1 ] || lpd_fail "$1: $n lines on stderr, want 1"
	grep -qF -- "$2" "$T/$1.err" || lpd_fail "$1: error does not name $2"
}

# usage errors
run noargs
[ "$rc" -eq 2 ] || lpd_fail "noargs: 'lpardbg' with no arguments exits $rc, want 2"
run bt-noargs bt
[ "$rc" -eq 2 ] || lpd_fail "bt-noargs: 'lpardbg bt' exits $rc, want 2"
run badopt bt --no-such-option "$T/x"
[ "$rc" -eq 2 ] || lpd_fail "badopt: exits $rc, want 2"
run badcmd no-such-command
[ "$rc" -eq 2 ] || lpd_fail "badcmd: exits $rc, want 2"

# not ELF, missing, empty
printf 'this is not an ELF file\n' >"$T/notelf.txt"
run notelf bt "$T/notelf.txt"
one_line_error notelf "$T/notelf.txt"
run missing bt "$T/no-such-core"
one_line_error missing "$T/no-such-core"
: >"$T/empty"
run empty bt "$T/empty"
one_line_error empty "$T/empty"
run directory bt "$T"
[ "$rc" -eq 3 ] || lpd_fail "directory: exit $rc, want 3"

# ELF but not a core
run true-as-core bt /bin/true
one_line_error true-as-core /bin/true
grep -qi 'not a core' "$T/true-as-core.err" ||
	lpd_fail "true-as-core: message does not say 'not a core'"
run true-as-core-json bt --json /bin/true
[ "$rc" -eq 3 ] || lpd_fail "true-as-core-json: exit $rc, want 3"

# the crasher's core, cut at several offsets
sh "$LPD_TOP/fixtures/make-core.sh" "$T" O2 >"$T/make-core.log" 2>&1 || {
	cat "$T/make-core.log"; echo "FAIL: make-core.sh"; exit 1; }
core=$T/O2/core
size=$(wc -c <"$core")
notes=$(readelf -lW "$core" | awk '$1 == "NOTE" { print $2, $5; exit }')
noff=$(($(echo "$notes" | cut -d' ' -f1)))
nsz=$(($(echo "$notes" | cut -d' ' -f2)))
for off in 10 63 100 $((noff + 8)) $((noff + nsz / 2)) $((noff + nsz - 4)) \
	   $((noff + nsz)) $((size / 2)) $((size - 1000)); do
	head -c "$off" "$core" >"$T/trunc-$off"
	for json in "" --json; do
		run "trunc-$off$json" bt $json "$T/trunc-$off" "$T/O2/crasher"
		case $rc in
		3) grep -q . "$T/trunc-$off$json.err" ||
			lpd_fail "trunc-$off$json: exit 3 without a message" ;;
		0) grep -qi 'warning' "$T/trunc-$off$json.err" ||
		   grep -q '"warnings": *\[ *"' "$T/trunc-$off$json.out" ||
			lpd_fail "trunc-$off$json: exit 0 without a warning" ;;
		*) lpd_fail "trunc-$off$json: exit $rc, want 3 or 0 with a warning" ;;
		esac
	done
done

# the core without its executable (moved away)
mkdir "$T/moved"
cp "$T/O2/core" "$T/moved/core"
mv "$T/O2/crasher" "$T/O2/crasher.away"
run noexe bt "$T/moved/core"
[ "$rc" -eq 0 ] || lpd_fail "noexe: exit $rc, want 0"
grep -q 'crasher' "$T/noexe.err" || lpd_fail "noexe: no warning naming crasher"
grep -q '??' "$T/noexe.out" || lpd_fail "noexe: no '??' frame"
grep -q 'Thread' "$T/noexe.out" || lpd_fail "noexe: no threads printed"
run noexe-json bt --json "$T/moved/core"
[ "$rc" -eq 0 ] || lpd_fail "noexe-json: exit $rc, want 0"
grep -q 'crasher' "$T/noexe-json.out" ||
	lpd_fail "noexe-json: the JSON warnings do not name crasher"
mv "$T/O2/crasher.away" "$T/O2/crasher"

# a missing shared object: crash inside a private library, then delete it
mkdir "$T/so"
cat >"$T/so/priv.c" <<'C'
void priv_call(void (*cb)(int *), int *p);
void priv_call(void (*cb)(int *), int *p) { cb(p); __asm__ volatile(""); }
C
cat >"$T/so/main.c" <<'C'
#include <stddef.h>
void priv_call(void (*cb)(int *), int *p);
static void crash(int *p) { *p = 42; }
int main(void) { priv_call(crash, NULL); return 0; }
C
cc -g -O0 -fPIC -shared -o "$T/so/libpriv.so" "$T/so/priv.c" &&
cc -g -O0 -o "$T/so/main" "$T/so/main.c" -L"$T/so" -lpriv || {
	echo "FAIL: cannot build the private library"; exit 1; }
if LD_LIBRARY_PATH=$T/so core_of_crash "$T/so" env LD_LIBRARY_PATH="$T/so" ./main; then
	run so-present bt "$T/so/core" "$T/so/main"
	grep -q 'priv_call' "$T/so-present.out" ||
		lpd_fail "so-present: no priv_call frame while libpriv.so exists"
	rm -f "$T/so/libpriv.so"
	run so-missing bt "$T/so/core" "$T/so/main"
	[ "$rc" -eq 0 ] || lpd_fail "so-missing: exit $rc, want 0"
	grep -q 'libpriv.so' "$T/so-missing.err" ||
		lpd_fail "so-missing: no warning naming libpriv.so"
	grep -q 'Thread' "$T/so-missing.out" || lpd_fail "so-missing: no threads"
	sed 's/^/    /' "$T/so-missing.out"
else
	lpd_fail "so: no core of the private-library crasher"
	cat "$T/so/crash.out"
fi

if [ "$LPD_FAILED" -ne 0 ]; then
	echo "bad-input: $LPD_FAILED failed"
	exit 1
fi
echo "bad-input: all cases handled"
