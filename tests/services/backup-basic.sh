#!/bin/sh
# tests/services/backup-basic.sh - backup, modify, incremental backup,
# restore: every restored snapshot is byte-identical (SHA-256) to the disk
# at the moment its backup began, also while the client keeps writing
# through the VIOS during the backup (copy-on-write in the proxy); then
# listing and retention (keep N / prune).
set -u
. "$(dirname "$0")/bklib.sh"
bk_setup
cd "$BK_TMP" || exit 1
V=$SVC/vbackup

# 32 MiB + 1000 bytes: the last block is short; 2 MiB of zeros.
head -c $((32 * 1048576 + 1000)) /dev/urandom >disk.img
dd if=/dev/zero of=disk.img bs=1M seek=4 count=2 conv=notrunc 2>/dev/null
cp disk.img want1.img
bk_server_start
bk_vios_start "$BK_PORT"

# 1: full backup of a quiet disk.
r1=$("$V" request d0) || bk_fail "full backup: $r1"
[ "$(bk_field "$r1" snapshot)" = 1 ] || bk_fail "first snapshot id: $r1"
grep -q '"kind":"full"' <<EOT || bk_fail "first backup not full: $r1"
$r1
EOT

# Modify: 40 writes of 64 KiB at 4 KiB-aligned offsets, through the VIOS.
"$V" writer d0 11 40 65536 4096 || bk_fail "writer"
cp want1.img want2.img
"$V" replay want2.img 11 40 65536 4096
[ "$(bk_sha disk.img)" = "$(bk_sha want2.img)" ] || bk_fail "replay differs"

# 2: incremental of the modified disk: only the changed blocks travel
# (40 x 64 KiB at 4 KiB alignment touch at most 80 blocks of 64 KiB).
r2=$("$V" request d0) || bk_fail "incremental backup: $r2"
echo "snapshot 2: $r2"
grep -q '"kind":"incremental"' <<EOT || bk_fail "second backup not incremental"
$r2
EOT
n=$(bk_field "$r2" blocks_sent)
[ "${n:-0}" -ge 40 ] && [ "$n" -le 80 ] || bk_fail "incremental sent $n blocks"

# 3: incremental while a client keeps writing 4 KiB blocks.
"$V" writer d0 22 1000000 4096 4096 2>/dev/null &
wpid=$!
sleep 0.2
r3=$("$V" request d0) || bk_fail "backup under writes: $r3"
sleep 0.2
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
echo "snapshot 3: $r3"
w3=$(bk_field "$r3" writes_at_start)
cp want2.img want3.img
"$V" replay want3.img 22 $((w3 - 40)) 4096 4096
[ "$(bk_field "$r3" cow_peak_blocks)" -gt 0 ] ||
	bk_fail "no write hit the snapshot during the backup (cow_peak 0)"

# 4: incremental of a quiet disk: carries the writes made during 3.
cp disk.img want4.img
r4=$("$V" request d0) || bk_fail "fourth backup: $r4"
echo "snapshot 4: $r4"
[ "$(bk_field "$r4" blocks_sent)" -gt 0 ] || bk_fail "writes during 3 lost"

for s in 1 2 3 4; do
	"$V" restore $s "r$s.img" || bk_fail "restore $s"
	if [ "$(bk_sha "r$s.img")" = "$(bk_sha "want$s.img")" ]; then
		bk_ok "snapshot $s restored byte-identical ($(bk_sha "r$s.img" | cut -c1-12))"
	else
		bk_fail "snapshot $s differs from the disk at its start"
	fi
done

"$SVC/vbackup-server" verify --store store || bk_fail "verify"
[ "$("$V" list d0 | wc -l)" -eq 4 ] || bk_fail "list: $("$V" list d0)"

# Retention: keep 2 drops snapshots 1 and 2 (and chunks nobody else uses);
# the others still restore.
bk_server_kill
before=$(du -sb store/packs | cut -f1)
"$SVC/vbackup-server" prune --store store --keep 2 || bk_fail "prune"
after=$(du -sb store/packs | cut -f1)
echo "prune: chunks $before -> $after bytes"
[ "$after" -lt "$before" ] || bk_fail "prune freed nothing"
"$SVC/vbackup-server" list --store store | grep -q '^[12] ' && bk_fail "1/2 kept"
"$SVC/vbackup-server" verify --store store || bk_fail "verify after prune"
bk_server_start
"$V" restore 3 r3b.img || bk_fail "restore after prune"
[ "$(bk_sha r3b.img)" = "$(bk_sha want3.img)" ] || bk_fail "3 after prune"
exit $BK_FAILED
