#!/bin/sh
# tests/cli/repo-roundtrip.sh - the repository end to end on cores of real
# programs (the fixture crasher, a /bin/sleep copy taken with gcore):
# import (raw, zstd, xz, gzip, lz4; a systemd-coredump directory), ls
# filters, show, label, export, import into a second repository after the
# programs' files are gone, and bt by dump id giving the same frames there.
# Also: one blob per content, modes 0700/0600, refused bad input with
# nothing half-written, verify and bt naming the dump of a corrupt blob,
# rm + gc, the default location, cluster ls.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need zstd xz gzip lz4 python3
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
L=$LPARDBG
export DEBUGINFOD_URLS=
unset LPARDBG_REPO
export XDG_DATA_HOME=$T/xdg
A=$T/repoA
B=$T/repoB

# frames FILE: the frames of every thread of a bt --json, one per line
frames() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["threads"]:
    for f in t["frames"]:
        print(t["tid"], f["pc"], f["function"], f["file"], f["line"], f["inline"])
' "$1"
}

# --- cores of real programs ---------------------------------------------------
sh "$LPD_TOP/fixtures/make-core.sh" "$T/fx" O2 >/dev/null 2>&1 ||
	lpd_skip "cannot make the crasher's core"
mkdir -p "$T/bin"
cp "$(readlink -f /bin/sleep)" "$T/bin/mysleep"
lpd_spawn "$T/bin/mysleep" 100
lpd_wait_blocked "$LPD_LAST_PID" 5
core_of_pid "$LPD_LAST_PID" "$T/sleep.core" || lpd_skip "no gcore"
lpd_kill "$LPD_LAST_PID"

# Reference backtraces, while the programs' files are still there.
$L bt --json "$T/fx/O2/core" >"$T/crash.ref.json" || lpd_fail "bt crasher"
$L bt --json "$T/sleep.core" >"$T/sleep.ref.json" || lpd_fail "bt sleep"
frames "$T/crash.ref.json" >"$T/crash.ref"
frames "$T/sleep.ref.json" >"$T/sleep.ref"
grep -q store_checksum "$T/crash.ref" || lpd_fail "reference has no symbols"

# --- import ------------------------------------------------------------------------
$L repo init --repo "$A" >/dev/null || lpd_fail "init"
$L repo import --json --repo "$A" --lpar web1 --node vios1 --label nightly \
	"$T/fx/O2/core" >"$T/imp1.json" || lpd_fail "import crasher"
CRASH=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["imported"][0]["id"])' "$T/imp1.json")
zstd -q -c "$T/sleep.core" >"$T/sleep.zst"
xz -c "$T/sleep.core" >"$T/sleep.xz"
gzip -c "$T/sleep.core" >"$T/sleep.gz"
lz4 -q -c "$T/sleep.core" >"$T/sleep.lz4"
$L repo import --repo "$A" --lpar db1 --node vios2 --image aix:7.3 \
	"$T/sleep.core" >"$T/imp2.txt" || lpd_fail "import sleep"
SLEEP=$(awk '{print $2}' "$T/imp2.txt")
for z in zst xz gz lz4; do
	out=$($L repo import --repo "$A" "$T/sleep.$z") ||
		lpd_fail "import sleep.$z"
	case $out in "present  $SLEEP "*) ;;
	*) lpd_fail "sleep.$z: '$out', expected present $SLEEP" ;; esac
done
echo "imported crasher $CRASH and sleep $SLEEP (raw, zst, xz, gz, lz4)"

# systemd-coredump: metadata from the name and the user.coredump.* xattrs
mkdir "$T/sd"
sd="$T/sd/core.mysleep.0.0123456789abcdef0123456789abcdef.4242.1700000000000000.zst"
cp "$T/sleep.zst" "$sd"
if command -v setfattr >/dev/null && setfattr -n user.coredump.hostname -v \
	vios9 "$sd" 2>/dev/null; then
	C=$T/repoC
	$L repo import --repo "$C" "$T/sd" >/dev/null || lpd_fail "import sd"
	$L repo ls --json --repo "$C" >"$T/sd.json"
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["node"] == "vios9", d
assert d["time_taken"] == "2023-11-14T22:13:20Z", d
' "$T/sd.json" || lpd_fail "systemd-coredump metadata not taken"
else
	echo "no user xattrs here: systemd-coredump attributes not tested"
