#!/bin/sh
# bench/remote.sh - time to first backtrace of a ~1 GiB dump that lives on
# another node: through `lpardbg agent` on an ssh exec channel (only the
# backtrace crosses the network) vs copying the dump with scp and running
# bt locally. One run: a real sshd on a loopback port, the median of
# BENCH_RUNS (default 3) of each, and the ratio. Loopback has no bandwidth
# limit, so on a real network the copy only gets slower: the ratio printed
# is the least the agent saves. BENCH_SIZE_MB (default 1024) sizes the dump.
#   LPARDBG=build/lpardbg sh bench/remote.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
LPD_TOP=$(cd "$here/.." && pwd)
export LPD_TOP
. "$LPD_TOP/tests/cli/lib.sh"
. "$LPD_TOP/tests/cli/remote.inc"
LPARDBG=${LPARDBG:-$LPD_TOP/lpardbg}
case $LPARDBG in /*) ;; *) LPARDBG=$PWD/$LPARDBG ;; esac
N=${BENCH_RUNS:-3}
MB=${BENCH_SIZE_MB:-1024}
L=$LPARDBG
for t in scp python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t missing"; exit 1; }
done
lpd_tmpdir
T=$LPD_TMP
remote_setup || exit 1
sshd_start node
sshd_known node
URL=ssh://$RUSER@127.0.0.1:$SSHD_PORT$T

echo "== a process with ${MB} MiB of random heap, dumped with lpardbg dump"
lpd_spawn python3 -c "
import os, time, threading
blob = os.urandom($MB << 20)
open('$T/ready', 'w').close()
time.sleep(600)"
PYPID=$LPD_LAST_PID
i=0
while [ ! -f "$T/ready" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
"$L" dump -o "$T/big.core" "$PYPID" >/dev/null || { echo "bench: dump failed"; exit 1; }
lpd_kill "$PYPID"
size=$(stat -c %s "$T/big.core")
echo "dump: $((size >> 20)) MiB"

now() { python3 -c 'import time; print(time.monotonic())'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: > "$T/agent.t"; : > "$T/scp.t"
for r in $(seq "$N"); do
	sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	s=$(now)
	"$L" bt --remote "$URL" --remote-lpardbg "$L" "$T/big.core" \
		> "$T/agent.out" 2>/dev/null || { echo "bench: agent bt failed"; exit 1; }
	e=$(now)
	awk "BEGIN { print $e - $s }" >> "$T/agent.t"

	rm -f "$T/copy.core"
	sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	s=$(now)
	scp -q -P "$SSHD_PORT" -o BatchMode=yes -i "$HOME/.ssh/id_ed25519" \
		-o UserKnownHostsFile="$HOME/.ssh/known_hosts" \
		"$RUSER@127.0.0.1:$T/big.core" "$T/copy.core" ||
		{ echo "bench: scp failed"; exit 1; }
	"$L" bt "$T/copy.core" > "$T/scp.out" 2>/dev/null || { echo "bench: bt failed"; exit 1; }
	e=$(now)
	awk "BEGIN { print $e - $s }" >> "$T/scp.t"
done
cmp -s "$T/agent.out" "$T/scp.out" || { echo "bench: backtraces differ"; exit 1; }
a=$(median < "$T/agent.t")
c=$(median < "$T/scp.t")
printf 'time to first backtrace of a %d MiB dump, median of %d:\n' $((size >> 20)) "$N"
printf '  agent over ssh        %8.3f s   (runs: %s)\n' "$a" "$(tr '\n' ' ' < "$T/agent.t")"
printf '  scp + local bt        %8.3f s   (runs: %s)\n' "$c" "$(tr '\n' ' ' < "$T/scp.t")"
printf '  ratio scp/agent       %8.1fx\n' "$(awk "BEGIN { print $c / $a }")"
