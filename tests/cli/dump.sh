#!/bin/sh
# tests/cli/dump.sh - "lpardbg dump PID" on a live, parked process
# (bench/data/parker.c): our core must unwind as gdb's gcore of the same
# process does, in lpardbg, eu-stack and gdb; the process must run on with
# its memory intact; errors (no such pid, not permitted, already traced)
# must be clear.
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need cc gdb gcore eu-stack
py=$(lpd_python)
[ -n "$py" ] || lpd_skip "python3 not installed"
lpd_tmpdir
T=$LPD_TMP
cc -O2 -g -pthread -o "$T/parker" "$LPD_TOP/bench/data/parker.c" || exit 1

# parker N HEAP_MIB with stdin on a FIFO we hold open (fd 3), stdout in OUT.
mkfifo "$T/in"
exec 3<>"$T/in"
lpd_spawn sh -c "exec '$T/parker' 3 8 <'$T/in' >'$T/out'"
P=$LPD_LAST_PID
lpd_wait_file "$T/out" || { echo "parker did not start"; exit 1; }
grep -q "^ready $P\$" "$T/out" || { cat "$T/out"; exit 1; }

# ---- the dump ----------------------------------------------------------
"$LPARDBG" dump "$P" -o "$T/mine" --json >"$T/dump.json" 2>"$T/dump.err"
rc=$?
[ $rc -eq 0 ] || { cat "$T/dump.err"; echo "dump exited $rc"; exit 1; }
echo "dump: $(cat "$T/dump.json")"
ls "$T" | grep -q 'mine\.tmp' && lpd_fail "temporary file left behind"
"$py" - "$T/dump.json" <<'EOF' || lpd_fail "bad --json report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["threads"] == 4, r
assert r["stopped_us"] > 0 and r["stopped_ms"] < 10000, r
assert r["memory_bytes"] >= 8 << 20, r
EOF
core_of_pid "$P" "$T/gcore" || { echo "gcore failed"; exit 1; }

# ---- the process runs on: it answers with the right heap checksum ------
want=$("$py" -c 'print(sum(i % 251 + 1 for i in range(0, 8 << 20, 4096)))')
printf x >&3
n=0
while [ "$(wc -l <"$T/out")" -lt 2 ] && [ $n -lt 50 ]; do
	sleep 0.1; n=$((n + 1))
done
got=$(sed -n 2p "$T/out")
[ "$got" = "count 1 sum $want" ] || lpd_fail "after the dump: '$got'"
grep -q '^TracerPid:.0$' "/proc/$P/status" || lpd_fail "still traced"

# ---- lpardbg bt --json: same pcs and names per thread ------------------
"$LPARDBG" bt --json "$T/mine" >"$T/mine.bt" || lpd_fail "bt on our core"
"$LPARDBG" bt --json "$T/gcore" >"$T/gcore.bt" || lpd_fail "bt on gcore"
"$py" - "$T/mine.bt" "$T/gcore.bt" <<'EOF' || lpd_fail "bt differs"
import json, sys
def frames(path):
    r = json.load(open(path))
    return {t["tid"]: [(f["pc"], f["function"]) for f in t["frames"]]
            for t in r["threads"]}
a, b = frames(sys.argv[1]), frames(sys.argv[2])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
for tid in a:
    assert a[tid] == b[tid], (tid, a[tid], b[tid])
    assert any(f[1] in ("park", "serve") for f in a[tid]), a[tid]
print("bt: %d threads, %d frames equal" % (len(a), sum(map(len, a.values()))))
EOF

# ---- eu-stack and gdb read both cores alike ------------------------------
eu() {
	eu-stack -i --core "$1" -e "$T/parker" 2>&1 |
		grep -v '^PID' | sort
}
eu "$T/mine" >"$T/mine.eu"
eu "$T/gcore" >"$T/gcore.eu"
grep -q 'park' "$T/mine.eu" || lpd_fail "eu-stack: no park frame"
cmp -s "$T/mine.eu" "$T/gcore.eu" ||
	{ diff "$T/mine.eu" "$T/gcore.eu" | head; lpd_fail "eu-stack differs"; }
