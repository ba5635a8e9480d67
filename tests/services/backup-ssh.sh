#!/bin/sh
# tests/services/backup-ssh.sh - the backup server on "another site",
# reached through SSH: vios-vdisk --server ssh://user@host:port/HOST:PORT
# tunnels every connection (backup, list, restore) through a direct-tcpip
# channel of a real sshd on loopback (its own host key, a generated
# client key, AllowTcpForwarding yes). A full and an incremental backup
# through the tunnel restore SHA-256-identical; a VIOS that does not know
# the sshd's host key refuses to send anything.
set -u
. "$(dirname "$0")/bklib.sh"
SSHD=${SSHD:-/usr/sbin/sshd}
[ -x "$SSHD" ] || { echo "no $SSHD (apt-get install openssh-server)"; exit 77; }
command -v ssh-keygen >/dev/null || { echo "no ssh-keygen"; exit 77; }
bk_setup
cd "$BK_TMP" || exit 1
V=$SVC/vbackup

# ---- an sshd on a free loopback port, and a client HOME trusting it.
mkdir -p /run/sshd 2>/dev/null || true
mkdir -p home/.ssh sshd
chmod 700 home/.ssh
ssh-keygen -q -t ed25519 -N '' -C lpd-test -f home/.ssh/id_ed25519
ssh-keygen -q -t ed25519 -N '' -f sshd/host_ed25519
cp home/.ssh/id_ed25519.pub sshd/authorized_keys
SSHD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >sshd/sshd_config <<EOC
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $BK_TMP/sshd/host_ed25519
AuthorizedKeysFile $BK_TMP/sshd/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowTcpForwarding yes
PidFile $BK_TMP/sshd/sshd.pid
LogLevel ERROR
EOC
"$SSHD" -D -e -f "$BK_TMP/sshd/sshd_config" 2>>sshd/log &
BK_PIDS="$BK_PIDS $!"
t=0
while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$SSHD_PORT),1)" 2>/dev/null; do
	t=$((t + 1))
	[ $t -lt 50 ] || { cat sshd/log; echo "sshd did not start"; exit 77; }
	sleep 0.1
done
echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 sshd/host_ed25519.pub)" \
	>home/.ssh/known_hosts
unset SSH_AUTH_SOCK || true
RUSER=$(id -un)
URL="ssh://$RUSER@127.0.0.1:$SSHD_PORT/127.0.0.1:$BK_PORT"

# vdisk_ssh_start HOME: the VIOS of disk d0 with HOME's keys and
# known_hosts, its server at $URL.
vdisk_ssh_start() {
	rm -f "$VBACKUP_VIOS"
	HOME=$1 "$SVC/vios-vdisk" --socket "$VBACKUP_VIOS" --server "$URL" \
		--disk "d0=$BK_TMP/disk.img" >>"$BK_TMP/vios.log" 2>&1 &
	BK_VIOS_PID=$!
	BK_PIDS="$BK_PIDS $!"
	t=0
	while [ ! -S "$VBACKUP_VIOS" ] && [ $t -lt 100 ]; do
		sleep 0.05; t=$((t + 1))
	done
}

# 16 MiB + 1000 bytes: the last block is short.
head -c $((16 * 1048576 + 1000)) /dev/urandom >disk.img
cp disk.img want1.img
bk_server_start
vdisk_ssh_start "$BK_TMP/home"

# 1: full backup through the tunnel.
r1=$("$V" request d0) || { cat vios.log sshd/log; bk_fail "full backup over ssh: $r1"; }
echo "snapshot 1: $r1"
[ "$(bk_field "$r1" snapshot)" = 1 ] || bk_fail "first snapshot: $r1"
# 2: writes, then an incremental through the tunnel.
"$V" writer d0 5 30 65536 4096 || bk_fail "writer"
cp disk.img want2.img
r2=$("$V" request d0) || bk_fail "incremental over ssh: $r2"
echo "snapshot 2: $r2"
grep -q '"kind":"incremental"' <<EOT || bk_fail "second backup not incremental"
$r2
EOT
n=$(bk_field "$r2" blocks_sent)
[ "${n:-0}" -ge 30 ] && [ "$n" -le 60 ] || bk_fail "incremental sent $n blocks"
# Restores (and list) travel through the tunnel too.
"$V" list d0 >list.txt || bk_fail "list over ssh"
[ "$(wc -l <list.txt)" -eq 2 ] || bk_fail "list: $(cat list.txt)"
for sn in 1 2; do
	"$V" restore $sn r$sn.img || { bk_fail "restore $sn over ssh"; continue; }
	[ "$(bk_sha r$sn.img)" = "$(bk_sha want$sn.img)" ] &&
		bk_ok "snapshot $sn restored through the tunnel: $(bk_sha r$sn.img)" ||
		bk_fail "snapshot $sn differs after restore"
done
grep -q "snapshot 2 of d0 committed" srv.log || bk_fail "server log: $(cat srv.log)"

# ---- an unknown host key: nothing is sent.
kill -KILL "$BK_VIOS_PID"; wait "$BK_VIOS_PID" 2>/dev/null
mkdir -p home2/.ssh
chmod 700 home2/.ssh
cp home/.ssh/id_ed25519 home/.ssh/id_ed25519.pub home2/.ssh/
: >home2/.ssh/known_hosts
vdisk_ssh_start "$BK_TMP/home2"
"$V" writer d0 6 4 65536 65536 || bk_fail "writer"
if "$V" request d0 >r3.json 2>r3.err; then
	bk_fail "backup through an unknown host key succeeded: $(cat r3.json)"
fi
fp=$(ssh-keygen -l -E sha256 -f sshd/host_ed25519.pub | cut -d' ' -f2)
grep -q "host key not known" r3.err && grep -q "$fp" r3.err &&
	bk_ok "unknown host key refused: $(cat r3.err)" ||
	bk_fail "no host-key refusal naming $fp: $(cat r3.err)"
[ -s home2/.ssh/known_hosts ] && bk_fail "the unknown key was added"
"$SVC/vbackup-server" list --store store >list2.txt
[ "$(wc -l <list2.txt)" -eq 2 ] || bk_fail "a snapshot appeared: $(cat list2.txt)"
exit $BK_FAILED
