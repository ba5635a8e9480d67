#!/bin/sh
# tests/cli/remote-faults.sh - what goes wrong with a remote node gives a
# clear error and exit status 3, never a hang or a silent accept: an
# unknown host key (refused, fingerprint shown; --accept-new-host-key adds
# it), a changed host key (refused even with --accept-new-host-key), sshd
# killed mid-session, a node that never answers (timeout), no lpardbg on
# the node, a passphrase-protected key with no terminal to ask; and the
# keys of ssh-agent, tried first.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
. "$LPD_TOP/tests/cli/remote.inc"
lpd_need jq ssh-keygen
lpd_tmpdir
T=$LPD_TMP
L=$LPARDBG
export DEBUGINFOD_URLS=
remote_setup
sshd_start a
remote_repo "$T/repoA" nodeA lpar1
URL=ssh://$RUSER@127.0.0.1:$SSHD_PORT$T/repoA
R="--remote $URL --remote-lpardbg $L"
FP=$(ssh-keygen -lf "$T/sshd-a/host_ed25519.pub" | cut -d' ' -f2)

# expect RC PATTERN CMD...: run CMD (at most 30 s), check status and stderr
expect() {
	want=$1 pat=$2; shift 2
	timeout 30 "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	if [ $rc -ne "$want" ] || ! grep -q -- "$pat" "$T/err"; then
		cat "$T/err"
		lpd_fail "want exit $want and '$pat', got $rc: $*"
		exit 1
	fi
}

# 1. unknown host key: refused with its SHA256 fingerprint.
expect 3 "$FP" "$L" bt $R "$REMOTE_ID"
grep -q "not known" "$T/err" || { lpd_fail "unknown key message"; exit 1; }
expect 3 "$FP" "$L" repo ls --repo "$URL"
[ ! -s "$HOME/.ssh/known_hosts" ] || { lpd_fail "known_hosts written"; exit 1; }
echo "ok: unknown host key refused, fingerprint $FP shown"

# --accept-new-host-key adds it (and says so); then it is known.
expect 0 "permanently added" "$L" bt $R --accept-new-host-key "$REMOTE_ID"
grep -q "^\[127.0.0.1\]:$SSHD_PORT ssh-ed25519 " "$HOME/.ssh/known_hosts" ||
	{ cat "$HOME/.ssh/known_hosts"; lpd_fail "key not added"; exit 1; }
timeout 30 "$L" bt $R "$REMOTE_ID" > /dev/null 2>&1 || { lpd_fail "known key"; exit 1; }
echo "ok: --accept-new-host-key adds the key to known_hosts"

# 2. changed host key: refused, whatever the options.
ssh-keygen -q -t ed25519 -N '' -f "$T/other"
echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/other.pub")" > "$HOME/.ssh/known_hosts"
expect 3 "HOST KEY CHANGED" "$L" bt $R --accept-new-host-key "$REMOTE_ID"
grep -q "$FP" "$T/err" || { lpd_fail "changed key: no fingerprint"; exit 1; }
: > "$HOME/.ssh/known_hosts"
sshd_known a
echo "ok: changed host key refused"

# 3. no lpardbg on the node: the remote shell's words, exit 3.
expect 3 "exit status 127" "$L" bt --remote "$URL" --remote-lpardbg /nonexistent/lpardbg "$REMOTE_ID"
echo "ok: missing remote lpardbg reported"

# 4. sshd killed mid-session: the agent is slow to answer, sshd and its
# sessions die; the client says so at once.
cat > "$T/slow-lpardbg" <<EOS
#!/bin/sh
sleep 20
exec $L "\$@"
EOS
chmod +x "$T/slow-lpardbg"
start=$(date +%s)
timeout 30 "$L" bt --remote "$URL" --remote-lpardbg "$T/slow-lpardbg" \
	"$REMOTE_ID" > "$T/out" 2> "$T/err" < /dev/null &
bg=$!
sleep 2
sshd_kill "$SSHD_PID"
wait $bg
rc=$?
secs=$(( $(date +%s) - start ))
[ $rc -eq 3 ] || { cat "$T/err"; lpd_fail "killed sshd: exit $rc"; exit 1; }
grep -Eq "connection lost|ended|closed" "$T/err" ||
	{ cat "$T/err"; lpd_fail "killed sshd: unclear error"; exit 1; }
