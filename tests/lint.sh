#!/bin/sh
# tests/lint.sh - a module's private header (<module>/<module>-int.h and
# other *-int.h) is included only by that module and its tests; nothing
# outside a module includes another's rooms.
set -u
cd "$(dirname "$0")/.."
bad=0
for h in $(find common dumps debugger repo reasoning console plugins \
	   -name '*-int.h' 2>/dev/null); do
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
check_arrow reasoning console
[ $bad -eq 0 ] && echo "lint: ok"
exit $bad
