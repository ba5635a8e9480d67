#!/bin/sh
# tests/services/messaging-auth.sh - the request ABI checks the caller's
# credentials (SO_PEERCRED): a local user who is not one of the node's
# daemons may read status but not submit, register or discover; a uid
# allowed by the configuration may.
set -u
. "$(dirname "$0")/lib.sh"
svc_setup
[ "$(id -u)" -eq 0 ] || { echo "needs root to switch uid"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv missing"; exit 77; }
svc_config 2 "allow_uid 4242"
svc_start_node 1
svc_start_node 2
svc_wait_up 1 2 || { svc_fail "cluster did not come up"; exit 1; }
chmod -R a+rX "$SVC_TMP"

as() { uid=$1; shift; setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
msg() { echo "$SVC/vios-msg --config $SVC_CONF --node vios1"; }

if as 65534 $(msg) send --to vios2 hi 2>"$SVC_TMP/send.err"; then
	svc_fail "nobody's submit accepted"
fi
grep -q "permission denied" "$SVC_TMP/send.err" ||
	svc_fail "no permission error: $(cat "$SVC_TMP/send.err")"
as 65534 $(msg) recv --count 1 --timeout 500 2>"$SVC_TMP/recv.err" &&
	svc_fail "nobody registered as receiver"
as 65534 $(msg) discover 2>/dev/null && svc_fail "nobody discovered"
as 65534 $(msg) status >/dev/null || svc_fail "status refused to nobody"
[ "$(svc_status 1 | jq .refused)" -eq 3 ] ||
	svc_fail "refused counter $(svc_status 1 | jq .refused), want 3"
[ "$(svc_status 1 | jq .submitted)" -eq 0 ] || svc_fail "something was submitted"
svc_ok "uid 65534 refused (send, recv, discover), status allowed"

as 4242 $(msg) send --to vios2 hi || svc_fail "allow_uid 4242 refused"
[ "$(svc_status 1 | jq .submitted)" -eq 1 ] || svc_fail "allowed submit not counted"
svc_ok "uid 4242 (allow_uid) may submit"
exit $SVC_FAILED
