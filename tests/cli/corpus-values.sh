#!/bin/sh
# tests/cli/corpus-values.sh - pointers on the 32-bit cores of
# $LPD_SHARED/corpus/elfutils (i386, ppc, s390, x32): the values engine
# makes them with the core's address size and byte order, and x/a reads
# address-sized units in that order; floats read and made there are in
# that order too (ppc is big-endian). Against gdb
# (gdb-multiarch when installed, else gdb for i386 and x32) with
# values_compare.py: corpus-values.cmds on the cores whose executable has
# DWARF (ppc, x32), corpus-values-nodwarf.cmds on all four. A core gdb
# cannot read is checked against facts from the ELF instead (readelf's
# symbol value of ptraceme, 4-byte pointers).
#
# Registers take gdb's types on i386 (values-m32-regs.cmds) and ppc
# (corpus-values-ppc-regs.cmds): 4-byte ints and pointers.
#
# Documented exception: on x32 gdb types $pc as uint64_t (the register is
# 64 bits); lpardbg types it void (*)() with x32's 4-byte pointers, so $pc
# lines are left out there.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
C=$LPD_SHARED/corpus/elfutils
[ -f "$C/MANIFEST.tsv" ] || lpd_skip "corpus missing: $C"
lpd_need bzip2 readelf
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
CMP=$LPD_TOP/tests/cli/values_compare.py
GDB=
if command -v gdb-multiarch >/dev/null 2>&1; then
	GDB=gdb-multiarch
elif command -v gdb >/dev/null 2>&1; then
	GDB=gdb
fi

# fact LABEL CMD WANT: lpardbg eval prints "$N = WANT" for the print CMD.
fact() {
	got=$("$LPARDBG" eval "$core" "$exe" "$2" 2>&1 |
		sed -n 's/^\$[0-9]* = //p')
	if [ "$got" = "$3" ]; then
		echo "ok $1: $2 = $got"
	else
		lpd_fail "$1: $2: got '$got', want '$3'"
	fi
}

for a in i386 ppc s390 x32; do
	core=$T/$a.core exe=$T/$a.exec
	bzip2 -dc "$C/backtrace.$a.core.bz2" >"$core" &&
	bzip2 -dc "$C/backtrace.$a.exec.bz2" >"$exe" ||
		{ lpd_fail "$a: cannot unpack the corpus"; continue; }
	case $a in
	ppc|x32) dwarf=yes ;;
	*) dwarf=no ;;
	esac
	case $a:$GDB in
	i386:gdb|x32:gdb|*:gdb-multiarch) native=yes ;;
	*) native=no ;;
	esac
	if [ "$native" = yes ]; then
		grep -v '\$pc' "$LPD_TOP/tests/cli/corpus-values-nodwarf.cmds" \
			>"$T/nopc.cmds"
		nd=$LPD_TOP/tests/cli/corpus-values-nodwarf.cmds
		[ "$a" = x32 ] && nd=$T/nopc.cmds
		LPD_GDB=$GDB "$PY" "$CMP" "$LPARDBG" "$exe" "$core" "$nd" \
			--label "corpus-$a-nodwarf" ||
			lpd_fail "$a: builtin pointers differ from gdb's"
		[ "$dwarf" = yes ] &&
		{ LPD_GDB=$GDB "$PY" "$CMP" "$LPARDBG" "$exe" "$core" \
			"$LPD_TOP/tests/cli/corpus-values.cmds" \
			--label "corpus-$a" ||
			lpd_fail "$a: pointers differ from gdb's"; }
		regs=
		[ "$a" = i386 ] && regs=values-m32-regs.cmds
		[ "$a" = ppc ] && regs=corpus-values-ppc-regs.cmds
		[ -n "$regs" ] &&
		{ LPD_GDB=$GDB "$PY" "$CMP" "$LPARDBG" "$exe" "$core" \
			"$LPD_TOP/tests/cli/$regs" --label "corpus-$a-regs" ||
			lpd_fail "$a: registers differ from gdb's"; }
		continue
	fi
	echo "$a: no gdb reads this core; checking ELF facts"
	fact "$a" 'print sizeof(char *)' 4
	fact "$a" 'print (void *)-1' '(void *) 0xffffffff'
	fact "$a" 'print (long *)0x1000 + 1' '(long *) 0x1004'
	[ "$dwarf" = yes ] || continue
	addr=$(readelf -sW "$exe" | awk '$8 == "ptraceme" { print $2 }')
	[ -n "$addr" ] || { lpd_fail "$a: no ptraceme in .symtab"; continue; }
	fact "$a" 'print &ptraceme' \
		"(int *) $(printf '0x%x' "0x$addr") <ptraceme>"
	fact "$a" 'print/z &ptraceme' "$(printf '0x%08x' "0x$addr")"
	fact "$a" 'print sizeof(&ptraceme)' 4
done
[ "$LPD_FAILED" -eq 0 ]
