#!/bin/sh
# tests/cli/plugin-messaging.sh - the messaging plugin and cluster
# discovery against a real 4-node cluster (services/messaging):
#  - after unicast and broadcast traffic and a node killed, a core of a
#    live VKE (lpardbg dump PID) analyzed with "lpardbg analyze --json"
#    carries the plugin's facts, and they match what "vios-msg status"
#    said just before: queue length, every peer's state, incarnation and
#    counters, and the header of the last message delivered;
#  - the facts appear in "lpardbg diff --json" too, and "lpardbg plugins"
#    lists the plugin;
#  - "lpardbg cluster discover" (--config and --socket) lists every live
#    node's LPARs and repository as the configuration has them, and the
#    killed node as missing.
: "${LPARDBG:?}"
LPD_TOP=${LPD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SVC=${SVC:-${BUILD:-$LPD_TOP/build}/services}
[ -x "$SVC/vios-vke" ] && [ -x "$SVC/vios-msg" ] || {
	echo "services not built in $SVC (make services)"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
. "$LPD_TOP/tests/services/lib.sh"
svc_setup
T=$SVC_TMP
# No plugins from the user's own data directory.
export XDG_DATA_HOME=$T/xdg

fail() { echo "FAIL: $*"; exit 1; }

svc_config 4
for i in 1 2 3 4; do svc_start_node $i; done
svc_wait_up 2 4 || fail "4 nodes not up"
svc_msg --node vios1 send --to vios2 one two three >/dev/null ||
	fail "unicast send"
svc_msg --node vios3 send --to vios2 four >/dev/null || fail "unicast send"
svc_msg --node vios1 send --broadcast everyone >/dev/null ||
	fail "broadcast send"
svc_kill_node 4
t=0
while [ "$(svc_state 2 4)" != down ] && [ $t -lt 100 ]; do
	sleep 0.05; t=$((t + 1))
done
[ "$(svc_state 2 4)" = down ] || fail "vios4 not marked down"
# The broadcast was the last message vios2 took (no receiver is
# registered, so its queue holds all five).
svc_status 2 >"$T/status.json" || fail "status"
"$LPARDBG" dump -o "$T/vke2.core" "$NODE_PID_2" >/dev/null ||
	fail "lpardbg dump"

# ---- analyze --------------------------------------------------------
"$LPARDBG" analyze --json "$T/vke2.core" "$SVC/vios-vke" \
	>"$T/analysis.json" 2>"$T/analysis.err" ||
	{ cat "$T/analysis.err"; fail "analyze exited $?"; }
python3 - "$T/status.json" "$T/analysis.json" <<'EOF' || fail "facts differ"
import json, sys
st = json.load(open(sys.argv[1]))
an = json.load(open(sys.argv[2]))
facts = [f for f in an["facts"] if f["plugin"] == "messaging"]
assert facts and all(f["version"] == "1.0" for f in facts), an["facts"]
by = {}
for f in facts:
    by.setdefault(f["pred"], []).append(f["args"])
def one(p):
    assert len(by.get(p, [])) == 1, (p, by.get(p))
    return by[p][0]
vke = one("msg_vke")
assert vke[:3] == [st["node"], st["id"], st["incarnation"]], vke
assert one("msg_queue_len") == [st["queued"]], (by["msg_queue_len"], st)
peers = {a[0]: a for a in by["msg_peer"]}
assert len(peers) == len(st["peers"]) == 4, peers
for p in st["peers"]:
    a = peers[p["node"]]
    want = [p["node"], p["id"], p["state"],
            "self" if p["self"] else "remote", p["incarnation"],
            p["sent"], p["received"], p["delivered"], p["unacked"]]
    assert a == want, (a, want)
    print("peer %s: %s sent=%d received=%d delivered=%d" %
          (p["node"], p["state"], p["sent"], p["received"], p["delivered"]))
assert by["msg_peer_down"] == [["vios4"]], by.get("msg_peer_down")
# From, type, flags, src, dst, seq, length, subsystem, opcode, sub length
h = one("msg_last_header")
payload = len("everyone")
assert h[0] == 1 and h[1] == 1 and h[2] & 1 == 1, h      # DATA, BROADCAST
assert h[3] == 1 and h[4] == 65535, h                    # vios1 -> all
assert h[6] == 8 + payload and h[9] == 8 + payload, h    # lengths
assert h[7] == 1, h                                      # MSG_SUB_USER
print("queue %d, last header %s: ok" % (st["queued"], h))
EOF
echo "ok: analyze --json facts match vios-msg status"

"$LPARDBG" analyze "$T/vke2.core" "$SVC/vios-vke" >"$T/analysis.txt" \
	2>/dev/null || fail "analyze (text)"
grep -q 'messaging  *1.0  *msg_peer_down("vios4")' "$T/analysis.txt" ||
	{ cat "$T/analysis.txt"; fail "text analysis lacks peer_down"; }

"$LPARDBG" diff --json "$T/vke2.core:$SVC/vios-vke" \
	"$T/vke2.core:$SVC/vios-vke" >"$T/diff.json" 2>/dev/null
jq -e '.a.facts | map(select(.pred == "msg_peer_down")) | length == 1' \
	"$T/diff.json" >/dev/null || fail "diff --json lacks plugin facts"
echo "ok: diff --json carries the plugin facts"

"$LPARDBG" plugins | grep -q '^messaging  *1.0  *rules  *built-in' ||
	fail "plugins does not list messaging"
"$LPARDBG" plugins --json | jq -e '.[0].name == "messaging"' >/dev/null ||
	fail "plugins --json"
echo "ok: plugins lists the built-in"

# ---- cluster discover -------------------------------------------------
"$LPARDBG" cluster discover --config "$SVC_CONF" --json \
	>"$T/disc.json" 2>"$T/disc.err" ||
	{ cat "$T/disc.err"; fail "cluster discover --config"; }
python3 - "$T/disc.json" "$SVC_CONF" "$T" <<'EOF' || fail "discovery wrong"
import json, sys
d = json.load(open(sys.argv[1]))
conf = [l.split() for l in open(sys.argv[2]) if l.startswith("node ")]
nodes = {n["node"]: n for n in d["nodes"]}
assert sorted(nodes) == ["vios1", "vios2", "vios3"], nodes
assert d["missing"] == ["vios4"], d["missing"]
for c in conf:
    name = c[1]
    kv = dict(x.split("=", 1) for x in c[2:])
    if name == "vios4":
        continue
    n = nodes[name]
    assert n["repository"] == kv["repo"], (n, kv)
    assert n["lpars"] == ["%s-lpar1" % name, "%s-lpar2" % name], n
    assert n["id"] == int(kv["id"]) and n["port"] == int(kv["port"]), n
    print("%s: %s -> %s" % (name, ",".join(n["lpars"]), n["repository"]))
EOF
echo "ok: cluster discover --config matches the configuration"

"$LPARDBG" cluster discover --socket "$T/sock/vios3.sock" >"$T/disc.txt" \
	2>&1 || { cat "$T/disc.txt"; fail "cluster discover --socket"; }
cat "$T/disc.txt"
grep -q "^cluster test$$ (asked vios3)" "$T/disc.txt" &&
	grep -q "^  repository $T/repo1\$" "$T/disc.txt" &&
	grep -q "^  lpar vios2-lpar2\$" "$T/disc.txt" &&
	grep -q "^vios4: no answer" "$T/disc.txt" ||
	fail "text discovery"
echo "ok: cluster discover --socket (text)"

"$LPARDBG" cluster discover --socket "$T/nope.sock" 2>"$T/err.txt" &&
	fail "discover via a missing socket succeeded"
grep -q "nope.sock" "$T/err.txt" || { cat "$T/err.txt"; fail "unclear"; }
"$LPARDBG" cluster discover 2>/dev/null
[ $? -eq 2 ] || fail "discover without --config/--socket is not a usage error"
echo "ok: discover errors"

# ---- a crash: the queue-overflow fault switch ------------------------
# vios4 comes back with the switch armed; more messages than its receiver
# queue holds make it abort, leaving a core in its repository.
if grep -q __asan_init "$SVC/vios-vke"; then
	echo "skip: fault core (ASan build of the services)"; exit 0
fi
case $(cat /proc/sys/kernel/core_pattern) in
'|'*) echo "skip: fault core (core_pattern is a pipe)"; exit 0 ;;
esac
svc_start_node 4 --fault queue-overflow
svc_wait_up 1 4 || fail "vios4 did not rejoin"
seq 1 4200 | svc_msg --node vios1 send --to vios4 >/dev/null 2>&1
t=0
while kill -0 "$NODE_PID_4" 2>/dev/null && [ $t -lt 200 ]; do
	sleep 0.05; t=$((t + 1))
done
kill -0 "$NODE_PID_4" 2>/dev/null && fail "vios4 survived the overflow"
core=$(ls "$T"/repo4/dumps/core* 2>/dev/null | head -n 1)
[ -n "$core" ] || { echo "skip: no core written"; exit 0; }
"$LPARDBG" analyze --json "$core" "$SVC/vios-vke" >"$T/crash.json" \
	2>"$T/crash.err" || { cat "$T/crash.err"; fail "analyze crash"; }
python3 - "$T/crash.json" <<'EOF2' || fail "crash facts wrong"
import json, sys
an = json.load(open(sys.argv[1]))
by = {}
for f in an["facts"]:
    by.setdefault(f["pred"], []).append(f["args"])
vke = by["msg_vke"][0]
assert vke[0] == "vios4" and vke[3] == 2, vke        # queue-overflow armed
q = by["msg_queue_len"][0][0]
assert q >= 4095, q                                  # the queue was full
peers = {a[0]: a for a in by["msg_peer"]}
assert peers["vios1"][2] == "up" and peers["vios1"][6] >= q, peers["vios1"]
h = by["msg_last_header"][0]
assert h[0] == 1 and h[3] == 1 and h[4] == 4, h      # vios1 -> vios4
print("crash: signal %s, queue %d, last seq %d from vios1" %
      (an["signal"]["name"], q, h[5]))
assert an["signal"]["name"] == "SIGABRT", an["signal"]
EOF2
echo "ok: the overflow core's facts show the full queue"
exit 0
