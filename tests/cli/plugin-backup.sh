#!/bin/sh
# tests/cli/plugin-backup.sh - the backup plugin (plugins/backup.c) on
# dumps of the VIOS backup proxy (services/backup/vios-vdisk):
#  - a core of a live vios-vdisk mid-backup (the backup server stopped,
#    the client writing): "lpardbg analyze --json" facts match what the
#    backup said when it finished (snapshot id, blocks, bytes per block
#    sent, copy-on-write peak) and what the next incremental sent (the
#    changed-block count);
#  - the kernel's core of the resume-off-by-one fault: the resume offset
#    is one past the acked count and the rule backup_resume_gap, run by
#    "lpardbg diff", derives the gap.
: "${LPARDBG:?}"
LPD_TOP=${LPD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SVC=${SVC:-${BUILD:-$LPD_TOP/build}/services}
TESTBIN=${TESTBIN:-${BUILD:-$LPD_TOP/build}/tests/services}
for b in vios-vdisk vbackup vbackup-server; do
	[ -x "$SVC/$b" ] || { echo "services not built in $SVC"; exit 77; }
done
[ -x "$TESTBIN/tcp-cut" ] || { echo "tcp-cut not built"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
. "$LPD_TOP/tests/services/bklib.sh"
bk_setup
T=$BK_TMP
export XDG_DATA_HOME=$T/xdg
cd "$T" || exit 1
V=$SVC/vbackup

fail() { echo "FAIL: $*"; exit 1; }

# ---- live, mid-backup -------------------------------------------------
# 64 MiB + 1000 bytes: 1025 blocks of 64 KiB, the last one short.
head -c $((64 * 1048576 + 1000)) /dev/urandom >disk.img
bk_server_start
bk_vios_start "$BK_PORT"
"$V" request d0 --full >r1.json 2>r1.err &
req=$!
# Stop the server once some blocks are stored: the VIOS then waits with a
# full window of unacked blocks, a state that holds still for the dump.
t=0
while [ "$(du -sk store | cut -f1)" -lt 4000 ] && [ $t -lt 400 ]; do
	sleep 0.01; t=$((t + 1))
done
kill -STOP "$BK_SRV_PID"
# Writes now save the old contents of the blocks not yet acked.
"$V" writer d0 7 24 65536 65536 || fail "writer"
"$LPARDBG" dump -o vdisk.core "$BK_VIOS_PID" >/dev/null || fail "lpardbg dump"
kill -CONT "$BK_SRV_PID"
wait $req || fail "backup: $(cat r1.err)"
r2=$("$V" request d0) || fail "incremental: $r2"
"$V" list d0 >list.txt || fail "list"
cat r1.json list.txt
"$LPARDBG" analyze --json vdisk.core "$SVC/vios-vdisk" >an.json 2>an.err ||
	{ cat an.err; fail "analyze exited $?"; }
printf '%s\n' "$r2" >r2.json
python3 - an.json r1.json r2.json list.txt <<'PY' || fail "facts differ"
import json, sys
an = json.load(open(sys.argv[1]))
r1 = json.loads(open(sys.argv[2]).read())
r2 = json.loads(open(sys.argv[3]).read())
listing = open(sys.argv[4]).read().split("\n")
facts = [f for f in an["facts"] if f["plugin"] == "backup"]
assert facts and all(f["version"] == "1.0" for f in facts), an["facts"]
by = {}
for f in facts:
    by.setdefault(f["pred"], []).append(f["args"])
def one(p):
    assert len(by.get(p, [])) == 1, (p, by.get(p))
    return by[p][0]
assert one("backup_disk") == ["d0", 64 * 1048576 + 1000, 65536, 1025]
sent, acked, total = one("backup_progress")
assert total == r1["blocks_sent"] == 1025, (total, r1)
assert 0 < acked <= sent < total and sent - acked <= 32, (sent, acked)
assert one("backup_snapshot") == [r1["snapshot"]], (by, r1)
assert listing[0].split()[0] == str(r1["snapshot"]), listing
# A full backup sends blocks in order, each whole until the last.
assert one("backup_inflight") == [sent - 1, 65536], by["backup_inflight"]
assert one("backup_bytes") == [sent * 65536], by["backup_bytes"]
# The writes all went after the dump's acked point or not: the saves held
# then are what the VIOS reported as its peak (no write came after).
assert one("backup_cow") == [r1["cow_peak_blocks"]], (by["backup_cow"], r1)
assert r1["cow_peak_blocks"] > 0, r1
# Blocks changed since the point in time travel with the next backup.
assert one("backup_changed") == [r2["blocks_sent"]], (by, r2)
assert r2["parent"] == r1["snapshot"], r2
assert one("backup_connection") == ["connected", 0], by
assert "backup_resume" not in by, by
print("mid-backup: sent %d acked %d of %d, snapshot %d, cow %d, changed %d"
      % (sent, acked, total, r1["snapshot"], r1["cow_peak_blocks"],
         r2["blocks_sent"]))
PY
echo "ok: live dump's facts match the backup's report and vbackup list"
"$LPARDBG" analyze vdisk.core "$SVC/vios-vdisk" >an.txt 2>/dev/null ||
	fail "analyze (text)"
grep -q "backup_progress(" an.txt || { cat an.txt; fail "text analysis"; }
echo "ok: text analysis"
"$LPARDBG" plugins | grep -q '^backup  *1.0  *rules  *built-in' ||
	fail "plugins does not list backup"

# ---- the resume-off-by-one fault's kernel core -------------------------
if grep -q __asan_init "$SVC/vios-vdisk"; then
	echo "skip: fault core (ASan build of the services)"; exit 0
fi
case $(cat /proc/sys/kernel/core_pattern) in
'|'*) echo "skip: fault core (core_pattern is a pipe)"; exit 0 ;;
esac
kill -KILL "$BK_VIOS_PID"; wait "$BK_VIOS_PID" 2>/dev/null
"$TESTBIN/tcp-cut" "$BK_CUT_PORT" "$BK_PORT" 1 3000000 7 >cuts.log 2>&1 &
BK_PIDS="$BK_PIDS $!"
sleep 0.2
bk_vios_start "$BK_CUT_PORT" --fault resume-off-by-one --dump-dir "$T/dumps"
"$V" request d0 --full >/dev/null 2>&1
t=0
while kill -0 "$BK_VIOS_PID" 2>/dev/null && [ $t -lt 100 ]; do
	sleep 0.05; t=$((t + 1))
done
kill -0 "$BK_VIOS_PID" 2>/dev/null && fail "the VIOS survived the fault"
core=$(ls "$T"/dumps/core* 2>/dev/null | head -n 1)
[ -n "$core" ] || { echo "skip: no core written"; exit 0; }
"$LPARDBG" analyze --json "$core" "$SVC/vios-vdisk" >crash.json \
	2>crash.err || { cat crash.err; fail "analyze crash"; }
python3 - crash.json <<'PY' || fail "crash facts wrong"
import json, sys
an = json.load(open(sys.argv[1]))
assert an["signal"]["name"] == "SIGABRT", an["signal"]
by = {}
for f in an["facts"]:
    by.setdefault(f["pred"], []).append(f["args"])
offset, acked = by["backup_resume"][0]
assert offset == acked + 1, (offset, acked)
assert by["backup_connection"][0][1] >= 1, by["backup_connection"]
sent, ack_now, total = by["backup_progress"][0]
assert total == 1025 and ack_now == acked and sent > offset, by
open("gap.want", "w").write(", %d, %d)\n" % (acked, offset))
print("crash: resumed at %d after %d acked: gap" % (offset, acked))
PY
# The rule derives the gap (rules run where dumps are compared).
"$LPARDBG" diff --json "$core:$SVC/vios-vdisk" "vdisk.core:$SVC/vios-vdisk" \
	>diff.json 2>diff.err || { cat diff.err; fail "diff"; }
python3 - diff.json "$(cat gap.want)" <<'PY' || fail "no backup_resume_gap"
import json, sys
d = json.load(open(sys.argv[1]))
gaps = [r["proof"]["fact"] for r in d["relations"]
        if r["relation"] == "backup_resume_gap"]
assert len(gaps) == 1 and gaps[0].endswith(sys.argv[2].strip()), gaps
unacked = [r["proof"]["fact"] for r in d["relations"]
           if r["relation"] == "backup_unacked"]
assert unacked and all(u.endswith(", 32)") for u in unacked), unacked
print("derived:", gaps[0], "; ".join(unacked))
PY
# The server refused the same block the facts name.
grep "resume gap" vios.log || fail "server did not refuse the gap"
acked=$(sed -n 's/^, \([0-9]*\),.*/\1/p' gap.want)
grep -q "resumed at $acked/1025" srv.log ||
	fail "the server resumed elsewhere than $acked"
echo "ok: the resume-off-by-one core shows the gap"
exit 0
