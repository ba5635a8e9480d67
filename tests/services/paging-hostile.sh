#!/bin/sh
# tests/services/paging-hostile.sh - the pager against hostile bytes: a
# device whose directory lies is refused at start with the offending
# offset; requests with a bad magic, op, name or page, or cut short, drop
# that client only, and the pager goes on serving others.
set -u
. "$(dirname "$0")/pglib.sh"
pg_setup
pg_mkdev dev

# A truncated device: an image past the end.
head -c 70000 "$PG_TMP/dev" >"$PG_TMP/short"
if "$SVC/vios-pager" serve "$PG_TMP/short" "$PG_TMP/x.sock" 2>"$PG_TMP/short.err"; then
	pg_fail "served a truncated device"
fi
grep -q "past the end of the device" "$PG_TMP/short.err" ||
	pg_fail "truncated device: $(cat "$PG_TMP/short.err")"
printf 'LPDPGDV1\000\020\000\000\377\377\377\377' >"$PG_TMP/lying"
if "$SVC/vios-pager" serve "$PG_TMP/lying" "$PG_TMP/x.sock" 2>"$PG_TMP/lying.err"; then
	pg_fail "served a lying device"
fi
grep -q "offset 0xc: 4294967295 images" "$PG_TMP/lying.err" ||
	pg_fail "lying device: $(cat "$PG_TMP/lying.err")"
pg_ok "bad devices refused: $(cat "$PG_TMP/short.err")"

pg_pager dev pager.sock
python3 - "$PG_TMP/pager.sock" <<'PY' || pg_fail "hostile requests"
import socket, struct, sys
path = sys.argv[1]
def req(op, name, page, nlen=None, magic=0x51524750, zero=0):
    n = name.encode()
    return struct.pack('<IHHII', magic, op, len(n) if nlen is None else nlen,
                       page, zero) + n
bad = [req(2, 'os-v1', 0, magic=0xdeadbeef), req(9, 'os-v1', 0),
       req(2, 'os-v1', 0, nlen=0), req(2, 'os-v1', 0, nlen=0xffff),
       req(2, '../../etc', 0), req(2, 'os-v1', 1 << 30),
       req(1, 'os-v1', 5), req(2, 'os-v1', 0, zero=1),
       req(2, 'os-v1', 0)[:10], b'\xff' * 4096]
for b in bad:
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.sendall(b)
    s.shutdown(socket.SHUT_WR)
    try:
        got = s.recv(64)
    except ConnectionResetError:
        got = b''
    if got != b'':
        sys.exit('pager answered a hostile request %r' % b[:16])
    s.close()
# A page past the image's end is an error reply, not a read past it.
s = socket.socket(socket.AF_UNIX); s.connect(path)
s.sendall(req(2, 'os-v1', 70))
h = s.recv(24)
magic, op, status, page, crc, blen, z = struct.unpack('<IHHIIII', h)
if status == 0 or blen != 0:
    sys.exit('page 70 of 70 served')
s.sendall(req(2, 'os-v1', 0))
h = b''
while len(h) < 24 + 4096:
    h += s.recv(8192)
if struct.unpack('<IHHIIII', h[:24])[2] != 0 or h[24:28] != b'\x7fELF':
    sys.exit('good request after hostile ones failed')
PY
n=$(grep -c "dropping client" "$PG_TMP/pager-pager.sock.log")
[ "$n" -eq 9 ] || pg_fail "pager dropped $n clients, want 9"
grep "dropping client" "$PG_TMP/pager-pager.sock.log" | sed 's/^/    /'
pg_ok "hostile requests dropped, pager still serving"
exit $PG_FAILED
