#!/usr/bin/python3
"""Tables, charts and target checks for `make bench` (bench/run.sh).

  report.py assemble --work DIR --kind tmpfs|disk --seconds S --file-size F --out FILE.json
      Merges one storage's raw pieces (each server's bench JSON with its CPU
      and memory, the floor, the local table, the idle-connection memory,
      the machine) into one JSON file.
  report.py report [--md FILE] [--png-prefix P] FILE.json...
      Prints one table per storage (and writes them as Markdown to --md),
      draws P-<kind>.png with gnuplot, and checks the targets of issue 3 on
      tmpfs: PASS or MISS, with the numbers.  Exits 0 either way.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

SERVERS = [("daxsmbd-pmem", "daxsmbd pmem"), ("daxsmbd-posix", "daxsmbd posix"), ("samba", "Samba")]
BUSY = ("daxsmbd-pmem-busypoll", "pmem+busypoll")

# (test, label, metric, kind): kind "lat" (p50, lower is better) or "tput"
ROWS = [
    ("write4k_wt_qd1", "4K write-through QD1", "p50_us", "lat"),
    ("write4k_qd1", "4K write QD1", "p50_us", "lat"),
    ("read4k_qd1", "4K read QD1", "p50_us", "lat"),
    ("echo", "ECHO", "p50_us", "lat"),
    ("write4k_qd32", "4K write QD32", "iops", "tput"),
    ("read4k_qd32", "4K read QD32", "iops", "tput"),
    ("seqread1m", "1M seq read QD4", "mbps", "tput"),
    ("seqwrite1m", "1M seq write QD4", "mbps", "tput"),
    ("create_close", "create+close", "iops", "tput"),
    ("stat", "stat (open+query+close)", "iops", "tput"),
]
UNIT = {"p50_us": "p50 us", "iops": "ops/s", "mbps": "MB/s"}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def cmd_assemble(a):
    d = os.path.join(a.work, a.kind)
    out = {
        "storage": a.kind,
        "settings": {"seconds_per_test": float(a.seconds), "file_size": a.file_size},
        "machine": load(os.path.join(a.work, "machine.json")),
        "servers": {},
        "floor": load(os.path.join(d, "floor.json")),
        "local": load(os.path.join(d, "local.json")),
        "idle": {},
        "daxsmbd_end_memory": load(os.path.join(d, "mem-daxsmbd-end.json")),
        "loadavg": {},
    }
    for w in ("before", "after"):
        try:
            with open(os.path.join(d, f"loadavg-{w}")) as f:
                out["loadavg"][w] = float(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    for name in [s for s, _ in SERVERS] + [BUSY[0]]:
        r = load(os.path.join(d, name + ".json"))
        if r is not None:
            out["servers"][name] = r
    for p in glob.glob(os.path.join(d, "idle-*.json")):
        out["idle"][os.path.basename(p)[5:-5]] = load(p)
    # What daxsmbd said about its shares at start-up (pmem granularity,
    # fallbacks), and any warning or error it logged.
    log = []
    for p in sorted(glob.glob(os.path.join(d, "daxsmbd*.log"))):
        with open(p, errors="replace") as f:
            for line in f:
                if re.search(r"pmem|granularity|fallback|falls back|dax|warn|error", line, re.I):
                    log.append(os.path.basename(p) + ": " + line.rstrip())
    out["daxsmbd_log"] = log[:200]
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    return 0


def val(run, name, test, metric):
    try:
        v = run["servers"][name]["results"][test][metric]
        return v if v else None
    except (KeyError, TypeError):
        return None


def floor_val(run, test, metric):
    try:
        v = run["floor"]["results"][test][metric]
        return v if v else None
    except (KeyError, TypeError):
        return None


def fmt(v, metric=None):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if metric == "p50_us" or (isinstance(v, float) and v < 100):
        return f"{v:.1f}" if v >= 10 else f"{v:.2f}"
    return f"{v:,.0f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    r = a / b
    return f"{r:.2f}x" if abs(r) >= 0.1 else f"{r:.3f}x"


def table(run):
    """The rows of one storage's table: header, then lists of cells."""
    busy = BUSY[0] in run.get("servers", {})
    head = ["test", "metric", "daxsmbd pmem", "daxsmbd posix", "Samba", "floor",
            "pmem/Samba", "posix/Samba", "pmem/floor"]
    if busy:
        head[5:5] = ["pmem busypoll"]
    rows = []
    for test, label, metric, _ in ROWS:
        p = val(run, "daxsmbd-pmem", test, metric)
        x = val(run, "daxsmbd-posix", test, metric)
        s = val(run, "samba", test, metric)
        fl = floor_val(run, test, metric)
        r = [label, UNIT[metric], fmt(p, metric), fmt(x, metric), fmt(s, metric), fmt(fl, metric),
             ratio(p, s), ratio(x, s), ratio(p, fl)]
        if busy:
            r[5:5] = [fmt(val(run, BUSY[0], test, metric), metric)]
        rows.append(r)

    def srv(name, key):
        try:
            return run["servers"][name]["server"][key]
        except (KeyError, TypeError):
            return None

    def idle(name, key):
        try:
            return run["idle"][name][key]
        except (KeyError, TypeError):
            return None

    extra = []
    names = [n for n, _ in SERVERS] + [BUSY[0]]
    c = [srv(n, "cpu_us_per_op") for n in names]
    extra.append(["server CPU per op", "us", fmt(c[0], "p50_us"), fmt(c[1], "p50_us"),
                  fmt(c[2], "p50_us"), "-", ratio(c[0], c[2]), ratio(c[1], c[2]), "-"])
    m = [srv(n, "peak_rss_kib") for n in names]
    m = [v / 1024 if v else None for v in m]
    extra.append(["server peak RSS", "MiB", fmt(m[0], "p50_us"), fmt(m[1], "p50_us"),
                  fmt(m[2], "p50_us"), "-", ratio(m[0], m[2]), ratio(m[1], m[2]), "-"])
    busy_extra = [fmt(c[3], "p50_us"), fmt(m[3], "p50_us")]
    di, si = idle("daxsmbd", "rss_per_conn_kib"), idle("samba", "rss_per_conn_kib")
    n = idle("daxsmbd", "connections") or idle("samba", "connections")
    if di is not None or si is not None:
        extra.append([f"RSS per idle conn ({n})", "KiB", fmt(di, "p50_us"), fmt(di, "p50_us"),
                      fmt(si, "p50_us"), "-", ratio(di, si), ratio(di, si), "-"])
        dp, sp = idle("daxsmbd", "pss_per_conn_kib"), idle("samba", "pss_per_conn_kib")
        extra.append([f"PSS per idle conn ({n})", "KiB", fmt(dp, "p50_us"), fmt(dp, "p50_us"),
                      fmt(sp, "p50_us"), "-", ratio(dp, sp), ratio(dp, sp), "-"])
    for i, r in enumerate(extra):
        if busy:
            r[5:5] = [busy_extra[i] if i < len(busy_extra) else "-"]
    return head, rows + extra


