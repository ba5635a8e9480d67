#!/bin/sh
# bench/backup.sh - first and incremental backup of a disk image (1 GiB
# by default, BENCH_MB to change) with 5% changed, for two change
# patterns: 64 KiB writes scattered over the disk (64 KiB-aligned, as a
# filesystem's extents are) and 4 MiB runs. The same image and the same
# writes go to vbackup (through the VIOS, so changed-block tracking sees
# them), restic and borgbackup in one run. Reports MB/s (disk size over
# wall time) and stored bytes per changed byte (growth of the repository
# over the incremental backup / bytes the writes changed).
# Run by `make bench-backup`; restic and borg come from
# `make bench-backup-deps` and are skipped when missing.
set -u
: "${SVC:?set SVC}"
. "$(dirname "$0")/../tests/services/bklib.sh"
bk_setup
cd "$BK_TMP" || exit 1
MB=${BENCH_MB:-1024}
SIZE=$((MB * 1048576))
V=$SVC/vbackup
have_restic=0; command -v restic >/dev/null && have_restic=1
have_borg=0; command -v borg >/dev/null && have_borg=1
export RESTIC_PASSWORD=bench BORG_PASSPHRASE=bench
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export XDG_CACHE_HOME=$BK_TMP/cache BORG_BASE_DIR=$BK_TMP/borgbase

now() { date +%s.%N; }
rate() { awk -v mb="$MB" -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", mb / (b - a) }'; }
ratio() { awk -v s="$1" -v c="$2" 'BEGIN { printf "%.3f", s / c }'; }
dsize() { du -sb "$1" | cut -f1; }

echo "bench/backup.sh: ${MB} MiB disk, 5% changed; MB/s = disk MiB / seconds"
printf '%-10s %-9s %10s %10s %12s %10s\n' pattern tool first incr stored/chg stored
head -c "$SIZE" /dev/urandom >base.img

for pattern in scattered clustered; do
	if [ $pattern = scattered ]; then ws=65536; else ws=4194304; fi
	count=$((SIZE / 20 / ws))
	changed=$((count * ws))
	rm -rf store restic borg cache borgbase
	cp base.img disk.img
	bk_server_start
	bk_vios_start "$BK_PORT"

	t0=$(now); "$V" request d0 >/dev/null || echo "vbackup full failed"; t1=$(now)
	v_first=$(rate "$t0" "$t1")
	if [ $have_restic = 1 ]; then
		restic -r restic init -q >/dev/null
		t0=$(now); restic -r restic backup -q disk.img >/dev/null; t1=$(now)
		r_first=$(rate "$t0" "$t1")
	fi
	if [ $have_borg = 1 ]; then
		borg init -e repokey borg >/dev/null 2>&1
		t0=$(now); borg create borg::a1 disk.img; t1=$(now)
		b_first=$(rate "$t0" "$t1")
	fi

	# The change: distinct aligned slots, so CHANGED is exact.
	"$V" writer d0 42 "$count" "$ws" "$ws" || echo "writer failed"

	s0=$(dsize store)
	t0=$(now); "$V" request d0 >/dev/null || echo "vbackup incr failed"; t1=$(now)
	v_incr=$(rate "$t0" "$t1"); v_st=$(( $(dsize store) - s0 ))
	printf '%-10s %-9s %10s %10s %12s %10s\n' $pattern vbackup "$v_first" \
		"$v_incr" "$(ratio $v_st $changed)" $v_st
	if [ $have_restic = 1 ]; then
		s0=$(dsize restic)
		t0=$(now); restic -r restic backup -q disk.img >/dev/null; t1=$(now)
		st=$(( $(dsize restic) - s0 ))
		printf '%-10s %-9s %10s %10s %12s %10s\n' $pattern restic \
			"$r_first" "$(rate "$t0" "$t1")" "$(ratio $st $changed)" $st
	fi
	if [ $have_borg = 1 ]; then
		s0=$(dsize borg)
		t0=$(now); borg create borg::a2 disk.img; t1=$(now)
		st=$(( $(dsize borg) - s0 ))
		printf '%-10s %-9s %10s %10s %12s %10s\n' $pattern borg \
			"$b_first" "$(rate "$t0" "$t1")" "$(ratio $st $changed)" $st
	fi
	kill -KILL "$BK_VIOS_PID" "$BK_SRV_PID" 2>/dev/null
	wait "$BK_VIOS_PID" "$BK_SRV_PID" 2>/dev/null
	: >"$BK_TMP/srv.log"
done
echo "changed bytes per pattern: $((SIZE / 20 / 65536 * 65536)) (scattered)," \
	"$((SIZE / 20 / 4194304 * 4194304)) (clustered)"
