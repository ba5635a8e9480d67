#!/bin/sh
# tests/tui/remote-old-agent.sh - a node whose agent is older than the
# regs and vars ops (this agent with LPARDBG_AGENT_HIDE_OPS=regs,vars: its
# hello lists neither, and it answers them unknown_op). Selecting its dump
# and moving between frames shows "too old" in the registers and values
# panes, asks the agent nothing it lacks, and never reconnects: the agent
# is started once (counted by the wrapper the console runs as lpardbg
# there). What it has (eval) still answers, and q exits cleanly.
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

# The remote "lpardbg": one line in $STARTS per agent started, then the
# agent as an older one would answer.
STARTS=$LPD_TMP/starts
: > "$STARTS"
cat > "$LPD_TMP/lpardbg" <<EOS
#!/bin/sh
echo "\$\$ \$*" >> "$STARTS"
LPARDBG_AGENT_HIDE_OPS=regs,vars exec "$LPARDBG" "\$@"
EOS
chmod +x "$LPD_TMP/lpardbg"
mkdir -p "$XDG_CONFIG_HOME/lpardbg"
cat >"$XDG_CONFIG_HOME/lpardbg/clusters.conf" <<EOC
[cluster prod]
node vios1 ssh://$RUSER@127.0.0.1:$PA$LPD_TMP/repoA
EOC

# Both panes wrap it to their width (36 columns here): "values: the
# agent on vios1 is too" / "old for registers/values" in the values pane,
# "the agent on vios1 is too old for" / "registers/values" in the
# registers pane.
too_old() {
	tui_wait "values: the agent on vios1 is too" 10
	tui_wait "old for registers/values" 5
	tui_wait "the agent on vios1 is too old for" 5
}
TUI_ENV="HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME DEBUGINFOD_URLS="
tui_start 160 50 --cluster prod --remote-lpardbg "$LPD_TMP/lpardbg" --timeout 5
tui_wait "[1] $ID_A thread 1 frame 0" 30
too_old
tui_cap | grep -q "rip    0x" && tui_fail "registers pane: registers?"
# Frame changes: each shows the message; nothing is asked, nothing
# reconnects.
for f in 1 6 2 7 0 6; do
	tui_cmd "frame $f"
	tui_wait "[1] $ID_A thread 1 frame $f"
	tui_wait "Values: frame $f"
	too_old
done
# What the old agent has still runs there.
tui_cmd 'print n * 2 + 1'
tui_wait '= 9'
tui_wait 'ran on node vios1'
tui_cmd 'frame 5'
tui_wait "[1] $ID_A thread 1 frame 5"
too_old
n=$(grep -c ' agent ' "$STARTS")
[ "$n" = 1 ] || tui_fail "the agent was started $n times (reconnects)"
tui_keys q
tui_wait "EXITED rc=0" 20
tui_wait "icanon echo" 5
echo "ok: an agent without regs/vars: the panes say so, one connection"
