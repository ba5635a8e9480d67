#!/usr/bin/env python3
"""tests/cli/values_compare.py - run gdb and lpardbg on the same core with
the same value commands (frame N, info locals, info args, print, ptype,
whatis, x) and compare value by value after normalizing whitespace.

usage: values_compare.py LPARDBG EXE CORE CMDFILE [--label L] [--allow-o2]

CMDFILE holds one gdb command per line. Output sections are split with
echo markers. A value gdb prints must be printed the same by lpardbg;
known, counted differences (with --allow-o2): lpardbg says <not saved>
where gdb carries a caller-saved register over from an inner frame, and
a variable gdb omits that lpardbg shows. Exit 0 when nothing else
differs."""
import os
import re
import subprocess
import sys

MARK = "@@LPD@@"


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def split_sections(text):
    out = {}
    cur = None
    for line in text.splitlines():
        if line.startswith(MARK):
            cur = int(line[len(MARK):].strip())
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def parse_vars(lines):
    vals = {}
    for l in lines:
        m = re.match(r"^(\w+) = (.*)$", l)
        if m:
            vals.setdefault(m.group(1), []).append(norm(m.group(2)))
        elif l.strip() in ("No locals.", "No arguments."):
            pass
    return vals


def parse_value(lines):
    text = "\n".join(lines)
    m = re.match(r"^\$\d+ = (.*)$", text, re.S)
    if m:
        return ("value", norm(m.group(1)))
    return ("text", norm(text))


def main():
    args = sys.argv[1:]
    label = "values"
    allow = False
    if "--label" in args:
        i = args.index("--label")
        label = args[i + 1]
        del args[i:i + 2]
    if "--allow-o2" in args:
        allow = True
        args.remove("--allow-o2")
    lpd, exe, core, cmdfile = args[:4]
    cmds = [l.rstrip("\n") for l in open(cmdfile) if l.strip()
            and not l.startswith("#")]
    # LPD_GDB: gdb-multiarch for cores of another architecture.
    gdb_args = [os.environ.get("LPD_GDB", "gdb"), "-nx", "-batch", "-ex", "set width 0",
                "-ex", "set height 0", "-ex", "set print pretty off"]
    lpd_args = [lpd, "eval", core, exe]
    for i, c in enumerate(cmds):
        gdb_args += ["-ex", "echo %s%d\\n" % (MARK, i), "-ex", c]
        lpd_args += ["echo %s%d\\n" % (MARK, i), c]
    gdb_args += [exe, core]
    env = dict(os.environ, LC_ALL="C", LANG="C")
    g = subprocess.run(gdb_args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env,
                       universal_newlines=True, timeout=300)
    p = subprocess.run(lpd_args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env,
                       universal_newlines=True, timeout=300)
    if p.returncode not in (0, 3):
        print("FAIL %s: lpardbg eval exit %d" % (label, p.returncode))
        print(p.stdout[-2000:])
        return 1
    gs = split_sections(g.stdout)
    ps = split_sections(p.stdout)
    counts = {"agree": 0, "differ": 0, "not_saved": 0, "gdb_omits": 0,
              "ours_missing": 0, "errors_agree": 0}
    bad = []
    for i, c in enumerate(cmds):
        gl = [l for l in gs.get(i, []) if not l.startswith("warning:")]
        pl = [l for l in ps.get(i, []) if not l.startswith("warning:")]
        word = c.split()[0]
        if c.startswith("frame") or word in ("f",):
            continue
        if c.startswith("info locals") or c.startswith("info args"):
            gv, pv = parse_vars(gl), parse_vars(pl)
            for name, vals in gv.items():
                ours = pv.get(name)
                if ours is None:
                    counts["ours_missing"] += 1
                    bad.append("%s: %s: %s missing (gdb: %s)" %
                               (label, c, name, vals))
                    continue
                for k, v in enumerate(vals):
                    o = ours[k] if k < len(ours) else None
                    if o == v:
                        counts["agree"] += 1
                    elif allow and o is not None and "<not saved>" in o:
                        counts["not_saved"] += 1
                        print("known %s: %s: %s: ours %s, gdb %s "
                              "(caller-saved register)" %
                              (label, c, name, o, v))
                    else:
                        counts["differ"] += 1
                        bad.append("%s: %s: %s: ours %r, gdb %r" %
                                   (label, c, name, o, v))
            for name in pv:
                if name not in gv:
                    counts["gdb_omits"] += 1
                    msg = "%s: %s: %s = %s shown, gdb omits it" % (
                        label, c, name, pv[name])
                    if allow:
                        print("known " + msg)
                    else:
                        bad.append(msg)
            continue
        gk, gt = parse_value(gl)
        pk, pt = parse_value(pl)
        if gk == pk and gt == pt:
            if gk == "value" or c.split()[0] in ("ptype", "whatis", "x"):
                counts["agree"] += 1
            else:
                counts["errors_agree"] += 1
        elif allow and ("<not saved>" in pt or
                        pt == "value is not available"):
            counts["not_saved"] += 1
            print("known %s: %s: ours %s, gdb %s (caller-saved register)"
                  % (label, c, pt, gt))
        else:
            counts["differ"] += 1
            bad.append("%s: %s:\n    ours: %s\n    gdb:  %s" %
                       (label, c, pt, gt))
    for b in bad:
        print("DIFF " + b)
    print("%s: %d values agree, %d errors agree, %d differ, %d missing, "
          "%d known <not saved>, %d gdb omits" %
          (label, counts["agree"], counts["errors_agree"], counts["differ"],
           counts["ours_missing"], counts["not_saved"], counts["gdb_omits"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
