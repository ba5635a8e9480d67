#!/bin/sh
# bench/paging.sh - concurrent OS update by paging against a full restart
# of the same application, in one run: an LPAR with 8 workers calling
# the OS is updated N times (v2, v3, v2, ...); the blackout (quiesce to
# resume) and the total update time (to the old image released) are
# taken from the runtime's own clock, median over N. The restart is stop
# (state saved) -> start a new process -> page in and link the OS ->
# state reload -> workers running, M times, timed from the stop request
# to the new process's "ready". Prints the medians and the ratio.
#   SVC=build/services sh bench/paging.sh [N] [M]   (make bench-paging)
set -u
. "$(dirname "$0")/../tests/services/pglib.sh"
N=${1:-30}
M=${2:-10}
W=8
pg_setup
pg_mkdev dev
pg_pager dev pager.sock

median() { sort -n | awk '{a[NR] = $1} END {
	if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2];
	else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

pg_lpar lb pager.sock os-v1 --workers $W || { cat "$PG_TMP/lb.log"; exit 1; }
sleep 0.2
: >"$PG_TMP/upd"
: >"$PG_TMP/upd-early"
i=0
while [ $i -lt "$N" ]; do
	v=$((2 + i % 2))
	out=$(pg_update lb os-v$v) || { echo "update failed: $out"; exit 1; }
	echo "$out" | jq -r '"\(.blackout_us) \(.total_us) \(.quiesce_us)"' >>"$PG_TMP/upd"
	sleep 0.05
	i=$((i + 1))
done
# The same with the image paged in and linked before the quiesce.
i=0
while [ $i -lt "$N" ]; do
	v=$((2 + i % 2))
	out=$(pg_update --prepare-first lb os-v$v) || { echo "update failed: $out"; exit 1; }
	echo "$out" | jq -r '"\(.blackout_us) \(.total_us) \(.quiesce_us)"' >>"$PG_TMP/upd-early"
	sleep 0.05
	i=$((i + 1))
done
s=$(pg_status lb)
[ "$(echo "$s" | jq '[.workers[] | .failed + .violations] | add')" = 0 ] ||
	{ echo "calls failed during the updates"; exit 1; }

# Full restarts of the same application (the state goes through a file).
: >"$PG_TMP/rst"
img=os-v$((2 + (N - 1) % 2))
i=0
while [ $i -lt "$M" ]; do
	t0=$(date +%s%N)
	"$SVC/lpar-update" --dir "$PG_TMP" --stop lb --save "$PG_TMP/state" >/dev/null ||
		{ echo "stop failed"; exit 1; }
	wait "$LPAR_PID" 2>/dev/null
	pg_lpar lb pager.sock "$img" --workers $W --restore "$PG_TMP/state" ||
		{ cat "$PG_TMP/lb.log"; exit 1; }
	ready=$(sed -n 's/.* ready on .* at \([0-9]*\)$/\1/p' "$PG_TMP/lb.log" | tail -n 1)
	echo $(((ready - t0) / 1000)) >>"$PG_TMP/rst"
	sleep 0.05
	i=$((i + 1))
done
s=$(pg_status lb)
[ "$(echo "$s" | jq '[.workers[] | select(.calls != .os_calls)] | length')" = 0 ] ||
	{ echo "state lost across restarts"; exit 1; }

bo=$(cut -d' ' -f1 "$PG_TMP/upd" | median)
tot=$(cut -d' ' -f2 "$PG_TMP/upd" | median)
qui=$(cut -d' ' -f3 "$PG_TMP/upd" | median)
bomax=$(cut -d' ' -f1 "$PG_TMP/upd" | sort -n | tail -n 1)
ebo=$(cut -d' ' -f1 "$PG_TMP/upd-early" | median)
etot=$(cut -d' ' -f2 "$PG_TMP/upd-early" | median)
ebomax=$(cut -d' ' -f1 "$PG_TMP/upd-early" | sort -n | tail -n 1)
rst=$(median <"$PG_TMP/rst")
echo "paging bench: $W workers, 2 x $N live updates, $M full restarts"
echo " quiesce -> page in -> verify -> link -> transfer -> switch -> resume:"
printf '  blackout               median %8.0f us (max %s us; quiesce %s us)\n' "$bo" "$bomax" "$qui"
printf '  total update           median %8.0f us\n' "$tot"
echo " --prepare-first (page in, verify, link while running on the old OS):"
printf '  blackout               median %8.0f us (max %s us)\n' "$ebo" "$ebomax"
printf '  total update           median %8.0f us\n' "$etot"
printf ' full restart            median %8.0f us (stop, start, page in, state reload)\n' "$rst"
awk -v r="$rst" -v b="$bo" -v t="$tot" -v e="$ebo" 'BEGIN {
	printf " ratio restart/blackout %.1fx (prepare-first %.1fx), restart/total %.1fx\n", r / b, r / e, r / t }'
awk -v b="$bo" -v e="$ebo" 'BEGIN { if (b < 10000 && e < 10000) print " target blackout < 10 ms with 8 workers: met";
	else print " target blackout < 10 ms with 8 workers: MISSED" }'
