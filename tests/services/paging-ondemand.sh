#!/bin/sh
# tests/services/paging-ondemand.sh - pages are paged in on demand: the
# workers touch 3 of the 64 catalog pages, and the pager has served
# exactly the ELF pages plus those 3 (never the 61 untouched), for boot
# and for an update, by userfaultfd and by explicit requests.
set -u
. "$(dirname "$0")/pglib.sh"
pg_setup
pg_mkdev dev

for mode in uffd req; do
	opt=; [ $mode = req ] && opt=--no-uffd
	pg_pager dev $mode.sock
	l=lp-$mode
	pg_lpar $l $mode.sock os-v1 --workers 8 --touch 3 $opt ||
		{ cat "$PG_TMP/$l.log"; exit 1; }
	sleep 0.2
	out=$(pg_update $l os-v2) || pg_fail "$mode: update: $out"
	so=$(echo "$out" | jq .so_pages)
	np=$(echo "$out" | jq .npages)
	sleep 0.3
	s=$("$SVC/lpar-update" --dir "$PG_TMP" --stop $l)
	[ "$(echo "$s" | jq .catalog_paged)" = 3 ] ||
		pg_fail "$mode: runtime paged $(echo "$s" | jq .catalog_paged) catalog pages, want 3"
	for img in os-v1 os-v2; do
		st=$("$SVC/vios-pager" stats "$PG_TMP/$mode.sock" $img)
		echo "$mode: $st"
		[ "$(echo "$st" | jq .served)" = $((so + 3)) ] ||
			pg_fail "$mode: $img: served $(echo "$st" | jq .served), want $so ELF + 3 touched of $np"
	done
	[ "$(echo "$s" | jq '[.workers[] | .failed] | add')" = 0 ] ||
		pg_fail "$mode: calls failed"
	pg_ok "$mode: served $((so + 3)) of $np pages per image; $((np - so - 3)) never touched, never transferred"
done
exit $PG_FAILED