gd() {
	gdb -nx -batch -ex 'thread apply all bt' -c "$1" "$T/parker" 2>&1 |
		grep -E '^(#|Thread)' | sed 's/^Thread [0-9]* /Thread /' |
		"$py" -c '
import sys
blocks, cur = [], []
for line in sys.stdin:
    if line.startswith("Thread") and cur:
        blocks.append("".join(cur)); cur = []
    cur.append(line)
if cur: blocks.append("".join(cur))
print("".join(sorted(blocks)), end="")'
}
gd "$T/mine" >"$T/mine.gdb"
gd "$T/gcore" >"$T/gcore.gdb"
grep -q ' park ' "$T/mine.gdb" || lpd_fail "gdb: no park frame"
cmp -s "$T/mine.gdb" "$T/gcore.gdb" ||
	{ diff "$T/mine.gdb" "$T/gcore.gdb" | head; lpd_fail "gdb differs"; }
echo "eu-stack and gdb: $(grep -c '^#' "$T/mine.gdb") frames equal"

# ---- default name: core.PID in the current directory --------------------
(cd "$T" && "$LPARDBG" dump "$P" 2>"$T/default.err") ||
	lpd_fail "dump without -o"
[ -s "$T/core.$P" ] || lpd_fail "no core.$P"
grep -q "stopped for" "$T/default.err" || lpd_fail "no pause time printed"
cat "$T/default.err"
rm -f "$T/core.$P"

# ---- errors --------------------------------------------------------------
sh -c 'exit 0' &
dead=$!
wait $dead
"$LPARDBG" dump "$dead" -o "$T/dead" 2>"$T/err"
rc=$?
[ $rc -eq 3 ] || lpd_fail "no such pid: exit $rc"
grep -q "no process $dead" "$T/err" || lpd_fail "no such pid: $(cat "$T/err")"
[ -e "$T/dead" ] && lpd_fail "a core for a dead pid"

"$LPARDBG" dump 12x >/dev/null 2>&1
[ $? -eq 2 ] || lpd_fail "bad pid is not a usage error"

if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$LPARDBG" dump 1 -o /tmp/lpd-never-$$ 2>"$T/err"
else
	"$LPARDBG" dump 1 -o /tmp/lpd-never-$$ 2>"$T/err"
fi
rc=$?
cat "$T/err"
[ $rc -eq 3 ] || lpd_fail "pid 1: exit $rc"
grep -q "permission denied" "$T/err" && grep -q "ptrace_scope" "$T/err" ||
	lpd_fail "pid 1: unclear error"
ls /tmp | grep -q "lpd-never-$$" && lpd_fail "pid 1: file left behind"

# A process another debugger holds.
lpd_spawn sh -c "exec '$T/parker' 1 1 <'$T/in' >'$T/out2'"
V=$LPD_LAST_PID
lpd_wait_file "$T/out2" || exit 1
lpd_spawn gdb -nx -batch -p "$V" -ex 'shell sleep 60' </dev/null \
	>/dev/null 2>&1
G=$LPD_LAST_PID
n=0
while grep -q '^TracerPid:.0$' "/proc/$V/status" && [ $n -lt 100 ]; do
	sleep 0.1; n=$((n + 1))
done
"$LPARDBG" dump "$V" -o "$T/traced" 2>"$T/err"
rc=$?
cat "$T/err"
[ $rc -ne 0 ] || lpd_fail "dumped a traced process"
grep -q "already traced by process" "$T/err" && grep -q TracerPid "$T/err" ||
	lpd_fail "traced: unclear error"
ls "$T" | grep -q traced && lpd_fail "traced: file left behind"
lpd_kill "$G"
lpd_kill "$V"

exec 3>&-
[ $LPD_FAILED -eq 0 ] || exit 1
echo "dump: all checks passed"
