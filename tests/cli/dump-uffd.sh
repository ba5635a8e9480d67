#!/bin/sh
# tests/cli/dump-uffd.sh - "lpardbg dump PID" of a process with memory
# registered with userfaultfd (fixtures/uffd-parker.c: 64 pages, 10 faulted
# in, the handler a thread of the process). Reading an unpopulated page
# there waits on the handler, which the dump has stopped, so a naive
# writer hangs in handle_userfault, deaf to SIGTERM. The dump must finish,
# say which range it left unread and why, give a core whose populated
# pages are right, and leave the process running.
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need cc timeout
lpd_tmpdir
T=$LPD_TMP
cc -O0 -g -pthread -o "$T/uffd-parker" "$LPD_TOP/fixtures/uffd-parker.c" ||
	exit 1

mkfifo "$T/in"
exec 3<>"$T/in"
lpd_spawn sh -c "exec '$T/uffd-parker' <'$T/in' >'$T/out'"
P=$LPD_LAST_PID
lpd_wait_file "$T/out" || { echo "uffd-parker did not start"; exit 1; }
if grep -q '^nouffd' "$T/out"; then
	lpd_skip "$(sed 's/^nouffd //' "$T/out")"
fi
read -r word pid base end <"$T/out"
[ "$word" = ready ] && [ "$pid" = "$P" ] || { cat "$T/out"; exit 1; }

# ---- the dump: bounded, SIGKILL if SIGTERM is not enough -----------------
start=$(date +%s%N)
timeout -k 5 30 "$LPARDBG" dump "$P" -o "$T/core" 2>"$T/dump.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$T/dump.err"
case $rc in
0) echo "dump: ${ms} ms" ;;
124|137) lpd_fail "dump blocked on userfaultfd memory (timeout, rc $rc)"
	 exit 1 ;;
*) lpd_fail "dump exited $rc"; exit 1 ;;
esac
grep -q "^warning: 0x$base-0x$end: 54 page(s) left unread, written as zeros: userfaultfd-registered, not populated: its handler may be stopped\$" \
	"$T/dump.err" || lpd_fail "no warning naming 0x$base-0x$end and 54 pages"
[ "$(grep -c 'userfaultfd' "$T/dump.err")" -eq 1 ] ||
	lpd_fail "not one warning line for the one range"

# ---- the process runs on, untraced, its memory intact ---------------------
grep -q '^TracerPid:.0$' "/proc/$P/status" || lpd_fail "still traced"
printf x >&3
n=0
while [ "$(wc -l <"$T/out")" -lt 2 ] && [ $n -lt 50 ]; do
	sleep 0.1; n=$((n + 1))
done
got=$(sed -n 2p "$T/out")
[ "$got" = "page0 a0 magic 75666664c0ffee4e" ] ||
	lpd_fail "after the dump the process answers '$got'"

# ---- the core: unwinds, and holds the populated pages ---------------------
"$LPARDBG" bt "$T/core" "$T/uffd-parker" >"$T/bt" 2>&1 ||
	{ cat "$T/bt"; lpd_fail "bt on the core"; }
grep -q 'park' "$T/bt" || { cat "$T/bt"; lpd_fail "bt: no park frame"; }
grep -q 'serve' "$T/bt" || { cat "$T/bt"; lpd_fail "bt: no serve frame"; }

ev() {
	"$LPARDBG" eval "$T/core" "$T/uffd-parker" "$@" 2>&1
}
ev 'print/x uffd_magic' >"$T/ev1"
grep -q '= 0x75666664c0ffee4e' "$T/ev1" ||
	{ cat "$T/ev1"; lpd_fail "uffd_magic in the core"; }
# Page 6 (populated): bytes 0xa6 + (i & 3).
ev 'x/4xb uffd_page' >"$T/ev2"
grep -q '0xa6.*0xa7.*0xa8.*0xa9' "$T/ev2" ||
	{ cat "$T/ev2"; lpd_fail "populated page 6 in the core"; }
# Page 54 (the last populated one) and page 1 (unread: zeros).
ev "x/4xb 0x$base + 54 * 4096" >"$T/ev3"
grep -q '0xd6.*0xd7.*0xd8.*0xd9' "$T/ev3" ||
	{ cat "$T/ev3"; lpd_fail "populated page 54 in the core"; }
ev "x/4xb 0x$base + 4096" >"$T/ev4"
grep -q '0x00.*0x00.*0x00.*0x00' "$T/ev4" ||
	{ cat "$T/ev4"; lpd_fail "unread page 1 is not zeros in the core"; }
if command -v gdb >/dev/null 2>&1; then
	gdb -nx -batch -ex "x/4xb 0x$base + 12 * 4096" -c "$T/core" \
		"$T/uffd-parker" >"$T/gdb" 2>&1
	grep -q '0xac.*0xad.*0xae.*0xaf' "$T/gdb" ||
		{ cat "$T/gdb"; lpd_fail "gdb: populated page 12"; }
fi

lpd_kill "$P"
exec 3>&-
[ $LPD_FAILED -eq 0 ] || exit 1
echo "dump-uffd: all checks passed"
