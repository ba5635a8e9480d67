#!/bin/sh
# tests/cli/real-programs.sh - cores of programs nobody here wrote (sleep,
# a python3 with 8 threads, perl, bash, a C++ program with 4 threads parked
# in condition-variable waits), taken while they are alive; each compared
# with eu-stack (pcs, names) and gdb (file:line) by compare.py.
set -u
. "$LPD_TOP/tests/cli/lib.sh"
lpd_need eu-stack gdb nm
command -v gcore >/dev/null 2>&1 ||
	case $(cat /proc/sys/kernel/core_pattern) in
	'|'*) lpd_skip "no gcore and core_pattern is a pipe" ;;
	esac
lpd_tmpdir
T=$LPD_TMP
PY=$(lpd_python)
[ -n "$PY" ] || lpd_skip "python3 not installed"

# take LABEL EXE THREADS: core of $LPD_LAST_PID once it has THREADS threads
# and every thread sleeps, then compare; the process is killed afterwards.
take() {
	label=$1 exe=$2 nthreads=$3 pid=$LPD_LAST_PID
	if ! lpd_wait_threads "$pid" "$nthreads" 20 ||
	   ! lpd_wait_blocked "$pid" 10; then
		lpd_fail "$label: process $pid did not reach $nthreads parked threads"
		lpd_kill "$pid"
		return
	fi
	sleep 0.2
	if ! core_of_pid "$pid" "$T/$label.core"; then
		lpd_fail "$label: could not take a core of $pid"
		lpd_kill "$pid"
		return
	fi
	lpd_kill "$pid"
	lpd_compare "$label" "$T/$label.core" "$exe" ||
		lpd_fail "$label: lpardbg disagrees with eu-stack/gdb"
}

cd "$T" || exit 1

lpd_spawn /bin/sleep 100
take sleep "$(readlink -f /bin/sleep)" 1

# the same through a kernel-written core, when the kernel writes plain files
case $(cat /proc/sys/kernel/core_pattern) in
'|'*) echo "core_pattern is a pipe: kernel core of a live process not tested" ;;
*)	lpd_spawn /bin/sleep 100
	LPD_CORE_METHOD=kernel take sleep-kernel "$(readlink -f /bin/sleep)" 1 ;;
esac

lpd_spawn "$PY" -c '
import threading, time
for i in range(8):
    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
time.sleep(100)
'
take python3-8threads "$(readlink -f "$PY")" 9

if command -v perl >/dev/null 2>&1; then
	lpd_spawn perl -e 'sleep 100'
	take perl "$(readlink -f "$(command -v perl)")" 1
else
	echo "perl not installed: not tested"
fi

# bash blocked in read on a fifo nobody writes (opened read-write so the
# open does not block)
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
lpd_spawn bash -c 'read x <&3'
take bash-read "$(readlink -f "$(command -v bash)")" 1
exec 3>&-

if command -v g++ >/dev/null 2>&1; then
	if g++ -O2 -g -pthread -o "$T/threads" \
		"$LPD_TOP/tests/cli/data/threads.cpp"; then
		lpd_spawn "$T/threads" >"$T/threads.out"
		lpd_wait_file "$T/threads.out" 20
		take cxx-threads "$T/threads" 5
	else
		lpd_fail "cxx-threads: g++ failed"
	fi
else
	echo "g++ not installed: C++ program not tested"
fi

if [ "$LPD_FAILED" -ne 0 ]; then
	echo "real-programs: $LPD_FAILED failed"
	exit 1
fi
echo "real-programs: all cores agree"
