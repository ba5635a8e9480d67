#!/bin/sh
# tests/tui/remote-values.sh - the registers and values panes of a dump on
# another node (console --cluster over a real sshd on loopback): selecting
# it shows frame 0's registers from the agent there; frame 6 shows that
# frame's registers and its argument n = 4 in the values pane; print
# n * 2 + 1, info args and ptype n evaluate there. Then the agent turns
# hostile (a proxy in front of it rewrites its regs/vars replies: wrong
# types, thousands of registers, deep nesting, control characters, a
# huge frame): each frame shows the error in the panes, the console stays
# up and answers, and q exits cleanly.
. "$LPD_TOP/tests/cli/lib.sh"
. "$LPD_TOP/tests/tui/lib.sh"
. "$LPD_TOP/tests/cli/remote.inc"
LPD_TMP=$TUI_TMP/cli
mkdir -p "$LPD_TMP"
trap '$TMUX_CMD kill-server 2>/dev/null; lpd_kill_all; rm -rf "$TUI_TMP"' EXIT
trap '$TMUX_CMD kill-server 2>/dev/null; lpd_kill_all; rm -rf "$TUI_TMP";
      exit 130' INT TERM HUP
lpd_need jq python3
remote_setup
export DEBUGINFOD_URLS=
mkdir -p "$LPD_TMP/fx"
cp -r "$C/O2" "$LPD_TMP/fx/O2"
sshd_start a
PA=$SSHD_PORT
sshd_known a
remote_repo "$LPD_TMP/repoA" vios1 lparA
ID_A=$REMOTE_ID
RIP=$("$LPARDBG" eval --json --repo "$LPD_TMP/repoA" "$ID_A" 'info registers rip' |
	jq -r '.results[0].registers.rip')
RIP6=$("$LPARDBG" eval --json --frame 6 --repo "$LPD_TMP/repoA" "$ID_A" \
	'info registers rip' | jq -r '.results[0].registers.rip')

# The remote "lpardbg": a proxy to the real agent that, once $HOSTILE
# exists, replaces each regs/vars reply by the next of a set of bad ones.
HOSTILE=$LPD_TMP/hostile
cat > "$LPD_TMP/proxy.py" <<'EOF'
import json, os, subprocess, sys
lpardbg, hostile = sys.argv[1:3]
a = subprocess.Popen([lpardbg] + sys.argv[3:], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True, bufsize=1)
ok = '{"id":%s,"ok":true,"result":%s}'
# (op, result): one per frame the test selects, in order.
bad = [
    ("regs", '{"registers":[1,2,3],"general":1}'),
    ("regs", '{"registers":{%s},"general":1}' %
        ",".join('"r%d":"0x1"' % i for i in range(5000))),
    ("regs", '{"registers":{"rip":"0x12345678901234567890"}}'),
    ("regs", '{"registers":{"rip":7}}'),
    ("regs", "[" * 1900 + "]" * 1900),
    ("regs", "[" * 100000 + "]" * 100000),
    ("regs", '{"registers":{"rip":"0x1"},"general":-5}'),
    ("vars", '{"args":"n","locals":[]}'),
    ("vars", '{"args":[{"name":"x","value":{"text":7}}],"locals":[]}'),
    ("vars", '{"args":[],"locals":[{"name":"","value":{}}]}'),
    ("vars", '{"args":[{"name":"n\\u001b[2J","value":{"text":'
     '"\\u001b]0;pwned\\u0007"}}],"locals":[]}'),
]
# The next one's index is kept in the hostile file: a reply the client
# cannot parse drops the connection, and the next proxy goes on from it.
for line in sys.stdin:
    a.stdin.write(line)
    a.stdin.flush()
    reply = a.stdout.readline()
    req = json.loads(line)
    k = None
    if os.path.exists(hostile):
        with open(hostile) as f:
            k = int(f.read().strip() or "0")
    if k is not None and k < len(bad) and req.get("op") == bad[k][0]:
        reply = ok % (json.dumps(req.get("id")), bad[k][1]) + "\n"
        with open(hostile, "w") as f:
            f.write(str(k + 1))
    sys.stdout.write(reply)
    sys.stdout.flush()
EOF
printf '#!/bin/sh\nexec python3 %s %s %s "$@"\n' "$LPD_TMP/proxy.py" \
	"$LPARDBG" "$HOSTILE" > "$LPD_TMP/lpardbg"
chmod +x "$LPD_TMP/lpardbg"
mkdir -p "$XDG_CONFIG_HOME/lpardbg"
cat >"$XDG_CONFIG_HOME/lpardbg/clusters.conf" <<EOC
[cluster prod]
node vios1 ssh://$RUSER@127.0.0.1:$PA$LPD_TMP/repoA
EOC

TUI_ENV="HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME DEBUGINFOD_URLS="
tui_start 160 50 --cluster prod --remote-lpardbg "$LPD_TMP/lpardbg" --timeout 5
tui_wait "[1] $ID_A thread 1 frame 0" 30
# Registers pane: frame 0's rip as the local engine reads it.
tui_wait "$(printf 'rip    0x%016x' "$RIP")" 10
tui_cap | grep -q "rsp    0x" || tui_fail "registers pane: no rsp"
tui_cap | grep -q "values:" && tui_fail "values pane: an error at frame 0"
tui_cmd 'frame 6'
tui_wait "[1] $ID_A thread 1 frame 6"
tui_wait "$(printf 'rip    0x%016x' "$RIP6")" 10
tui_wait "n = 4" 10
tui_cap | grep -q "No locals." || tui_fail "values pane: no 'No locals.'"
tui_cap | grep -q "rax    <not saved>" || tui_fail "registers pane: rax saved?"
# Values commands run on the node, in frame 6.
tui_cmd 'print n * 2 + 1'
tui_wait '= 9'
tui_wait 'ran on node vios1'
tui_cmd 'info args'
tui_wait '(lpardbg) info args'
tui_cmd 'ptype n'
tui_wait 'type = int'
tui_cmd 'frame 7'
tui_wait "[1] $ID_A thread 1 frame 7"
tui_wait "+ sa = {" 10		# a struct, expandable as a local one is
echo "ok: registers and values of a remote frame"

# The agent turns hostile: every frame's panes show why, nothing breaks.
: > "$HOSTILE"
# Frames in turn, each answered with the next bad reply, until all but
# the last (control characters) were served; 100000 nested arrays are
# past the depth the client parses at all: the connection is dropped, and
# made again on the next question.
i=0
while [ "$(cat "$HOSTILE")" != 10 ]; do
	i=$((i + 1))
	[ $i -le 20 ] || tui_fail "the bad replies were not all asked for"
	f=$((i % 8))
	tui_cmd "frame $f"
	tui_wait "[1] $ID_A thread 1 frame $f"
	tui_wait "Values: frame $f"
	tui_cap | grep -q "values: node vios1: \|bad agent reply" ||
		tui_fail "frame $f: no error in the panes"
done
# Control characters in names and values are shown as '?'.
tui_cmd "frame 6"
tui_wait "[1] $ID_A thread 1 frame 6"
tui_wait "n?[2J = ?]0;pwned?" 10
tui_cmd 'print 20 + 22'		# eval is not rewritten: still answers
tui_wait '= 42'
rm -f "$HOSTILE"
tui_cmd 'frame 6'
tui_wait "n = 4" 10
tui_keys q
tui_wait "EXITED rc=0" 20
tui_wait "icanon echo" 5
echo "ok: a hostile agent's replies are refused in the panes"
