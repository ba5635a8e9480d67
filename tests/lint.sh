#!/bin/sh
# tests/lint.sh - a module's private header (<module>/<module>-int.h and
# other *-int.h) is included only by that module and its tests; nothing
# outside a module includes another's rooms.
set -u
cd "$(dirname "$0")/.."
bad=0
for h in $(find common dumps debugger repo reasoning console plugins \
	   services -name '*-int.h' 2>/dev/null); do
	mod=${h%%/*}
	for f in $(grep -rl --include='*.c' --include='*.h' \
		   "#include \"$h\"" . 2>/dev/null); do
		f=${f#./}
		case $f in
		"$mod"/*|tests/"$mod"/*) ;;
		*) echo "lint: $f includes $h, private to $mod/"; bad=1 ;;
		esac
	done
done
# Arrows go one way: a lower module never includes a higher one's header.
check_arrow() {
	low=$1; shift
	for high in "$@"; do
		if grep -rn --include='*.c' --include='*.h' \
		   "#include \"$high/" "$low" 2>/dev/null; then
			echo "lint: $low/ must not include $high/"; bad=1
		fi
	done
}
check_arrow common dumps debugger repo reasoning console plugins
check_arrow dumps debugger repo reasoning console plugins
check_arrow debugger reasoning console plugins
check_arrow reasoning console plugins
check_arrow plugins console
# services/ are programs of their own: they share only common/ (the console
# reaches them through services/messaging/messaging.h, never the reverse),
# and remote/, a transport that itself knows only common/: vios-vdisk
# tunnels backups to another site's server over SSH (issue 11).
check_arrow services dumps debugger repo reasoning console plugins
# Analyzer plugins see lpardbg only through the plugin ABI (plugin.h);
# host.c, loader.c and builtin.c are the host side.
for f in plugins/*.c; do
	[ -f "$f" ] || continue
	case $f in plugins/host.c|plugins/loader.c|plugins/builtin.c) continue ;;
	esac
	if grep -n '#include "' "$f" | grep -v '#include "plugins/plugin.h"'; then
		echo "lint: $f: an analyzer plugin includes only plugins/plugin.h"
		bad=1
	fi
done
# remote/ moves bytes over SSH: it knows no other module but common/.
check_arrow remote dumps debugger repo reasoning console plugins
[ $bad -eq 0 ] && echo "lint: ok"
exit $bad
