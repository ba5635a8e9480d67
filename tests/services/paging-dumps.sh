#!/bin/sh
# tests/services/paging-dumps.sh - lpar-update --dump-repo: a system dump
# of the LPAR before and after the update (lpardbg dump, outside the
# blackout), both in the repository with the LPAR, the node, the image
# each ran, and labels pairing them; the LPAR runs on, unharmed. (The
# runtime keeps its not-yet-paged catalog out of dumps: reading a missing
# userfaultfd page while the dumper has stopped the handler deadlocks.)
set -u
. "$(dirname "$0")/pglib.sh"
LPARDBG=${LPARDBG:-$SVC/../lpardbg}
[ -x "$LPARDBG" ] || { echo "no lpardbg at $LPARDBG"; exit 77; }
if [ "$(id -u)" != 0 ] &&
   [ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)" != 0 ]; then
	echo "ptrace of a non-child not allowed here (yama ptrace_scope)"; exit 77
fi
pg_setup
pg_mkdev dev
pg_pager dev pager.sock
pg_lpar lpd pager.sock os-v1 --workers 8 || { cat "$PG_TMP/lpd.log"; exit 1; }
R=$PG_TMP/repo
"$LPARDBG" repo init --repo "$R" >/dev/null 2>&1 || true
out=$(pg_update --dump-repo "$R" --lpardbg "$LPARDBG" --node vios7 lpd os-v2) ||
	pg_fail "update with dumps: $out"
echo "$out"
"$LPARDBG" repo ls --repo "$R" --json >"$PG_TMP/ls.json" || pg_fail "repo ls"
jq -c '.[] | {lpar, node, image, image_version, labels}' "$PG_TMP/ls.json"
for pair in before:os-v1:1 after:os-v2:2; do
	ph=${pair%%:*} rest=${pair#*:}
	n=$(jq --arg ph "phase=$ph" --arg im "${rest%%:*}" --arg v "${rest#*:}" \
		'[.[] | select((.labels | index($ph)) and (.labels | index("update=lpd.1"))
		  and .image == $im and .image_version == $v and .lpar == "lpd"
		  and .node == "vios7")] | length' "$PG_TMP/ls.json")
	[ "$n" = 1 ] || pg_fail "no $ph dump of lpd on vios7 running ${rest%%:*} labelled update=lpd.1"
done
s=$("$SVC/lpar-update" --dir "$PG_TMP" --stop lpd)
[ "$(echo "$s" | jq '[.workers[] | select(.versions != [1,2] or .failed != 0 or .calls != .os_calls)] | length')" = 0 ] ||
	pg_fail "LPAR harmed by the dumps: $s"
pg_ok "dumps before and after recorded as a pair"
exit $PG_FAILED
