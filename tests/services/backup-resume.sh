#!/bin/sh
# tests/services/backup-resume.sh - the VIOS-to-server connection cut at
# random points (a relay that drops it after a random byte count, 60
# times), and the server killed and restarted mid-backup: the backup
# resumes from the last acknowledged block each time and ends with a
# verified snapshot identical to the disk at its start, while a client
# keeps writing.
set -u
. "$(dirname "$0")/bklib.sh"
: "${TESTBIN:?set TESTBIN}"
bk_setup
cd "$BK_TMP" || exit 1
V=$SVC/vbackup
CUTS=60

head -c $((16 * 1048576)) /dev/urandom >disk.img
bk_server_start
"$TESTBIN/tcp-cut" "$BK_CUT_PORT" "$BK_PORT" $CUTS 300000 $$ \
	>cuts.log 2>cut.err &
BK_PIDS="$BK_PIDS $!"
sleep 0.2
bk_vios_start "$BK_CUT_PORT"

# Full backup through the cutting relay, with a writer running.
cp disk.img want1.img
"$V" writer d0 5 1000000 16384 4096 2>/dev/null &
wpid=$!
sleep 0.1
r1=$("$V" request d0) || bk_fail "backup through cuts: $r1"
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
echo "snapshot 1: $r1"
cuts=$(wc -l <cuts.log)
resumes=$(bk_field "$r1" resumes)
echo "connection cut $cuts times, backup resumed $resumes times"
[ "$cuts" -ge 50 ] || bk_fail "only $cuts cuts"
[ "${resumes:-0}" -ge 50 ] || bk_fail "only ${resumes:-0} resumes"
"$V" replay want1.img 5 "$(bk_field "$r1" writes_at_start)" 16384 4096
cp disk.img want2.img

"$SVC/vbackup-server" verify --store store || bk_fail "verify after cuts"
"$V" restore 1 r1.img || bk_fail "restore 1"
[ "$(bk_sha r1.img)" = "$(bk_sha want1.img)" ] &&
	bk_ok "snapshot 1 after $cuts cuts is byte-identical" ||
	bk_fail "snapshot 1 differs"

# The server killed (SIGKILL) and restarted three times during a full
# backup; the VIOS keeps retrying and resumes from what was stored.
"$V" request d0 --full >r2.json 2>r2.err &
rpid=$!
for k in 1 2 3; do
	sleep 0.15
	bk_server_kill
	sleep 0.1
	bk_server_start
done
wait "$rpid" || bk_fail "backup across server restarts: $(cat r2.err)"
r2=$(cat r2.json)
echo "snapshot 2: $r2"
grep -c resumed srv.old.log srv.log | sed 's/^/server resumes: /'
"$SVC/vbackup-server" verify --store store || bk_fail "verify after kills"
"$V" restore "$(bk_field "$r2" snapshot)" r2.img || bk_fail "restore 2"
[ "$(bk_sha r2.img)" = "$(bk_sha want2.img)" ] &&
	bk_ok "snapshot 2 after 3 server kills is byte-identical" ||
	bk_fail "snapshot 2 differs"
exit $BK_FAILED
