# tests/cli/lib.sh - helpers sourced by the CLI tests and bench/bt.sh.
#   . "$LPD_TOP/tests/cli/lib.sh"
# Provides: lpd_tmpdir, lpd_spawn, lpd_kill_all, lpd_need, lpd_skip,
# lpd_wait_threads, lpd_wait_file, lpd_wait_blocked, core_of_pid,
# core_of_crash, lpd_compare, lpd_python, lpd_fail.
# Every process started with lpd_spawn is killed on exit, and the folder
# made by lpd_tmpdir is removed.

LPD_TOP=${LPD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LPD_SHARED=${LPD_SHARED:-$LPD_TOP/../shared}
LPD_PIDS=
LPD_TMP=
LPD_FAILED=0

lpd_cleanup() {
	lpd_kill_all
	[ -n "$LPD_TMP" ] && [ -z "${LPD_KEEP:-}" ] && rm -rf "$LPD_TMP"
	LPD_TMP=
}

# lpd_tmpdir: make a private folder in $LPD_TMP, removed on exit
# (set LPD_KEEP=1 to keep it for debugging).
lpd_tmpdir() {
	LPD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lpd-cli.XXXXXX") || exit 1
	trap 'lpd_cleanup' EXIT
	trap 'lpd_cleanup; exit 130' INT TERM HUP
}

# lpd_spawn CMD...: start CMD in the background, remember its pid in
# $LPD_LAST_PID (and for lpd_kill_all). Stdin is /dev/null unless redirected
# by the caller.
lpd_spawn() {
	"$@" &
	LPD_LAST_PID=$!
	LPD_PIDS="$LPD_PIDS $LPD_LAST_PID"
}

# lpd_kill PID: kill one process we started and reap it.
lpd_kill() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	LPD_PIDS=$(echo "$LPD_PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
	return 0
}

lpd_kill_all() {
	for p in $LPD_PIDS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	LPD_PIDS=
}

# lpd_skip REASON: exit 77 with REASON as the last line.
lpd_skip() {
	echo "skipped: $*"
	exit 77
}

# lpd_need TOOL...: skip the test when a tool is missing.
lpd_need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || lpd_skip "$t not installed"
	done
}

lpd_fail() {
	echo "FAIL: $*"
	LPD_FAILED=$((LPD_FAILED + 1))
}

lpd_python() {
	if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3
	else command -v python3; fi
}

# lpd_wait_threads PID N [SECS]: wait until PID has at least N threads.
lpd_wait_threads() {
	_n=0
	while [ "$_n" -lt $((${3:-10} * 10)) ]; do
		_c=$(ls "/proc/$1/task" 2>/dev/null | wc -l)
		[ "$_c" -ge "$2" ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

# lpd_wait_file FILE [SECS]: wait until FILE is non-empty.
lpd_wait_file() {
	_n=0
	while [ "$_n" -lt $((${2:-10} * 10)) ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

# lpd_wait_blocked PID [SECS]: wait until no thread of PID is running
# (all are in state S or D), so the core shows them parked.
lpd_wait_blocked() {
	_n=0
	while [ "$_n" -lt $((${2:-10} * 10)) ]; do
		_busy=0
		for _s in /proc/$1/task/*/stat; do
			_st=$(sed 's/.*) //' "$_s" 2>/dev/null | cut -d' ' -f1)
			[ "$_st" = R ] && _busy=1
		done
		[ "$_busy" = 0 ] && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

# core_of_pid PID OUT: write a core of the live process PID to OUT.
# Prefers gdb's gcore, which leaves the process running; otherwise makes
# the kernel dump it (raises RLIMIT_CORE with prlimit, kill -ABRT), which
# needs a plain-file core_pattern (LPD_CORE_METHOD=kernel forces this way).
# Returns non-zero when neither worked.
core_of_pid() {
	_pid=$1 _out=$2
	rm -f "$_out" "$_out.$_pid"
	if [ "${LPD_CORE_METHOD:-}" != kernel ] &&
	   command -v gcore >/dev/null 2>&1; then
		gcore -o "$_out" "$_pid" >"$_out.gcore.log" 2>&1
		if [ -s "$_out.$_pid" ]; then
			mv "$_out.$_pid" "$_out"
			rm -f "$_out.gcore.log"
			return 0
		fi
		echo "core_of_pid: gcore failed:" >&2
		tail -n 5 "$_out.gcore.log" >&2
	fi
	rm -f "$_out.gcore.log"
	_pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
	case $_pattern in
	'|'*) echo "core_of_pid: core_pattern is a pipe; need gcore" >&2
	      return 1 ;;
	esac
	_cwd=$(readlink "/proc/$_pid/cwd") || return 1
	command -v prlimit >/dev/null 2>&1 &&
		prlimit --core=unlimited:unlimited --pid "$_pid" 2>/dev/null
	kill -ABRT "$_pid" || return 1
	wait "$_pid" 2>/dev/null
	_n=0
	while kill -0 "$_pid" 2>/dev/null && [ $_n -lt 100 ]; do
		sleep 0.1; _n=$((_n + 1))
	done
	case $_pattern in
	/*) _f=$(echo "$_pattern" | sed "s/%p/$_pid/g") ;;
	*) _f=$_cwd/$(echo "$_pattern" | sed "s/%p/$_pid/g") ;;
	esac
	for _c in "$_f" "$_cwd/core.$_pid" "$_cwd/core"; do
		if [ -s "$_c" ]; then
			mv "$_c" "$_out"
			return 0
		fi
	done
	echo "core_of_pid: no kernel core for $_pid in $_cwd" >&2
	return 1
}

# core_of_crash DIR CMD...: run CMD in DIR, which must crash, and leave its
# core in DIR/core: the kernel writes it when core_pattern is a plain file
# name; otherwise gdb runs CMD and takes the core at the fault.
core_of_crash() {
	_dir=$1; shift
	rm -f "$_dir"/core "$_dir"/core.*
	_pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
	case $_pattern in
	core|core.%p|core.%e.%p)
		(cd "$_dir" && ulimit -c unlimited && "$@" >crash.out 2>&1) || true
		for _c in "$_dir"/core.*; do
			[ -f "$_c" ] && mv "$_c" "$_dir/core"
		done
		;;
	esac
	if [ ! -s "$_dir/core" ] && command -v gdb >/dev/null 2>&1; then
		(cd "$_dir" && gdb -nx -batch -q -ex 'set confirm off' \
			-ex run -ex 'generate-core-file core' \
			--args "$@" >crash.out 2>&1) || true
	fi
	[ -s "$_dir/core" ]
}

# lpd_compare LABEL CORE [EXE] [-- compare.py options]: run compare.py.
lpd_compare() {
	"$(lpd_python)" "$LPD_TOP/tests/cli/compare.py" --label "$@"
}
