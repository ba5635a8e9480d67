#!/bin/sh
# tests/cli/remote-agent.sh - a repository on another "node" (a real sshd on
# a loopback port, key auth, known host key): repo ls --repo ssh:// reads
# its index over SFTP; bt and info --remote run through `lpardbg agent` on
# an ssh exec channel and give the same frames (JSON and text) as a local
# bt; bt --repo ssh:// copies the dump's blobs by SFTP into the mirror on
# demand, and repo fetch into the local repository: the same frames again.
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
sshd_known a
remote_repo "$T/repoA" nodeA lpar1
URL=ssh://$RUSER@127.0.0.1:$SSHD_PORT$T/repoA
R="--remote $URL --remote-lpardbg $L"
ok=0

frames() {
	jq -c '[.threads[] | {tid, crashed, frames: [.frames[] |
		[.pc, .function, .file, .line, .inline]]}]' "$1"
}

# 1. repo ls over SFTP lists what the remote index holds.
timeout 30 "$L" repo ls --repo "$URL" > "$T/ls.txt" 2> "$T/ls.err" ||
	{ cat "$T/ls.err"; lpd_fail "repo ls --repo ssh:// failed"; exit 1; }
grep -q "^${REMOTE_ID}.*lpar1 *nodeA" "$T/ls.txt" ||
	{ cat "$T/ls.txt"; lpd_fail "remote dump not listed"; exit 1; }
timeout 30 "$L" repo show --repo "$URL" "$REMOTE_ID" > /dev/null ||
	{ lpd_fail "repo show --repo ssh:// failed"; exit 1; }
"$L" repo gc --repo "$URL" > /dev/null 2>&1
[ $? -eq 2 ] || { lpd_fail "repo gc on ssh:// not refused"; exit 1; }
echo "ok: repo ls/show over SFTP"

# 2. bt through the agent = local bt.
"$L" bt --json --repo "$T/repoA" "$REMOTE_ID" > "$T/local.json" || exit 1
timeout 30 "$L" bt --json $R "$REMOTE_ID" > "$T/remote.json" 2> "$T/remote.err" ||
	{ cat "$T/remote.err"; lpd_fail "bt --remote failed"; exit 1; }
frames "$T/local.json" > "$T/f-local"
frames "$T/remote.json" > "$T/f-remote"
[ "$(jq 'length' "$T/f-local")" -ge 1 ] || { lpd_fail "no threads"; exit 1; }
cmp -s "$T/f-local" "$T/f-remote" ||
	{ diff "$T/f-local" "$T/f-remote" | head; lpd_fail "agent frames differ"; exit 1; }
"$L" bt --repo "$T/repoA" "$REMOTE_ID" > "$T/local.txt" 2>/dev/null
timeout 30 "$L" bt $R "$REMOTE_ID" > "$T/remote.txt" 2>/dev/null
cmp -s "$T/local.txt" "$T/remote.txt" ||
	{ diff "$T/local.txt" "$T/remote.txt" | head; lpd_fail "agent text bt differs"; exit 1; }
timeout 30 "$L" info --json $R "$REMOTE_ID" | jq -e '.signal.name == "SIGSEGV"' >/dev/null ||
	{ lpd_fail "info --remote"; exit 1; }
# a core path on the remote node works too
timeout 30 "$L" bt --json $R "$T/fx/O2/core" "$T/fx/O2/crasher" > "$T/remote2.json" ||
	{ lpd_fail "bt --remote CORE EXE"; exit 1; }
[ "$(frames "$T/remote2.json" | jq -c '[.[].frames]')" = "$(jq -c '[.[].frames]' "$T/f-local")" ] ||
	{ lpd_fail "bt --remote CORE EXE frames differ"; exit 1; }
# a bad id is the remote's error, exit 3
timeout 30 "$L" bt $R ffff0000 > /dev/null 2> "$T/bad.err"
rc=$?
[ $rc -eq 3 ] && grep -q "ffff0000" "$T/bad.err" ||
	{ cat "$T/bad.err"; lpd_fail "bad remote id: rc $rc"; exit 1; }
echo "ok: bt --remote through the agent gives the local frames"

# 3. bt --repo ssh://: the dump's blobs come over SFTP into the mirror.
timeout 60 "$L" bt --json --repo "$URL" "$REMOTE_ID" > "$T/sftp.json" 2> "$T/sftp.err" ||
	{ cat "$T/sftp.err"; lpd_fail "bt --repo ssh:// failed"; exit 1; }
frames "$T/sftp.json" > "$T/f-sftp"
cmp -s "$T/f-local" "$T/f-sftp" ||
	{ diff "$T/f-local" "$T/f-sftp" | head; lpd_fail "SFTP frames differ"; exit 1; }
echo "ok: bt --repo ssh:// (blobs over SFTP) gives the local frames"

# 4. fetch over SFTP, then a local bt.
timeout 60 "$L" repo fetch --repo "$URL" --to "$T/local" "$REMOTE_ID" > "$T/fetch.txt" ||
	{ lpd_fail "repo fetch failed"; exit 1; }
"$L" bt --json --repo "$T/local" "$REMOTE_ID" > "$T/fetched.json" ||
	{ lpd_fail "bt of the fetched dump"; exit 1; }
frames "$T/fetched.json" > "$T/f-fetched"
cmp -s "$T/f-local" "$T/f-fetched" ||
	{ diff "$T/f-local" "$T/f-fetched" | head; lpd_fail "fetched frames differ"; exit 1; }
"$L" repo ls --repo "$T/local" | grep -q "lpar1 *nodeA" ||
	{ lpd_fail "fetched dump lost its LPAR/node"; exit 1; }
# the mirror stays under XDG_CACHE_HOME
[ -f "$XDG_CACHE_HOME/lpardbg/remote/127.0.0.1_$SSHD_PORT/$RUSER/$(echo "$T/repoA" | tr / _)/index.sqlite" ] ||
	{ find "$XDG_CACHE_HOME" | head; lpd_fail "mirror not in XDG_CACHE_HOME"; exit 1; }
echo "ok: repo fetch over SFTP, then a local bt gives the same frames"
exit 0
