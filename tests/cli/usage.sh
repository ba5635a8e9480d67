#!/bin/sh
# tests/cli/usage.sh - usage errors exit 2 with a usage line; help lists
# every command; the README's demo job runs and shows the crash.
set -u
fail() { echo "FAIL: $*"; exit 1; }
out=$("$LPARDBG" help) || fail "help exited $?"
for c in bt info; do
	echo "$out" | grep -q "^  $c " || fail "help does not list $c"
done
"$LPARDBG" bt >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bt without a core exited $rc, want 2"
err=$("$LPARDBG" bt 2>&1 >/dev/null)
echo "$err" | grep -q "usage: lpardbg bt" || fail "no usage line: $err"
"$LPARDBG" frobnicate >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown command exited $rc, want 2"
"$LPARDBG" bt --no-such-option core >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad option exited $rc, want 2"
"$LPARDBG" bt /nonexistent/core >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "missing core exited $rc, want 3"
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
out=$(LPD_DEMO_DIR=$demo sh "$LPD_TOP/fixtures/demo.sh") || fail "demo failed"
echo "$out" | grep -q "crashed: SIGSEGV" || fail "demo shows no crash: $out"
echo "$out" | grep -q "on_usr1" || fail "demo misses on_usr1"
echo "ok: usage, help and demo"
