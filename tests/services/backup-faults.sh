#!/bin/sh
# tests/services/backup-faults.sh - a server out of disk fails the backup
# cleanly and leaves earlier snapshots intact (and the failed blocks go
# with the next backup); a flipped bit in a stored chunk is found by
# verify and named by restore; the VIOS fault switches (chunk-overrun on
# a short read, resume-off-by-one) crash it leaving a core and a note.
set -u
. "$(dirname "$0")/bklib.sh"
: "${TESTBIN:?set TESTBIN}"
bk_setup
cd "$BK_TMP" || exit 1
V=$SVC/vbackup

# ---- out of disk: a quota just over one full backup of 8 MiB.
head -c $((8 * 1048576 + 1000)) /dev/urandom >disk.img
cp disk.img want1.img
bk_server_start --max-bytes $((12 * 1048576))
bk_vios_start "$BK_PORT"
"$V" request d0 >r1.json || bk_fail "first backup: $(cat r1.json)"
"$V" writer d0 3 96 65536 65536 || bk_fail "writer"
cp disk.img want2.img
if "$V" request d0 >r2.json 2>r2.err; then
	bk_fail "backup over quota succeeded: $(cat r2.json)"
fi
grep -q "out of disk" r2.err && bk_ok "out of disk: $(cat r2.err)" ||
	bk_fail "no out-of-disk error: $(cat r2.err)"
"$V" list d0 >list.txt
[ "$(wc -l <list.txt)" -eq 1 ] || bk_fail "list after failure: $(cat list.txt)"
ls store/staging | grep -q . && bk_fail "staging left: $(ls store/staging)"
"$SVC/vbackup-server" verify --store store || bk_fail "verify after out of disk"
"$V" restore 1 r1.img && [ "$(bk_sha r1.img)" = "$(bk_sha want1.img)" ] &&
	bk_ok "snapshot 1 intact after out of disk" ||
	bk_fail "snapshot 1 damaged"
# Room again: the next incremental carries the blocks of the failed one.
bk_server_kill
bk_server_start
r3=$("$V" request d0) || bk_fail "backup after room: $r3"
"$V" restore "$(bk_field "$r3" snapshot)" r3.img &&
[ "$(bk_sha r3.img)" = "$(bk_sha want2.img)" ] &&
	bk_ok "incremental after the failure is complete" ||
	bk_fail "incremental after failure differs"

# ---- a flipped bit in a stored chunk (inside the newest pack).
pk=$(ls -t store/packs/*.pack | head -n 1)
python3 - "$pk" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x10
open(p, 'wb').write(bytes(b))
PY
if "$SVC/vbackup-server" verify --store store >verify.out; then
	bk_fail "verify missed the flipped bit"
fi
h=$(sed -n 's/^corrupt chunk \([0-9a-f]*\):.*/\1/p' verify.out | head -n 1)
[ -n "$h" ] && bk_ok "verify: $(grep corrupt verify.out)" ||
	bk_fail "verify did not name a chunk: $(cat verify.out)"
# Restore names it: of the two snapshots, the ones using the chunk fail.
named=0
for sn in 1 2; do
	if "$V" restore $sn bad$sn.img 2>restore$sn.err; then
		[ "$(bk_sha bad$sn.img)" = "$(bk_sha want$((sn == 1 ? 1 : 2)).img)" ] ||
			bk_fail "restore $sn succeeded with wrong data"
		continue
	fi
	grep -q "chunk $h" restore$sn.err && grep -q "block [0-9]" restore$sn.err &&
		{ named=1; bk_ok "restore: $(cat restore$sn.err)"; } ||
		bk_fail "restore did not name the chunk: $(cat restore$sn.err)"
	[ -e bad$sn.img ] && bk_fail "restore left a partial target"
done
[ $named -eq 1 ] || bk_fail "no restore met the flipped chunk"

# ---- fault switches: the VIOS dies the way the bug makes it.
san=0
grep -q __asan_init "$SVC/vios-vdisk" && san=1
cores=0
case $(cat /proc/sys/kernel/core_pattern) in core*) [ $san -eq 0 ] && cores=1 ;; esac
crash_check() {	# NAME
	t=0
	while kill -0 "$BK_VIOS_PID" 2>/dev/null && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
	if kill -0 "$BK_VIOS_PID" 2>/dev/null; then
		bk_fail "$1: VIOS still alive"; kill -KILL "$BK_VIOS_PID"
	fi
	wait "$BK_VIOS_PID"; rc=$?
	[ $rc -ge 128 ] || [ $san -eq 1 -a $rc -ne 0 ] ||
		bk_fail "$1: VIOS exited $rc, not by the bug"
	grep -q "FAULT $1" vios.log || bk_fail "$1: not armed"
	grep -q "^fault $1" dumps-$1/vios-vdisk.*.meta 2>/dev/null ||
		bk_fail "$1: no note in dumps-$1"
	if [ $cores -eq 1 ]; then
		ls dumps-$1/core* >/dev/null 2>&1 || bk_fail "$1: no core"
	fi
	bk_ok "$1: VIOS died (status $rc)$([ $cores -eq 1 ] && echo ', core left')"
}
bk_server_kill
rm -rf store
bk_server_start
# The disk's last block is short (8 MiB + 1000 bytes): the overrun.
kill -KILL "$BK_VIOS_PID"; wait "$BK_VIOS_PID" 2>/dev/null
bk_vios_start "$BK_PORT" --fault chunk-overrun --dump-dir "$BK_TMP/dumps-chunk-overrun"
"$V" request d0 >/dev/null 2>&1
crash_check chunk-overrun

# Resume off by one: one cut, and the resumed stream skips a block.
"$TESTBIN/tcp-cut" "$BK_CUT_PORT" "$BK_PORT" 1 3000000 7 >cuts.log 2>&1 &
BK_PIDS="$BK_PIDS $!"
sleep 0.2
bk_vios_start "$BK_CUT_PORT" --fault resume-off-by-one \
	--dump-dir "$BK_TMP/dumps-resume-off-by-one"
"$V" request d0 >/dev/null 2>&1
crash_check resume-off-by-one
grep -q "resume gap" vios.log || bk_fail "server did not refuse the gap"
"$SVC/vbackup-server" list --store store | grep -q . &&
	bk_fail "a snapshot was committed with a gap"
exit $BK_FAILED
