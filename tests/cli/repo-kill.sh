#!/bin/sh
# tests/cli/repo-kill.sh - nothing lost on a crash: three importers at a
# time, each importing four fresh cores, are killed with SIGKILL at random
# points, at least 100 times in all; after each round "repo verify" is
# clean and every import an importer reported (it prints a line once the
# import is committed) is listed and intact. LPD_KILLS sets the count.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need python3 zstd xz shuf
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
L=$LPARDBG
R=$T/repo
WANT=${LPD_KILLS:-100}
export DEBUGINFOD_URLS=
unset LPARDBG_REPO

# Bases: the crasher's core and gcores of sleep. Each round imports fresh
# variants (their last bytes, memory contents not structure, differ), raw,
# zstd or xz, so that kills land inside real work.
sh "$LPD_TOP/fixtures/make-core.sh" "$T/fx" O2 >/dev/null 2>&1 ||
	lpd_skip "cannot make the crasher's core"
mkdir -p "$T/base"
cp "$T/fx/O2/core" "$T/base/crash.core"
for i in 1 2; do
	lpd_spawn /bin/sleep 100
	lpd_wait_blocked "$LPD_LAST_PID" 5
	core_of_pid "$LPD_LAST_PID" "$T/base/sleep$i.core" || lpd_skip "no gcore"
	lpd_kill "$LPD_LAST_PID"
done
cat >"$T/variants.py" <<'EOF'
import os, random, shutil, subprocess, sys
base, out, rnd = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(os.listdir(base))
for k in range(12):
    b = random.choice(names) if k % 6 == 0 else names[1 + k % 2]
    dst = os.path.join(out, "r%d.%02d.core" % (rnd, k))
    shutil.copy(os.path.join(base, b), dst)
    with open(dst, "r+b") as f:
        f.seek(-16, 2)
        f.write(b"%016d" % (rnd * 100 + k))
    z = random.choice(["raw", "raw", "zstd", "xz"])
    if z == "zstd":
        subprocess.run(["zstd", "-q", "--rm", dst, "-o", dst + ".zst"])
    elif z == "xz":
        subprocess.run(["xz", "-0", dst])
EOF
cat >"$T/check.py" <<'EOF'
import json, sys
have = {d["id"] for d in json.load(open(sys.argv[1]))}
want = set(open(sys.argv[2]).read().split())
missing = want - have
if missing:
    print("lost:", sorted(missing))
    sys.exit(1)
EOF
$L repo init --repo "$R" >/dev/null || lpd_fail "init"

touch "$T/ok.list"
kills=0 round=0
while [ $kills -lt "$WANT" ] && [ $round -lt $((WANT * 3)) ]; do
	round=$((round + 1))
	rm -rf "$T/round"
	mkdir "$T/round"
	"$PY" "$T/variants.py" "$T/base" "$T/round" $round
	set -- "$T"/round/*
	pids=
	for k in 1 2 3; do
		files="$1 $2 $3 $4"
		shift 4
		$L repo import --repo "$R" $files >"$T/out.$k" \
			2>"$T/err.$k" &
		pids="$pids $!"
	done
	sleep "$(shuf -i 0-150 -n 1 | awk '{printf "%.3f", $1 / 1000}')"
	k=0
	for p in $pids; do
		k=$((k + 1))
		kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
		wait "$p" 2>/dev/null
		rc=$?
		[ $rc = 0 ] || [ $rc = 137 ] ||
			lpd_fail "round $round: importer failed ($rc): $(cat "$T/err.$k")"
		awk '$1 == "imported" || $1 == "present" { print $2 }' \
			"$T/out.$k" >>"$T/ok.list"
	done
	if ! $L repo verify --repo "$R" >"$T/verify" 2>&1; then
		lpd_fail "round $round: verify after $kills kills:"
		cat "$T/verify"
		break
	fi
	$L repo ls --json --repo "$R" >"$T/ls.json" || lpd_fail "ls"
	if ! "$PY" "$T/check.py" "$T/ls.json" "$T/ok.list"; then
		lpd_fail "round $round: a reported import is gone"
		break
	fi
done
succeeded=$(sort -u "$T/ok.list" | wc -l)
echo "$round rounds, $kills importers killed mid-import, $succeeded" \
	"imports reported success, all present and intact"
[ $kills -ge "$WANT" ] || lpd_fail "only $kills kills"
# Every dump that made it is debuggable.
for h in $(sort -u "$T/ok.list" | head -3); do
	$L bt --repo "$R" "$h" >/dev/null 2>&1 || lpd_fail "bt $h"
done
echo "leftover tmp files of killed importers: $(find "$R/tmp" -type f | wc -l)"
$L repo gc --repo "$R" || lpd_fail "gc"
$L repo verify --repo "$R" || lpd_fail "verify after gc"
[ "$(find "$R/tmp" -type f | wc -l)" = 0 ] || lpd_fail "gc left tmp files"

if [ "$LPD_FAILED" -ne 0 ]; then
	echo "repo-kill: $LPD_FAILED failed"
	exit 1
fi
echo "repo-kill: ok"