def local_rows(run):
    loc = (run.get("local") or {}).get("results") or {}
    out = []
    for mode, label in (("block", "block (pwrite + fdatasync)"), ("dax", "DAX (pmem2 memcpy + persist)")):
        r = loc.get(mode)
        if not r:
            continue
        g = f", {r['granularity']} granularity" if r.get("granularity") else ""
        out.append([label + g, f"{r['iops']:,.0f}", f"{r['mean_ns']:,.0f}", f"{r['mbps']:.1f}"])
    return ["4K random writes, 1 thread", "IOPS", "avg latency (ns)", "MB/s"], out


def machine_lines(m):
    if not m:
        return []
    d = m.get("disk", {})
    disk = f"{d.get('dir')} on {d.get('device')} ({d.get('fstype')}"
    if d.get("model"):
        disk += f", {d['model']}"
    disk += ", rotational" if d.get("rotational") else ""
    disk += ")"
    virt = f" ({m['virtualization']})" if m.get("virtualization") else ""
    return [f"machine: {m.get('cpu')}, {m.get('cores')} cores{virt}, {m.get('memory_gib')} GiB, "
            f"Linux {m.get('kernel')}",
            f"disk: {disk}; {m.get('samba', '')}; date: {m.get('date')}"]


def text_table(head, rows):
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    out = []
    for j, r in enumerate([head] + rows):
        cells = [str(c).ljust(w[i]) if i < 2 else str(c).rjust(w[i]) for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
        if j == 0:
            out.append("  ".join("-" * x for x in w))
    return out


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join(":---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return out


def load_line(run):
    la = run.get("loadavg") or {}
    if not la:
        return ""
    cores = (run.get("machine") or {}).get("cores") or 0
    out = (f"load average (1 min) before/after this storage's run: {la.get('before', '?')} / "
           f"{la.get('after', '?')} on {cores} cores")
    if cores and max(la.values()) > cores:
        out += " - other work was running: expect noise"
    return out


def describe(run):
    s = run.get("servers", {})
    any_srv = next((v for v in s.values() if v), {})
    sig = {n: ("on" if v.get("signing") else "off") for n, v in s.items()}
    st = run.get("settings", {})
    if len(set(sig.values())) == 1:
        signing = f"{next(iter(sig.values()))} for every server (as negotiated by default)"
    else:
        signing = ", ".join(f"{n} {v}" for n, v in sig.items())
    return (f"SMB {any_srv.get('dialect', '?')}; signing {signing}"
            + f"; {st.get('seconds_per_test', '?'):g} s per test, {st.get('file_size')} file; "
            "latency = p50 per request; ratios daxsmbd/other (latency: lower is better; "
            "ops/s, MB/s: higher is better)")


TARGETS = [
    # (label, test, metric, server, other, op, bound)
    ("4K write-through QD1 p50, pmem <= 0.6x Samba", "write4k_wt_qd1", "p50_us", "samba", "le", 0.6),
    ("4K write-through QD1 p50, pmem <= 1.3x floor", "write4k_wt_qd1", "p50_us", "floor", "le", 1.3),
    ("4K write QD32 IOPS, pmem >= 2x Samba", "write4k_qd32", "iops", "samba", "ge", 2.0),
    ("1M sequential read MB/s, pmem >= 1.5x Samba", "seqread1m", "mbps", "samba", "ge", 1.5),
    ("create+close rate, pmem >= 3x Samba", "create_close", "iops", "samba", "ge", 3.0),
]


def targets(run):
    out = []
    for label, test, metric, other, op, bound in TARGETS:
        p = val(run, "daxsmbd-pmem", test, metric)
        o = floor_val(run, test, metric) if other == "floor" else val(run, other, test, metric)
        if p is None or o is None:
            out.append(("MISS", f"{label}: not measured"))
            continue
        r = p / o
        ok = r <= bound if op == "le" else r >= bound
        u = UNIT[metric]
        line = f"{label}: {fmt(p, metric)} vs {fmt(o, metric)} {u} = {r:.2f}x"
        b = val(run, BUSY[0], test, metric)
        if b is not None:
            bok = b / o <= bound if op == "le" else b / o >= bound
            line += (f" (with busy poll: {fmt(b, metric)} = {b / o:.2f}x, "
                     f"{'PASS' if bok else 'MISS'})")
        out.append(("PASS" if ok else "MISS", line))
    return out


def chart(run, png):
    if not shutil.which("gnuplot"):
        return False
    busy = BUSY[0] in run.get("servers", {})
    cols = [("daxsmbd-pmem", "daxsmbd pmem"), ("daxsmbd-posix", "daxsmbd posix"), ("samba", "Samba")]
    if busy:
        cols.insert(1, BUSY)
    panels = [("write4k_wt_qd1", "p50_us", "4 KiB write-through QD1, p50 latency (us, lower is better)"),
              ("write4k_qd32", "iops", "4 KiB write QD32 (IOPS)"),
              ("seqread1m", "mbps", "1 MiB sequential read QD4 (MB/s)"),
              ("create_close", "iops", "create+close (ops/s)")]
    dat = png[:-4] + ".dat"
    with open(dat, "w") as f:
        for i, (test, metric, _) in enumerate(panels):
            f.write(f"# {test} {metric}\n")
            for name, label in cols:
                f.write(f'"{label}" {val(run, name, test, metric) or 0}\n')
            f.write(f'"floor" {floor_val(run, test, metric) or 0}\n\n\n')
    title = f"daxsmb bench on {run.get('storage')} - {(run.get('machine') or {}).get('date', '')}"
    gp = [f"set terminal pngcairo size 1400,900 font ',10'", f"set output '{png}'",
          f"set multiplot layout 2,2 title '{title}'",
          "set style data histogram", "set style fill solid 0.8 border -1", "set boxwidth 0.7",
          "set yrange [0:*]", "set grid ytics", "unset key", "set xtics nomirror"]
    for i, (_, _, t) in enumerate(panels):
        gp += [f"set title '{t}'",
               f"plot '{dat}' index {i} using 2:xtic(1) with boxes lc rgb '#4472c4', "
               f"'' index {i} using 0:2:(sprintf('{'%.1f' if i == 0 else '%.0f'}',$2)) with labels offset 0,0.7"]
    gp.append("unset multiplot")
    p = subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", text=True, capture_output=True)
    os.unlink(dat)
    if p.returncode != 0:
        sys.stderr.write("report: gnuplot failed:\n" + p.stderr)
        return False
    return True


def cmd_report(a):
    md = []
    first = True
    for path in a.files:
        run = load(path)
        if run is None:
            print(f"report: cannot read {path}", file=sys.stderr)
            continue
        kind = run.get("storage", "?")
        lines = []
        if first:
            lines += machine_lines(run.get("machine"))
            md += ["# daxsmb bench", ""] + [f"- {x}" for x in machine_lines(run.get("machine"))] + [""]
            first = False
        loc_dir = (run.get("local") or {}).get("dir", "")
        title = f"on {kind}" + (f" ({os.path.dirname(loc_dir.rstrip('/'))})" if loc_dir else "")
        head, rows = table(run)
        lines += ["", f"=== {title}: daxsmbd vs Samba vs floor", describe(run)]
        if load_line(run):
            lines.append(load_line(run))
        lines += text_table(head, rows)
        lh, lr = local_rows(run)
        if lr:
            lines += ["", f"local, no network, on {loc_dir}:"] + text_table(lh, lr)
        md += [f"## {title}", "", describe(run) + ".", ""]
        if load_line(run):
            md += [load_line(run) + ".", ""]
        md += md_table(head, rows) + [""]
        if lr:
            md += [f"Local, no network ({loc_dir}):", ""] + md_table(lh, lr) + [""]
        seen = set()
        for l in run.get("daxsmbd_log", []):
            msg = re.sub(r"^\S+\.log: [0-9:.]+ (daxsmbd: )?", "", l)
            msg = re.sub(r"/daxsmb-bench-\w+/", "/…/", msg)
            key = re.sub(r"[0-9]+", "N", msg)
            if re.search(r"fall|warn|error|granularity", msg, re.I) and key not in seen:
                seen.add(key)
                lines.append("daxsmbd log: " + msg)
        if kind == "tmpfs":
            t = targets(run)
            lines += ["", "targets (issue 3, on tmpfs, pmem share):"]
            lines += [f"  {s}  {d}" for s, d in t]
            md += ["Targets (issue 3, on tmpfs, pmem share):", ""] + [f"- **{s}** {d}" for s, d in t] + [""]
        if a.png_prefix:
            png = f"{a.png_prefix}-{kind}.png"
            if chart(run, png):
                lines.append(f"chart: {png}")
                md += [f"![{kind}]({os.path.basename(png)})", ""]
        print("\n".join(lines))
        sys.stdout.flush()
    if a.md:
        with open(a.md, "w") as f:
            f.write("\n".join(md) + "\n")
        print(f"\nwrote {a.md} and {', '.join(a.files)}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    s = sub.add_parser("assemble")
    s.add_argument("--work", required=True)
    s.add_argument("--kind", required=True)
    s.add_argument("--seconds", required=True)
    s.add_argument("--file-size", required=True)
    s.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--md")
    r.add_argument("--png-prefix")
    r.add_argument("files", nargs="+")
    a = ap.parse_args()
    return cmd_assemble(a) if a.what == "assemble" else cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())