[ $secs -lt 15 ] || { lpd_fail "killed sshd: took ${secs}s"; exit 1; }
echo "ok: sshd killed mid-session: exit 3 in ${secs}s: $(head -c 160 "$T/err")"

# 5. a node that accepts and never answers: timed out.
SILENT=$(free_port)
lpd_spawn python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $SILENT)); s.listen(4)
c = s.accept(); time.sleep(60)"
sleep 0.5
start=$(date +%s)
expect 3 "timed out" "$L" bt --remote "ssh://$RUSER@127.0.0.1:$SILENT/x" --timeout 2 "$REMOTE_ID"
secs=$(( $(date +%s) - start ))
[ $secs -lt 10 ] || { lpd_fail "silent node: took ${secs}s"; exit 1; }
echo "ok: silent node: timed out in ${secs}s"
# nobody listening: refused
expect 3 "cannot connect" "$L" bt --remote "ssh://$RUSER@127.0.0.1:$(free_port)/x" "$REMOTE_ID"
echo "ok: closed port: connection refused"

# 6. a passphrase-protected key and no terminal: a clear error.
sshd_start b
sshd_known b
mv "$HOME/.ssh/id_ed25519" "$T/id.clear"
mv "$HOME/.ssh/id_ed25519.pub" "$T/id.clear.pub"
ssh-keygen -q -t ed25519 -N 'secret phrase' -f "$HOME/.ssh/id_ed25519"
cat "$HOME/.ssh/id_ed25519.pub" >> "$T/authorized_keys"
expect 3 "needs a passphrase" "$L" repo ls --repo "ssh://$RUSER@127.0.0.1:$SSHD_PORT$T/repoA"
if grep -q "secret phrase" "$T/err"; then lpd_fail "secret in output"; exit 1; fi
echo "ok: passphrase-protected key without a terminal: $(head -c 200 "$T/err")"

# with a terminal, the passphrase is asked there (echo off) and works
python3 - "$L" "ssh://$RUSER@127.0.0.1:$SSHD_PORT$T/repoA" > "$T/pty.out" 2>&1 <<'EOP'
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "repo", "ls", "--repo", sys.argv[2]])
out = b""
sent = False
end = time.time() + 30
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and b"Enter passphrase for key" in out:
        os.write(fd, b"secret phrase\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOP
rc=$?
[ $rc -eq 0 ] && grep -q "lpar1" "$T/pty.out" && grep -q "Enter passphrase" "$T/pty.out" ||
	{ cat "$T/pty.out"; lpd_fail "passphrase on a terminal: exit $rc"; exit 1; }
if grep -q "secret phrase" "$T/pty.out"; then lpd_fail "passphrase echoed"; exit 1; fi
echo "ok: passphrase asked on the terminal, not echoed"

# 7. ssh-agent comes first: the clear key, held only by an agent, works
# while ~/.ssh holds only the protected one.
if command -v ssh-agent >/dev/null 2>&1 && command -v ssh-add >/dev/null 2>&1; then
	lpd_spawn ssh-agent -D -a "$T/agent.sock" > /dev/null
	i=0
	while [ ! -S "$T/agent.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	SSH_AUTH_SOCK=$T/agent.sock ssh-add -q "$T/id.clear" 2>/dev/null ||
		{ lpd_fail "ssh-add"; exit 1; }
	SSH_AUTH_SOCK=$T/agent.sock timeout 30 "$L" repo ls \
		--repo "ssh://$RUSER@127.0.0.1:$SSHD_PORT$T/repoA" < /dev/null > "$T/out" 2> "$T/err" ||
		{ cat "$T/err"; lpd_fail "auth through ssh-agent"; exit 1; }
	grep -q "lpar1" "$T/out" || { lpd_fail "ssh-agent: no listing"; exit 1; }
	echo "ok: authenticated through ssh-agent (\$SSH_AUTH_SOCK)"
fi
exit 0
