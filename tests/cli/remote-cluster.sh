#!/bin/sh
# tests/cli/remote-cluster.sh - a cluster of two "nodes" (two sshd on
# different ports, each with its own repository) and a local one, listed in
# $XDG_CONFIG_HOME/lpardbg/clusters.conf: cluster ls --cluster NAME shows
# every node's LPARs (through the agent and through SFTP); a node that is
# down is marked unreachable, the others still listed, exit status 3.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
. "$LPD_TOP/tests/cli/remote.inc"
lpd_need jq
lpd_tmpdir
T=$LPD_TMP
L=$LPARDBG
export DEBUGINFOD_URLS=
remote_setup
sshd_start a
PA=$SSHD_PORT PIDA=$SSHD_PID
sshd_known a
sshd_start b
PB=$SSHD_PORT
sshd_known b
remote_repo "$T/repoA" vios1 lparA
remote_repo "$T/repoB" vios2 lparB
remote_repo "$T/repoC" vios3 lparC
mkdir -p "$XDG_CONFIG_HOME/lpardbg"
cat > "$XDG_CONFIG_HOME/lpardbg/clusters.conf" <<EOC
# two remote nodes and a local repository
[cluster prod]
node vios1 ssh://$RUSER@127.0.0.1:$PA$T/repoA
node vios2 ssh://$RUSER@127.0.0.1:$PB$T/repoB via=sftp
node vios3 $T/repoC

[cluster other]
node x /nonexistent
EOC

timeout 60 "$L" cluster ls --cluster prod --remote-lpardbg "$L" > "$T/ls.txt" 2> "$T/ls.err" ||
	{ cat "$T/ls.txt" "$T/ls.err"; lpd_fail "cluster ls --cluster failed"; exit 1; }
cat "$T/ls.txt"
for l in lparA lparB lparC; do
	grep -q "^    $l " "$T/ls.txt" || { lpd_fail "$l missing"; exit 1; }
done
timeout 60 "$L" cluster ls --cluster prod --remote-lpardbg "$L" --json > "$T/ls.json" ||
	{ lpd_fail "cluster ls --json"; exit 1; }
[ "$(jq -c '[.members[] | .nodes[].lpars[].name]' "$T/ls.json")" = '["lparA","lparB","lparC"]' ] ||
	{ cat "$T/ls.json"; lpd_fail "JSON members"; exit 1; }
[ "$(jq -c '[.members[].via]' "$T/ls.json")" = '["agent","sftp","local"]' ] ||
	{ lpd_fail "JSON via"; exit 1; }
echo "ok: cluster ls --cluster spans two sshd nodes and a local repository"

# one node down: marked, the others listed, exit 3
sshd_kill "$PIDA"
timeout 60 "$L" cluster ls --cluster prod --remote-lpardbg "$L" --timeout 3 --json > "$T/down.json" 2> "$T/down.err"
rc=$?
[ $rc -eq 3 ] || { cat "$T/down.err"; lpd_fail "node down: exit $rc"; exit 1; }
[ "$(jq -c '[.members[].reachable]' "$T/down.json")" = '[false,true,true]' ] ||
	{ cat "$T/down.json"; lpd_fail "node down: reachable flags"; exit 1; }
jq -e '.members[0].error | test("cannot connect")' "$T/down.json" > /dev/null ||
	{ cat "$T/down.json"; lpd_fail "node down: error"; exit 1; }
echo "ok: a node down is marked unreachable, the others listed"

# configuration errors
timeout 10 "$L" cluster ls --cluster nosuch > /dev/null 2> "$T/e1"
[ $? -eq 3 ] && grep -q "no cluster 'nosuch'" "$T/e1" || { cat "$T/e1"; lpd_fail "unknown cluster"; exit 1; }
printf '[cluster bad]\nnode a\n' > "$T/bad.conf"
timeout 10 "$L" cluster ls --cluster bad --config "$T/bad.conf" > /dev/null 2> "$T/e2"
[ $? -eq 2 ] && grep -q "bad.conf:2" "$T/e2" || { cat "$T/e2"; lpd_fail "bad config"; exit 1; }
echo "ok: configuration errors name the cluster or the line"
exit 0
