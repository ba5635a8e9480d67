#!/bin/sh
# bench/repo.sh - the repository's speed: import throughput (dumps/s and
# MB/s of uncompressed core) over distinct real cores, and "repo ls"
# latency on an index of 100,000 dumps (synthesized rows next to one real
# dump). Prints medians of RUNS runs. Usage: sh bench/repo.sh [RUNS]
set -u
LPD_TOP=${LPD_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LPD_TOP/tests/cli/lib.sh"
L=${LPARDBG:-$LPD_TOP/lpardbg}
RUNS=${1:-5}
NDUMPS=${NDUMPS:-40}
NROWS=${NROWS:-100000}
lpd_need python3 gcore
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
export DEBUGINFOD_URLS=
unset LPARDBG_REPO

now() { "$PY" -c 'import time; print(time.monotonic())'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Distinct cores: gcores of sleep and the crasher, made distinct in their
# last bytes.
sh "$LPD_TOP/fixtures/make-core.sh" "$T/fx" O2 >/dev/null 2>&1 ||
	lpd_skip "cannot make the crasher's core"
lpd_spawn /bin/sleep 1000
lpd_wait_blocked "$LPD_LAST_PID" 5
core_of_pid "$LPD_LAST_PID" "$T/sleep.core" || lpd_skip "no gcore"
lpd_kill "$LPD_LAST_PID"
mkdir "$T/cores"
"$PY" - "$T" "$NDUMPS" <<'EOF'
import shutil, sys
t, n = sys.argv[1], int(sys.argv[2])
for k in range(n):
    src = t + ("/fx/O2/core" if k % 4 == 0 else "/sleep.core")
    dst = "%s/cores/c%03d.core" % (t, k)
    shutil.copy(src, dst)
    with open(dst, "r+b") as f:
        f.seek(-16, 2)
        f.write(b"%016d" % k)
EOF
bytes=$(cat "$T"/cores/* | wc -c)
echo "import: $NDUMPS distinct cores, $((bytes / 1048576)) MB uncompressed" \
	"(crasher $(( $(wc -c <"$T/fx/O2/core") / 1024 )) KB, sleep" \
	"$(( $(wc -c <"$T/sleep.core") / 1024 )) KB), $RUNS runs"
: >"$T/imp.times"
for run in $(seq "$RUNS"); do
	rm -rf "$T/r"
	$L repo init --repo "$T/r" >/dev/null
	t0=$(now)
	$L repo import --repo "$T/r" "$T/cores" >/dev/null || exit 1
	t1=$(now)
	echo "$t0 $t1" | awk '{print $2 - $1}' >>"$T/imp.times"
done
secs=$(median <"$T/imp.times")
echo "$secs $NDUMPS $bytes" | awk '{printf "import (one process, a directory): median %.3f s: %.1f dumps/s, %.1f MB/s\n", $1, $2 / $1, $3 / 1048576 / $1}'
: >"$T/one.times"
for run in $(seq "$RUNS"); do
	rm -rf "$T/r"
	$L repo init --repo "$T/r" >/dev/null
	t0=$(now)
	for c in "$T"/cores/*; do
		$L repo import --repo "$T/r" "$c" >/dev/null || exit 1
	done
	t1=$(now)
	echo "$t0 $t1" | awk '{print $2 - $1}' >>"$T/one.times"
done
secs=$(median <"$T/one.times")
echo "$secs $NDUMPS $bytes" | awk '{printf "import (a process per dump):      median %.3f s: %.1f dumps/s, %.1f MB/s\n", $1, $2 / $1, $3 / 1048576 / $1}'

# ls on NROWS rows: synthesized next to the real dumps, same image.
"$PY" - "$T/r/index.sqlite" "$NROWS" <<'EOF'
import hashlib, random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
random.seed(1)
img = db.execute("SELECT image FROM dumps LIMIT 1").fetchone()[0]
nodes = []
for i in range(8):
    db.execute("INSERT OR IGNORE INTO nodes (name) VALUES (?)", ("vios%d" % i,))
    nodes.append(db.execute("SELECT id FROM nodes WHERE name = ?", ("vios%d" % i,)).fetchone()[0])
lpars = []
for i in range(200):
    db.execute("INSERT INTO lpars (name, node, image) VALUES (?, ?, ?)",
               ("lpar%d" % i, nodes[i % 8], img))
    lpars.append((db.execute("SELECT last_insert_rowid()").fetchone()[0], nodes[i % 8]))
now = int(time.time())
rows = []
for i in range(n):
    lp, nd = random.choice(lpars)
    h = hashlib.sha256(b"synth%d" % i).hexdigest()
    rows.append((h, lp, nd, img, now - random.randrange(90 * 86400), now,
                 random.choice(["/usr/sbin/msgd", "/usr/sbin/pagerd", "/usr/bin/backupd"]),
                 random.randrange(1, 99999), random.choice([6, 11, 11, 7, 4]),
                 random.randrange(1 << 20, 1 << 30), "synthesized", None))
db.executemany("INSERT INTO dumps (hash, lpar, node, image, time_taken,"
               " time_imported, executable, pid, signal, size, reason, source)"
               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.execute("INSERT INTO dump_labels SELECT id, 'triaged' FROM dumps WHERE id % 50 = 0")
db.commit()
print("index: %d dumps" % db.execute("SELECT count(*) FROM dumps").fetchone()[0])
EOF
lsbench() {
	label=$1
	shift
	: >"$T/ls.times"
	for run in $(seq "$RUNS"); do
		t0=$(now)
		$L repo ls --repo "$T/r" "$@" >"$T/ls.out" || exit 1
		t1=$(now)
		echo "$t0 $t1" | awk '{print ($2 - $1) * 1000}' >>"$T/ls.times"
	done
	printf "ls %-40s median %7.1f ms (%d lines)\n" "$label" \
		"$(median <"$T/ls.times")" "$(wc -l <"$T/ls.out")"
}
lsbench "(all, text)"
lsbench "--json (all)" --json
lsbench "--limit 50 (newest)" --limit 50
lsbench "--lpar lpar7" --lpar lpar7
lsbench "--node vios3 --signal SIGABRT" --node vios3 --signal SIGABRT
lsbench "--since 2d" --since 2d
lsbench "--label triaged --exe msgd" --label triaged --exe msgd