fi

# one blob per content: 2 cores, and each object once
nblobs=$(find "$A/objects" -type f | wc -l)
nobj=$($L repo show --json --repo "$A" "$CRASH" | "$PY" -c 'import json,sys; print(len({o["blob"] for o in json.load(sys.stdin)["objects"]}))')
nobj2=$($L repo show --json --repo "$A" "$SLEEP" | "$PY" -c 'import json,sys; print(len({o["blob"] for o in json.load(sys.stdin)["objects"]}))')
echo "blobs: $nblobs (crasher image $nobj, sleep image $nobj2)"
[ "$nblobs" -le $((2 + nobj + nobj2)) ] || lpd_fail "duplicate blobs"
[ "$(find "$A/tmp" -type f | wc -l)" = 0 ] || lpd_fail "tmp files left"

# modes
bad=$(find "$A" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) | head -3)
[ -z "$bad" ] || lpd_fail "wrong modes: $bad"

# --- ls, show, label ------------------------------------------------------------
n() { $L repo ls --json --repo "$A" "$@" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
[ "$(n)" = 2 ] || lpd_fail "ls: $(n) dumps"
[ "$(n --lpar web1)" = 1 ] || lpd_fail "ls --lpar"
[ "$(n --node vios2)" = 1 ] || lpd_fail "ls --node"
[ "$(n --image aix)" = 1 ] || lpd_fail "ls --image"
[ "$(n --signal SIGSEGV)" = 1 ] || lpd_fail "ls --signal"
[ "$(n --signal 6)" = 0 ] || lpd_fail "ls --signal 6"
[ "$(n --label nightly)" = 1 ] || lpd_fail "ls --label"
[ "$(n --exe mysleep)" = 1 ] || lpd_fail "ls --exe"
[ "$(n --since 1h)" = 2 ] || lpd_fail "ls --since"
[ "$(n --until 2000-01-01)" = 0 ] || lpd_fail "ls --until"
$L repo ls --repo "$A" | grep -q "web1 .*vios1 .*SIGSEGV" || lpd_fail "ls text"
$L repo label --repo "$A" "$CRASH" triaged --remove nightly >/dev/null ||
	lpd_fail "label"
[ "$(n --label triaged)" = 1 ] && [ "$(n --label nightly)" = 0 ] ||
	lpd_fail "labels not changed"
$L repo show --repo "$A" "$CRASH" | grep -q "^reason      SIGSEGV at 0x0" ||
	lpd_fail "show"
$L cluster ls --repo "$A" | grep -q "web1 .* 1 dumps" || lpd_fail "cluster ls"
$L cluster ls --json --repo "$A" >/dev/null || lpd_fail "cluster ls --json"

# --- bt by dump id in the same repository ------------------------------------
$L bt --json --repo "$A" "$CRASH" >"$T/crash.a.json" || lpd_fail "bt by id"
frames "$T/crash.a.json" | cmp -s - "$T/crash.ref" ||
	lpd_fail "bt by id differs in the first repository"

# --- export, then a second repository without the programs' files -----------
$L repo export --repo "$A" "$CRASH" -o "$T/crash.bundle" >/dev/null ||
	lpd_fail "export crasher"
$L repo export --repo "$A" "$SLEEP" -o "$T/sleep.bundle" >/dev/null ||
	lpd_fail "export sleep"
rm -rf "$T/fx/O2/crasher" "$T/bin/mysleep"
$L repo import --repo "$B" "$T/crash.bundle" "$T/sleep.bundle" >/dev/null ||
	lpd_fail "import bundles"
for x in crash:$CRASH sleep:$SLEEP; do
	name=${x%%:*} id=${x#*:}
	$L bt --json --repo "$B" "$id" >"$T/$name.b.json" ||
		lpd_fail "bt $name in B"
	frames "$T/$name.b.json" >"$T/$name.b"
	if cmp -s "$T/$name.b" "$T/$name.ref"; then
		echo "$name: $(wc -l <"$T/$name.ref") frames identical after the round trip"
	else
		lpd_fail "$name: frames differ after the round trip"
		diff "$T/$name.ref" "$T/$name.b" | head -10
	fi
done
# Without the repository the crasher's own frames are gone now.
$L bt --json "$T/fx/O2/core" | grep -q store_checksum &&
	lpd_fail "the executable was not really removed"
# The default repository: $XDG_DATA_HOME/lpardbg/repo
LPARDBG_REPO= $L repo import "$T/crash.bundle" >/dev/null &&
	[ -d "$XDG_DATA_HOME/lpardbg/repo/objects" ] &&
	$L bt --json "$CRASH" >/dev/null || lpd_fail "default repository"

# --- bad input -------------------------------------------------------------------
head -c 200000 "$T/sleep.core" >"$T/trunc.core"
head -c 2000 "$T/sleep.zst" >"$T/trunc.zst"
echo "not a core" >"$T/text.core"
before=$(find "$A/objects" -type f | wc -l)
for f in trunc.core trunc.zst text.core; do
	$L repo import --repo "$A" "$T/$f" 2>"$T/err" >/dev/null
	rc=$?
	[ $rc = 3 ] || lpd_fail "$f: exit $rc, expected 3"
	grep -q "$T/$f: offset 0x[0-9a-f]*: \(truncated\|not a core\)" \
		"$T/err" || lpd_fail "$f: unclear reason: $(cat "$T/err")"
done
[ "$(find "$A/objects" -type f | wc -l)" = "$before" ] ||
	lpd_fail "a refused import left a blob"
[ "$(find "$A/tmp" -type f | wc -l)" = 0 ] || lpd_fail "tmp files left"
$L repo verify --repo "$A" >/dev/null || lpd_fail "verify after bad input"

# --- corrupt blob: verify and bt name the dump ------------------------------------
rm -rf "$A/cache"
blob=$(find "$A/objects" -name "$($L repo show --json --repo "$A" "$CRASH" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["dump"]["hash"])')")
printf 'XXXXXXXX' | dd of="$blob" bs=1 seek=100 conv=notrunc 2>/dev/null
$L repo verify --repo "$A" >"$T/verify" 2>&1
rc=$?
[ $rc = 1 ] || lpd_fail "verify of a corrupt blob: exit $rc"
grep -q "problem: dump $CRASH: blob .*corrupt" "$T/verify" ||
	lpd_fail "verify does not name the dump: $(cat "$T/verify")"
$L bt --repo "$A" "$CRASH" >/dev/null 2>"$T/err" &&
	lpd_fail "bt of a corrupt dump succeeded"
grep -q "dump $CRASH: blob .*corrupt" "$T/err" ||
	lpd_fail "bt does not name the dump: $(cat "$T/err")"

# --- rm and gc ------------------------------------------------------------------
$L repo rm --repo "$A" "$CRASH" >/dev/null || lpd_fail "rm"
$L repo gc --repo "$A" | grep -q "removed [1-9]" || lpd_fail "gc removed nothing"
$L repo verify --repo "$A" >/dev/null || lpd_fail "verify after gc"
[ "$(n)" = 1 ] || lpd_fail "rm did not remove"
$L repo show --repo "$A" "$CRASH" 2>/dev/null && lpd_fail "show after rm"

if [ "$LPD_FAILED" -ne 0 ]; then
	echo "repo-roundtrip: $LPD_FAILED failed"
	exit 1
fi
echo "repo-roundtrip: ok"
