#!/bin/sh
# tests/tui/remote.sh - lpardbg console --cluster NAME over a clusters.conf
# cluster of two remote nodes (two sshd on loopback, each with its own
# repository of one LPAR) and one that does not answer: the tree shows
# both nodes' LPARs and the dead one as unreachable (its error in the
# status line); a remote dump's backtrace comes from the agent on its node
# (bt --json); print runs there too; once one sshd is killed, selecting
# its dump puts the error in the status line while the other node's dump
# still opens; q exits cleanly.
. "$LPD_TOP/tests/cli/lib.sh"
. "$LPD_TOP/tests/tui/lib.sh"
. "$LPD_TOP/tests/cli/remote.inc"
LPD_TMP=$TUI_TMP/cli
mkdir -p "$LPD_TMP"
# Both helpers' cleanups: the tmux server, the sshd we started, the files.
trap '$TMUX_CMD kill-server 2>/dev/null; lpd_kill_all; rm -rf "$TUI_TMP"' EXIT
trap '$TMUX_CMD kill-server 2>/dev/null; lpd_kill_all; rm -rf "$TUI_TMP";
      exit 130' INT TERM HUP
lpd_need jq
remote_setup
export DEBUGINFOD_URLS=
mkdir -p "$LPD_TMP/fx"
cp -r "$C/O2" "$LPD_TMP/fx/O2"	# remote_repo's fixture, made once
sshd_start a
PA=$SSHD_PORT PIDA=$SSHD_PID
sshd_known a
sshd_start b
PB=$SSHD_PORT
sshd_known b
remote_repo "$LPD_TMP/repoA" vios1 lparA
ID_A=$REMOTE_ID
remote_repo "$LPD_TMP/repoB" vios2 lparB
ID_B=$REMOTE_ID
DEAD=$(free_port)	# nothing listens there
mkdir -p "$XDG_CONFIG_HOME/lpardbg"
cat >"$XDG_CONFIG_HOME/lpardbg/clusters.conf" <<EOC
[cluster prod]
node vios1 ssh://$RUSER@127.0.0.1:$PA$LPD_TMP/repoA
node vios2 ssh://$RUSER@127.0.0.1:$PB$LPD_TMP/repoB
node vios3 ssh://$RUSER@127.0.0.1:$DEAD/srv/repo
EOC

TUI_ENV="HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME DEBUGINFOD_URLS="
tui_start 140 40 --cluster prod --remote-lpardbg "$LPARDBG" --timeout 5
tui_wait "[1] $ID_A thread 1 frame 0" 30
s=$(tui_cap)
for w in "▾ prod" "vios1" "vios2" "lparA" "lparB" "vios3 (unreachable)" \
	 "1 SIGSEGV" "2 SIGSEGV" "error: node vios3"; do
	echo "$s" | grep -qF -- "$w" || tui_fail "no '$w'"
done
# The backtrace pane: the agent's frames of vios1's dump.
for f in store_checksum on_usr1 recurse main; do
	echo "$s" | grep -q "#[0-9] .*$f" || tui_fail "backtrace: no $f"
done
echo "$s" | grep -q "crasher.c:[0-9]* is on node vios1\|Source: crasher.c" ||
	tui_fail "source pane"
# Values commands run on the node.
tui_cmd 'print 6 * 7'
tui_wait '= 42'
tui_wait 'ran on node vios1'
tui_cmd 'frame 2'
tui_wait "[1] $ID_A thread 1 frame 2"
# The other node's dump.
tui_cmd "target select 2"	# by number: both hold the same fixture dump
tui_wait "[2] $ID_B thread 1 frame 0" 20
tui_cap | grep -q "#[0-9] .*on_usr1" || tui_fail "vios2: no on_usr1"
# vios1's sshd dies: its dump answers an error, the console stays.
sshd_kill "$PIDA"
tui_cmd "target select 1"
tui_wait "error: dump $ID_A: node vios1: " 30
tui_cap | tail -n 2 | head -n 1 | grep -q "error: dump $ID_A: node vios1" ||
	tui_fail "the error is not in the status line"
tui_cmd 'print 1 + 1'	# still vios2's dump, still answering
tui_wait '= 2' 20
tui_cmd "target select 2"
tui_wait "target 2: $ID_B" 20
tui_cap | tail -n 2 | head -n 1 | grep -q "error: " && tui_fail "still an error"
tui_cap | grep -q "1 $ID_A error: node vios" ||
	tui_fail "the tree does not show vios1's dump failing"
tui_cap | grep -q "#[0-9] .*recurse" || tui_fail "vios2: no recurse"
tui_keys q
tui_wait "EXITED rc=0" 20
tui_wait "icanon echo" 5
echo "ok: console --cluster over two sshd nodes and a dead one"
