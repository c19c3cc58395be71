#!/usr/bin/python3
"""Process measurements for `make bench` (bench/run.sh).

A server is a process tree: daxsmbd is one process (its threads are in its
/proc/PID/stat); Samba's smbd is a parent with one child per connection
plus helpers (notifyd, cleanupd).  Every figure here sums over the tree.

  measure.py run --pid PID --out FILE -- CMD...
      Runs CMD (a `daxsmb bench --json`), and writes FILE: the bench's JSON
      plus the server's CPU time over the run (utime+stime, including
      reaped children: cutime+cstime) per operation, and its peak memory
      (the largest sum of VmHWM over the tree, sampled every 0.2 s).
  measure.py idle --pid PID --out FILE -- CMD...
      Runs CMD (a `daxsmb bench --idle N`), waits for READY, and writes FILE:
      the tree's VmRSS (and PSS) before and while the N connections are
      held, and the difference per connection.  Then closes CMD's stdin
      (it exits) and waits for the tree to shrink back.
  measure.py mem --pid PID
      Prints the tree's memory now, as JSON.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    # comm may hold spaces and parentheses: split after the last ')'.
    rest = s[s.rindex(")") + 2:].split()
    return rest  # rest[0] is field 3 (state)


def tree(root):
    """root and all its descendants (pids), from a scan of /proc."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            parent[int(d)] = int(stat_fields(d)[1])
        except (OSError, ValueError, IndexError):
            pass
    kids = {}
    for p, pp in parent.items():
        kids.setdefault(pp, []).append(p)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_ticks(root):
    """utime+stime+cutime+cstime summed over the live tree: monotonic, as a
    child's time moves into its parent's cutime/cstime when reaped."""
    total = 0
    for p in tree(root):
        try:
            f = stat_fields(p)
            total += sum(int(x) for x in f[11:15])  # fields 14..17
        except (OSError, ValueError, IndexError):
            pass
    return total


def status_kib(pid, keys):
    out = dict.fromkeys(keys, 0)
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v.split()[0])
    except (OSError, ValueError):
        pass
    return out


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def mem(root, pss=False):
    pids = tree(root)
    rss = hwm = ps = 0
    for p in pids:
        s = status_kib(p, ("VmRSS", "VmHWM"))
        rss += s["VmRSS"]
        hwm += s["VmHWM"]
        if pss:
            ps += pss_kib(p)
    out = {"processes": len(pids), "rss_kib": rss, "hwm_kib": hwm}
    if pss:
        out["pss_kib"] = ps
    return out


class Sampler(threading.Thread):
    def __init__(self, root, period=0.2):
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.peak_hwm = self.peak_rss = self.peak_procs = 0
        self.done = threading.Event()

    def sample(self):
        m = mem(self.root)
        self.peak_hwm = max(self.peak_hwm, m["hwm_kib"])
        self.peak_rss = max(self.peak_rss, m["rss_kib"])
        self.peak_procs = max(self.peak_procs, m["processes"])

    def run(self):
        while not self.done.wait(self.period):
            self.sample()

    def stop(self):
        self.done.set()
        self.join()
        self.sample()


def cmd_run(a):
    s = Sampler(a.pid)
    s.sample()
    c0, t0 = cpu_ticks(a.pid), time.monotonic()
    s.start()
    p = subprocess.run(a.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Let smbd reap the connection's child so that its time lands in cutime.
    time.sleep(0.5)
    c1, t1 = cpu_ticks(a.pid), time.monotonic()
    s.stop()
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.stderr.write(f"measure: {' '.join(a.cmd)} exited with {p.returncode}\n")
        return 1
    try:
        res = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.stderr.write(f"measure: no JSON from the bench:\n{p.stdout}\n{p.stderr}")
        return 1
    ops = sum(r.get("ops", 0) for r in res.get("results", {}).values())
    cpu_s = (c1 - c0) / TICK
    res["server"] = {
        "cpu_s": cpu_s,
        "wall_s": t1 - t0,
        "ops": ops,
        "cpu_us_per_op": cpu_s * 1e6 / ops if ops else None,
        "peak_rss_kib": s.peak_hwm,
        "peak_rss_sampled_kib": s.peak_rss,
        "peak_processes": s.peak_procs,
    }
    if p.stderr.strip():
        res["stderr"] = p.stderr[-2000:]
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    return 0


def cmd_idle(a):
    before = mem(a.pid, pss=True)
    t0 = time.monotonic()
    p = subprocess.Popen(a.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    t1 = time.monotonic()
    ok = line.strip() == "READY"
    out = {"connections": a.n, "connect_s": t1 - t0, "before": before}
    if ok:
        time.sleep(1.0)  # let the last sessions settle
        during = mem(a.pid, pss=True)
        out["during"] = during
        out["rss_per_conn_kib"] = (during["rss_kib"] - before["rss_kib"]) / a.n
        out["pss_per_conn_kib"] = (during["pss_kib"] - before["pss_kib"]) / a.n
    p.stdin.close()
    try:
        p.wait(120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    err = p.stderr.read()
    # Wait for the server to let go of the connections (smbd children exit).
    end = time.monotonic() + 60
    while time.monotonic() < end and len(tree(a.pid)) > before["processes"]:
        time.sleep(0.2)
    if not ok:
        sys.stderr.write(err[-3000:])
        sys.stderr.write(f"measure: --idle {a.n} did not get READY (got {line!r})\n")
        out["error"] = (err.strip().splitlines() or ["no READY"])[-1]
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--pid", type=int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("cmd", nargs="+")
    i = sub.add_parser("idle")
    i.add_argument("--pid", type=int, required=True)
    i.add_argument("--out", required=True)
    i.add_argument("--n", type=int, required=True)
    i.add_argument("cmd", nargs="+")
    m = sub.add_parser("mem")
    m.add_argument("--pid", type=int, required=True)
    a = ap.parse_args()
    if a.what == "run":
        return cmd_run(a)
    if a.what == "idle":
        return cmd_idle(a)
    print(json.dumps(mem(a.pid, pss=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
