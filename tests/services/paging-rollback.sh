#!/bin/sh
# tests/services/paging-rollback.sh - every bad image aborts the update
# before the switch with a reason naming what was wrong, and the LPAR
# keeps running on the old OS with nothing it holds changed: a page whose
# bytes do not match the device's checksum, a page torn in transfer, a
# missing entry symbol, a foreign ABI, a header lying about the version,
# the version already running. A good update still works afterwards.
set -u
. "$(dirname "$0")/pglib.sh"
pg_setup
pg_mkdev dev --corrupt os-bad:1
pg_pager dev pager.sock --torn os-v3:2
pg_lpar lp pager.sock os-v1 --workers 8 || { cat "$PG_TMP/lp.log"; exit 1; }
sleep 0.1

# refuse IMAGE PHASE REASON
refuse() {
	before=$(pg_status lp | jq '[.workers[].calls] | add')
	if out=$(pg_update lp "$1"); then
		pg_fail "$1: update succeeded: $out"; return
	fi
	echo "$out"
	[ "$(echo "$out" | jq -r .phase)" = "$2" ] ||
		pg_fail "$1: aborted in $(echo "$out" | jq -r .phase), want $2"
	echo "$out" | jq -r .reason | grep -q "$3" ||
		pg_fail "$1: reason does not say '$3'"
	sleep 0.1
	s=$(pg_status lp)
	[ "$(echo "$s" | jq .os_version)" = 1 ] || pg_fail "$1: left v1"
	[ "$(echo "$s" | jq .gen)" = 0 ] || pg_fail "$1: a switch happened"
	after=$(echo "$s" | jq '[.workers[].calls] | add')
	[ "$after" -gt "$before" ] || pg_fail "$1: LPAR stopped running"
	[ "$(echo "$s" | jq '[.workers[] | .failed + .violations] | add')" = 0 ] ||
		pg_fail "$1: calls failed"
	pg_ok "$1 refused in $2: $(echo "$out" | jq -r .reason)"
}
refuse os-bad page-in "page 1: checksum mismatch"
refuse os-v3 page-in "page 2: checksum mismatch"
refuse os-noentry verify "missing symbol lpar_os_entry"
refuse os-badabi verify "ABI 99, the runtime needs"
refuse os-lying verify "header says v7, the object is v3"
refuse os-v1 verify "already running"
refuse os-none page-in "No such file"

out=$(pg_update lp os-v2) || pg_fail "good update after rollbacks: $out"
s=$("$SVC/lpar-update" --dir "$PG_TMP" --stop lp)
[ "$(echo "$s" | jq '[.workers[] | select(.versions != [1,2] or .calls != .os_calls or .failed != 0)] | length')" = 0 ] ||
	pg_fail "after rollbacks and one update: $s"
pg_ok "v1 -> v2 after the rollbacks, state intact"
grep -q "dropping client" "$PG_TMP"/pager-*.log && pg_fail "pager saw bad requests"
exit $PG_FAILED
