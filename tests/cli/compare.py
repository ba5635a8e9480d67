#!/usr/bin/env python3
"""tests/cli/compare.py - compare `lpardbg bt --json` with eu-stack and gdb.

usage: compare.py [options] CORE [EXE]

Checks, per core:
  pcs    per thread (matched by tid) the physical (non-inline) frame pcs
         equal eu-stack's `-q -b -n 0` `#N 0x...` lines exactly;
  names  every frame (inline ones too) against `eu-stack -m -i -n 0` by
         thread and index; names agree when equal after dropping parameter
         lists and symbol versions, or when both name the same address in
         the module's symbol table (aliases such as raise/__GI_raise);
         eu-stack's "??" or missing name is unknown and not counted;
  lines  basename(file):line against gdb's `thread apply all bt`, on frames
         aligned by function name (gdb adds tail-call frames of its own).
Prints one summary line per core and the first mismatches; exits 1 when a
check fails, 2 on a usage or tool error. Python 3 standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys

MAX_SHOWN = 10


def run(argv, timeout=600):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


# ---- names -------------------------------------------------------------

def strip_params(name):
    """Drop a trailing parameter list "(...)" (and cv/ref qualifiers after
    it) from a demangled name; keep template arguments."""
    if not name:
        return name
    s = name.strip()
    s = re.sub(r"(\s+(const|volatile)|\s*&&|\s*&)+$", "", s)
    if s.endswith(")"):
        depth = 0
        for i in range(len(s) - 1, -1, -1):
            c = s[i]
            if c == ")":
                depth += 1
            elif c == "(":
                depth -= 1
                if depth == 0:
                    head = s[:i].rstrip()
                    # "(anonymous namespace)" or "{lambda()#1}" are not
                    # parameter lists
                    if head and not head.endswith(("::", "{lambda")):
                        s = head
                    break
    return s


def norm(name):
    """Comparable form of a function name, None when unknown."""
    if name is None:
        return None
    s = name.strip()
    if s in ("", "??", "<unknown>"):
        return None
    s = re.sub(r"@@?[A-Za-z0-9_.]+$", "", s)  # symbol version
    s = strip_params(s)
    return s


class Symbols:
    """name -> set of addresses, from a module and its separate debug file
    (looked up by build id), read with nm; used to recognise aliases."""

    def __init__(self):
        self.cache = {}

    def table(self, module, build_id):
        key = (module, build_id)
        if key in self.cache:
            return self.cache[key]
        files = []
        if module and os.path.isfile(module):
            files.append(module)
        if build_id and len(build_id) > 2:
            dbg = "/usr/lib/debug/.build-id/%s/%s.debug" % (build_id[:2],
                                                            build_id[2:])
            if os.path.isfile(dbg):
                files.append(dbg)
        tab = {}
        for f in files:
            for extra in ([], ["-D"]):
                rc, out, _ = run(["nm", "--defined-only"] + extra + [f])
                if rc != 0:
                    continue
                for line in out.splitlines():
                    parts = line.split()
                    if len(parts) != 3:
                        continue
                    try:
                        addr = int(parts[0], 16)
                    except ValueError:
                        continue
                    for n in {parts[2], re.sub(r"@@?[A-Za-z0-9_.]+$", "",
                                               parts[2])}:
                        tab.setdefault(n, set()).add(addr)
        self.cache[key] = tab
        return tab

    def aliases(self, frame, a, b):
        if not a or not b:
            return False
        tab = self.table(frame.get("module"), frame.get("build_id"))
        # raw symbol names: eu-stack and gdb print mangled C++ names
        # demangled, so only plain C names can be looked up here
        sa, sb = tab.get(a), tab.get(b)
        return bool(sa and sb and sa & sb)


def names_agree(syms, frame, ours, theirs):
    """'eq', 'alias' or None."""
    if ours == theirs:
        return "eq"
    if not frame.get("inline") and syms.aliases(frame, ours, theirs):
        return "alias"
    return None


# ---- parsers -----------------------------------------------------------

def parse_eu(text, with_names):
    """eu-stack output -> {tid: [(pc, name-or-None)]}"""
    threads = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"^TID (\d+):", line)
        if m:
            cur = threads.setdefault(int(m.group(1)), [])
            continue
        m = re.match(r"^#(\d+)\s+(0x[0-9a-fA-F]+)(.*)$", line)
        if m and cur is not None:
            pc = int(m.group(2), 16)
            name = None
            if with_names:
                rest = m.group(3).strip()
                # "NAME - MODULE"; "- MODULE" alone when eu-stack has none
                i = rest.rfind(" - ")
                if rest.startswith("- "):
                    rest = ""
                elif i >= 0:
                    rest = rest[:i]
                name = rest.strip() or None
            cur.append((pc, name))
    return threads


def split_args(s):
    """"func (args)" -> "func"; the args are the last balanced group."""
    s = s.strip()
    if not s.endswith(")"):
        return s
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        if s[i] == ")":
            depth += 1
        elif s[i] == "(":
            depth -= 1
            if depth == 0:
                return s[:i].rstrip()
    return s


def parse_gdb(text):
    """gdb `thread apply all bt` -> {lwp: [dict(name, file, line, sig)]}"""
    threads = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"^Thread \d+ \(.*?LWP (\d+)\)", line)
        if m:
            cur = threads.setdefault(int(m.group(1)), [])
            continue
        m = re.match(r"^#(\d+)\s+(.*)$", line)
        if not m or cur is None:
            continue
        rest = m.group(2)
        fr = {"name": None, "pc": None, "file": None, "line": None,
              "sig": False,
              "text": line.strip()}
        if rest.startswith("<signal handler called>"):
            fr["sig"] = True
            cur.append(fr)
            continue
        mp = re.match(r"^(0x[0-9a-fA-F]+) in ", rest)
        fr["pc"] = int(mp.group(1), 16) if mp else None
        rest = rest[mp.end():] if mp else rest
        mm = re.search(r" at (\S+):(\d+)$", rest)
        if mm:
            fr["file"], fr["line"] = mm.group(1), int(mm.group(2))
            rest = rest[:mm.start()]
        else:
            rest = re.sub(r" from \S+$", "", rest)
        fr["name"] = split_args(rest)
        cur.append(fr)
    return threads


# ---- checks ------------------------------------------------------------

def hexpc(pc):
    return "0x%x" % pc


def check_pcs(ours, eu, label):
    bad = []
    for tid in sorted(set(ours) | set(eu)):
        if tid not in ours:
            bad.append("%s: thread %d: eu-stack has it, lpardbg not" %
                       (label, tid))
            continue
        if tid not in eu:
            bad.append("%s: thread %d: lpardbg has it, eu-stack not" %
                       (label, tid))
            continue
        a = [int(f["pc"], 16) for f in ours[tid] if not f.get("inline")]
        b = [pc for pc, _ in eu[tid]]
        if a == b:
            continue
        n = max(len(a), len(b))
        for i in range(n):
            x = hexpc(a[i]) if i < len(a) else "-"
            y = hexpc(b[i]) if i < len(b) else "-"
            if x != y:
                bad.append("%s: thread %d physical #%d: ours %s eu-stack %s"
                           " (ours %d frames, eu-stack %d)" %
                           (label, tid, i, x, y, len(a), len(b)))
                break
    return bad


def describe(f):
    return "%s%s" % (f.get("function") or "??",
                     " [inline]" if f.get("inline") else "")


def check_names(ours, eu, syms, label):
    agree = total = aliases = unknown = sigskip = 0
    bad = []
    for tid in sorted(ours):
        if tid not in eu:
            continue
        theirs = eu[tid]
        mine = ours[tid]
        for i in range(max(len(mine), len(theirs))):
            f = mine[i] if i < len(mine) else None
            t = theirs[i] if i < len(theirs) else None
            tn = norm(t[1]) if t else None
            if t and tn is None:
                unknown += 1
                continue
            if f is not None and f.get("signal_frame") and \
                    f.get("function") is None:
                # lpardbg shows "<signal handler called>" as gdb does
                sigskip += 1
                continue
            total += 1
            on = norm(f.get("function")) if f else None
            how = names_agree(syms, f, on, tn) if f and t else None
            if how:
                agree += 1
                aliases += how == "alias"
            else:
                bad.append("%s: thread %d #%d: ours %s (pc %s) eu-stack %s"
                           " (pc %s)" %
                           (label, tid, i, describe(f) if f else "-",
                            f["pc"] if f else "-", t[1] if t else "-",
                            hexpc(t[0]) if t else "-"))
    return agree, total, aliases, unknown, sigskip, bad


def drop_templates(s):
    out, depth = [], 0
    for c in s:
        if c == "<":
            depth += 1
        elif c == ">" and depth:
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)


def loose_key(name):
    """Key used only to align frames with gdb's: gdb prints C++ names
    without return type, parameters or (sometimes) template arguments, and
    DWARF names of assembly functions without leading underscores."""
    s = norm(name)
    if not s:
        return None
    s = drop_templates(s).split()
    return s[-1].lstrip("_") if s else None


def align(mine, theirs, same):
    """LCS alignment; returns [(i, j)] of matched indices."""
    n, m = len(mine), len(theirs)
    L = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if same(mine[i], theirs[j]):
                L[i][j] = L[i + 1][j + 1] + 1
            else:
                L[i][j] = max(L[i + 1][j], L[i][j + 1])
    out = []
    i = j = 0
    while i < n and j < m:
        if same(mine[i], theirs[j]):
            out.append((i, j))
            i += 1
            j += 1
        elif L[i + 1][j] >= L[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def check_lines(ours, gdb, syms, label):
    agree = total = unaligned = 0
    bad = []
    for tid in sorted(ours):
        if tid not in gdb:
            if ours[tid]:
                bad.append("%s: thread %d: not in gdb's output" %
                           (label, tid))
            continue
        mine, theirs = ours[tid], gdb[tid]

        def same(f, g):
            if g["sig"] or f.get("signal_frame"):
                return g["sig"] and bool(f.get("signal_frame"))
            if g["pc"] is not None and not f.get("inline") and \
                    int(f["pc"], 16) == g["pc"]:
                return True  # the same physical frame
            a, b = norm(f.get("function")), norm(g["name"])
            if not a or not b:
                return False
            return bool(names_agree(syms, f, a, b) or
                        loose_key(a) == loose_key(b))

        pairs = align(mine, theirs, same)
        matched_g = {j for _, j in pairs}
        unaligned += sum(1 for j, g in enumerate(theirs)
                         if j not in matched_g and g["file"])
        for i, j in pairs:
            f, g = mine[i], theirs[j]
            if not g["file"]:
                continue
            total += 1
            theirs_l = "%s:%d" % (os.path.basename(g["file"]), g["line"])
            ours_l = ("%s:%s" % (os.path.basename(f["file"]), f.get("line"))
                      if f.get("file") else "-")
            if ours_l == theirs_l:
                agree += 1
            else:
                bad.append("%s: thread %d #%d %s: ours %s gdb %s (gdb #%d)"
                           % (label, tid, i, describe(f), ours_l, theirs_l,
                              j))
    return agree, total, unaligned, bad


def ratio(a, b):
    return (a / b) if b else 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("core")
    ap.add_argument("exe", nargs="?")
    ap.add_argument("--lpardbg", default=os.environ.get("LPARDBG"))
    ap.add_argument("--label", help="name printed in the summary")
    ap.add_argument("--eu-pcs", help="reference file instead of running "
                    "eu-stack -q -b -n 0")
    ap.add_argument("--eu-names", help="reference file instead of running "
                    "eu-stack -m -i -n 0")
    ap.add_argument("--no-gdb", action="store_true",
                    help="skip the file:line check")
    ap.add_argument("--min-names", type=float, default=0.98)
    ap.add_argument("--min-lines", type=float, default=0.95)
    ap.add_argument("--show", type=int, default=MAX_SHOWN,
                    help="mismatches shown per check")
    ap.add_argument("--save-json", help="keep lpardbg's JSON here")
    a = ap.parse_args()
    if not a.lpardbg:
        ap.error("set $LPARDBG or pass --lpardbg")
    label = a.label or a.core
    ex = [a.exe] if a.exe else []

    rc, out, err = run([a.lpardbg, "bt", "--json", a.core] + ex)
    if rc != 0 or rc < 0:
        print("%s: lpardbg bt --json exited %d: %s" %
              (label, rc, err.strip()[:500]))
        return 1
    try:
        doc = json.loads(out)
    except ValueError as e:
        print("%s: lpardbg printed invalid JSON: %s" % (label, e))
        return 1
    if a.save_json:
        with open(a.save_json, "w") as fh:
            fh.write(out)
    ours = {t["tid"]: t["frames"] for t in doc["threads"]}
    for w in doc.get("warnings") or []:
        print("%s: lpardbg warning: %s" % (label, w))

    def eu_text(ref, flags):
        if ref:
            with open(ref) as fh:
                return fh.read()
        exe = ["-e", a.exe] if a.exe else []
        _, o, e = run(["eu-stack"] + flags + ["-n", "0", "--core", a.core]
                      + exe)
        if not o.strip():
            print("%s: eu-stack printed nothing: %s" % (label, e.strip()))
            sys.exit(2)
        return o

    eu_pcs = parse_eu(eu_text(a.eu_pcs, ["-q", "-b"]), False)
    eu_names = parse_eu(eu_text(a.eu_names, ["-m", "-i"]), True)
    syms = Symbols()

    ok = True
    pcs_bad = check_pcs(ours, eu_pcs, label)
    ok &= not pcs_bad
    nag, ntot, nal, nunk, nsig, names_bad = check_names(ours, eu_names,
                                                        syms, label)
    nr = ratio(nag, ntot)
    ok &= nr >= a.min_names
    lines_s = "lines skipped"
    lines_bad = []
    if not a.no_gdb:
        argv = ["gdb", "-nx", "-batch", "-ex", "set debuginfod enabled off",
                "-ex", "set pagination off", "-ex", "set width 0",
                "-ex", "set print frame-arguments none",
                "-ex", "thread apply all bt"] + ex + [a.core]
        _, o, _ = run(argv)
        gdb = parse_gdb(o)
        if not gdb:
            print("%s: gdb printed no threads" % label)
            return 2
        lag, ltot, lun, lines_bad = check_lines(ours, gdb, syms, label)
        lr = ratio(lag, ltot)
        ok &= lr >= a.min_lines
        lines_s = "lines %d/%d (%.3f, gdb-only frames with lines %d)" % (
            lag, ltot, lr, lun)
    nframes = sum(len(v) for v in ours.values())
    print("%s: %s threads %d frames %d pcs equal %s names %d/%d (%.3f, "
          "%d by alias, %d unknown to eu-stack, %d unnamed signal frames) "
          "%s" % ("PASS" if ok else "FAIL", label, len(ours), nframes,
                  "yes" if not pcs_bad else "no", nag, ntot, nr, nal, nunk,
                  nsig, lines_s))
    for title, lst in (("pcs", pcs_bad), ("names", names_bad),
                       ("lines", lines_bad)):
        for m in lst[:a.show]:
            print("  %s mismatch: %s" % (title, m))
        if len(lst) > a.show:
            print("  ... %d more %s mismatches" % (len(lst) - a.show, title))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
