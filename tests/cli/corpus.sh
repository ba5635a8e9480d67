#!/bin/sh
# tests/cli/corpus.sh - the x86_64 cores of the elfutils test suite
# ($LPD_SHARED/corpus/elfutils, statically linked backtrace-child, one
# unwound by CFI and one by frame pointers): per thread the physical pcs
# equal the eu-stack reference exactly, and the function names agree with
# the named reference.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
C=$LPD_SHARED/corpus/elfutils
[ -f "$C/backtrace.x86_64.core.bz2" ] || lpd_skip "corpus missing: $C"
lpd_need bzip2 nm
lpd_tmpdir
T=$LPD_TMP

for base in backtrace.x86_64 backtrace.x86_64.fp; do
	for f in core exec eu-stack-pcs.txt eu-stack.txt; do
		[ -f "$C/$base.$f" ] || [ -f "$C/$base.$f.bz2" ] ||
			lpd_skip "corpus incomplete: no $base.$f"
	done
	bzip2 -dc "$C/$base.core.bz2" >"$T/$base.core" &&
	bzip2 -dc "$C/$base.exec.bz2" >"$T/$base.exec" || {
		lpd_fail "$base: cannot decompress"
		continue
	}
	chmod +x "$T/$base.exec"
	lpd_compare "$base" "$T/$base.core" "$T/$base.exec" --no-gdb \
		--eu-pcs "$C/$base.eu-stack-pcs.txt" \
		--eu-names "$C/$base.eu-stack.txt" ||
		lpd_fail "$base: lpardbg disagrees with the eu-stack reference"
	# what the upstream tests expect: the signalled thread goes through
	# the signal-handling path and main's thread reaches main
	"$LPARDBG" bt "$T/$base.core" "$T/$base.exec" >"$T/$base.bt" 2>&1
	for fn in sigusr2 stdarg backtracegen main; do
		grep -q " in ${fn}[+ ]" "$T/$base.bt" ||
			lpd_fail "$base: no $fn frame in lpardbg bt"
	done
done

if [ "$LPD_FAILED" -ne 0 ]; then
	cat "$T"/*.bt
	echo "corpus: $LPD_FAILED failed"
	exit 1
fi
echo "corpus: x86_64 cores agree with the eu-stack references"
