#!/bin/sh
# tests/cli/repo-debuginfod.sh - debuginfod for real: a debuginfod server
# (the Debian package) on loopback serves a directory holding the only copy
# of the crasher; importing its core fetches it by build-id into the
# repository, and bt by dump id shows full symbols (the same frames as with
# the file on disk) while bt of the bare core cannot.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need debuginfod python3
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
L=$LPARDBG
R=$T/repo
export DEBUGINFOD_URLS= DEBUGINFOD_CACHE_PATH=$T/client-cache
unset LPARDBG_REPO

frames() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["threads"]:
    for f in t["frames"]:
        print(t["tid"], f["pc"], f["function"], f["file"], f["line"], f["inline"])
' "$1"
}

sh "$LPD_TOP/fixtures/make-core.sh" "$T/fx" O2 >/dev/null 2>&1 ||
	lpd_skip "cannot make the crasher's core"
$L bt --json "$T/fx/O2/core" >"$T/ref.json" || lpd_fail "reference bt"
frames "$T/ref.json" >"$T/ref"
grep -q store_checksum "$T/ref" || lpd_fail "reference has no symbols"
bid=$($L info --json "$T/fx/O2/core" | "$PY" -c '
import json, sys
for m in json.load(sys.stdin)["modules"]:
    if m["name"].endswith("/crasher"):
        print(m["build_id"])')
[ -n "$bid" ] || lpd_fail "no build-id for the crasher"

# The crasher now exists only in the server's directory.
mkdir -p "$T/srv"
mv "$T/fx/O2/crasher" "$T/srv/crasher"
$L bt --json "$T/fx/O2/core" | grep -q store_checksum &&
	lpd_fail "the executable is still found on disk"

port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
lpd_spawn debuginfod -p "$port" -d "$T/db.sqlite" -F "$T/srv" -t 1 \
	>"$T/server.log" 2>&1
url=http://127.0.0.1:$port
# Wait until the server has indexed the file.
"$PY" - "$url/buildid/$bid/executable" <<'EOF' || lpd_fail "server never served $bid"
import sys, time, urllib.request
for i in range(300):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(1)
EOF
echo "debuginfod on $url serves $bid"

DEBUGINFOD_URLS=$url $L repo import --json --repo "$R" "$T/fx/O2/core" \
	>"$T/imp.json" || lpd_fail "import"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))["imported"][0]
assert d["from_debuginfod"] >= 1, d
print("imported", d["id"], "with", d["from_debuginfod"], "object(s) from debuginfod")
' "$T/imp.json" || lpd_fail "nothing came from debuginfod"
id=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["imported"][0]["id"])' "$T/imp.json")
$L repo show --repo "$R" "$id" | grep -q "$bid .*crasher (debuginfod)" ||
	lpd_fail "show does not list the fetched object"

# The server goes away: the repository alone debugs the dump.
lpd_kill_all
rm -rf "$T/client-cache"
$L bt --json --repo "$R" "$id" >"$T/repo.json" || lpd_fail "bt by id"
frames "$T/repo.json" >"$T/got"
if cmp -s "$T/got" "$T/ref"; then
	echo "bt by id: $(wc -l <"$T/ref") frames, full symbols, as with the file"
else
	lpd_fail "bt by id differs from the reference"
	diff "$T/ref" "$T/got" | head
fi

if [ "$LPD_FAILED" -ne 0 ]; then
	echo "repo-debuginfod: $LPD_FAILED failed"
	exit 1
fi
echo "repo-debuginfod: ok"
