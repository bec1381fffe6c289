#!/usr/bin/env python3
"""bench/run.py BUILD — `make bench`: ward side by side with bare, bwrap and
firejail in one run on one machine, as medians, spreads (min..max over
rounds) and ratios to bare from the same run. Writes bench/results/
latest.{json,csv} (and a dated copy) and startup.png. A measurement, never
a test: nothing here fails on a number. Needs root (redis, firejail, the
unprivileged runs go through setpriv to uid 65534)."""
import csv, json, os, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.environ.get("BENCH_QUICK") == "1"
rows = []  # {section, case, metric, median, lo, hi, unit, ratio}
work = tempfile.mkdtemp(prefix="ward-bench.", dir="/tmp")
os.chmod(work, 0o755)
shutil.copy(os.path.join(BUILD, "ward"), work)
WARD = os.path.join(work, "ward")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def add(section, case, metric, vals, unit, base=None):
    med = statistics.median(vals)
    row = dict(section=section, case=case, metric=metric, median=med, lo=min(vals), hi=max(vals),
               unit=unit, ratio=(med / base if base else None))
    rows.append(row)
    r = f"{row['ratio']:.2f}x" if row["ratio"] else ""
    print(f"  {section:9} {case:44} {metric:16} {med:12.3f} {unit:6} [{row['lo']:.3f}..{row['hi']:.3f}] {r}",
          flush=True)
    return med


def hyperfine(cmds, runs, spaced):
    out = os.path.join(work, "hf.json")
    args = ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", out]
    if spaced:  # the realistic case: a start after ~50 ms of quiet
        args[2:2] = ["--prepare", "sleep 0.05"]
    subprocess.run(args + cmds, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [[t * 1e3 for t in r["times"]] for r in json.load(open(out))["results"]]


def startup():
    print("== start-up (/bin/true)")
    cases = [("bare", "/bin/true"),
             ("ward default", f"{WARD} run -- /bin/true"),
             ("ward --profile minimal", f"{WARD} run --profile minimal -- /bin/true"),
             ("bwrap --ro-bind / /", "bwrap --ro-bind / / /bin/true"),
             ("bwrap --unshare-all --dev /dev --proc /proc",
              "bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true"),
             ("firejail --noprofile", "firejail --quiet --noprofile /bin/true")]
    cases = [c for c in cases if shutil.which(c[1].split()[0])]
    runs = 15 if QUICK else 40
    for spaced in (True, False):
        times = hyperfine([c[1] for c in cases], runs, spaced)
        base = statistics.median(times[0])
        for (name, _), t in zip(cases, times):
            add("startup", name, "spaced" if spaced else "back-to-back", t, "ms", base)
    # address rules as root (cgroup BPF): the same start with and without one,
    # interleaved; the rule's port has no listener, nothing connects
    times = hyperfine(["/bin/true", f"{WARD} run -- /bin/true",
                       f"{WARD} run --net-allow tcp://127.0.0.1:9 -- /bin/true"], runs, True)
    base = statistics.median(times[0])
    add("startup", "ward default (same run as the next)", "spaced", times[1], "ms", base)
    add("startup", "ward default + --net-allow tcp://127.0.0.1:9 (cgroup BPF)", "spaced",
        times[2], "ms", base)
    # unprivileged
    times = hyperfine(["/bin/true", " ".join(NOBODY + [WARD, "run", "--", "/bin/true"]),
                       " ".join(NOBODY + ["/bin/true"])], runs, True)
    add("startup", "uid 65534: ward default", "spaced", times[1], "ms", statistics.median(times[2]))
    phases()


def phases():
    """The phase breakdown of spaced default starts (WARD_TRACE_PHASES)."""
    runs = "10" if QUICK else "30"
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench/trace_phases.py"), WARD, runs],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines()[1:]:
        parts = line.rsplit(None, 2)
        if len(parts) == 3 and parts[1].replace(".", "").isdigit():
            name, med, p90 = parts[0].strip(), float(parts[1]), float(parts[2])
            add("phases", name, "median (p90 as hi)", [med], "us")
            rows[-1]["hi"] = p90
        elif "wall" in line:
            add("phases", "wall from outside", "median", [float(line.split()[-1])], "ms")


class TcpSink:
    """A loopback listener outside the sandbox that accepts and closes."""
    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(512)
        self.port = self.s.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.s.accept()
                c.close()
            except OSError:
                return


def hotpath_binary():
    """bench/hotpath.c built once into the work directory."""
    hp = os.path.join(work, "hotpath")
    if not os.path.exists(hp):
        subprocess.run(["cc", "-std=gnu11", "-O2", "-D_GNU_SOURCE", "-o", hp,
                        os.path.join(ROOT, "bench/hotpath.c")], check=True)
    return hp


def hotpaths():
    print("== hot paths inside (ns per operation; median of rounds)")
    hp = hotpath_binary()
    data = os.path.join(work, "file")
    open(data, "w").write("data\n")
    sink = TcpSink()
    rounds = "3" if QUICK else "7"
    net = ["--net-allow", "udp://127.0.0.0/8", "--net-allow", f"tcp://127.0.0.1:{sink.port}"]
    g = ["-x", work]
    configs = [
        ("bare", []),
        ("ward minimal + net rules (root: cgroup BPF)", [WARD, "run", "--profile", "minimal"] + g + net + ["--"]),
        ("ward minimal + argv rule (supervisor)",
         [WARD, "run", "--profile", "minimal"] + g + net + ["--exec-deny", "true --force*", "--"]),
        ("uid 65534: bare", NOBODY),
        ("uid 65534: ward minimal + net rules (supervisor)",
         NOBODY + [WARD, "run", "--profile", "minimal"] + g + net + ["--"]),
        ("uid 65534: ward minimal + port-only rules (Landlock)",
         NOBODY + [WARD, "run", "--profile", "minimal"] + g +
         ["--net-allow", "udp://*:1-65535", "--net-allow", f"tcp://*:{sink.port}", "--"]),
    ]
    # Rounds interleave the configurations, so a load spike on this shared
    # host hits all of them alike; each figure is the median over rounds.
    per = {}
    for _ in range(int(rounds)):
        for name, prefix in configs:
            out = subprocess.run(prefix + [hp, data, "1", str(sink.port)], capture_output=True,
                                 text=True, timeout=600)
            if out.returncode:
                print(f"  {name}: failed ({out.returncode}): {out.stderr.strip()[:200]}")
                continue
            for line in out.stdout.splitlines():
                op, med = line.split()[:2]
                per.setdefault((name, op), []).append(float(med))
    for name, prefix in configs:
        ref = "uid 65534: bare" if name.startswith("uid") else "bare"
        for (n, op), vals in per.items():
            if n == name:
                base = per.get((ref, op))
                add("hotpath", name, op, vals, "ns", statistics.median(base) if base else None)


def workloads():
    print("== real workloads")
    tree = os.path.join(work, "tree")
    os.makedirs(tree)
    for d in range(50):
        os.makedirs(f"{tree}/d{d}")
        for f in range(100):
            open(f"{tree}/d{d}/f{f}.txt", "w").write(f"{d} {f}\n")
    git = ["git", "-c", "user.email=b@ward", "-c", "user.name=bench", "-C", tree]
    subprocess.run(git[:1] + ["init", "-q", tree], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "tree"], check=True)
    subprocess.run(["chmod", "-R", "a+rX", tree])
    gs = f"git -c safe.directory=* -C {tree} status --short"
    cases = [("bare", gs), ("ward default", f"{WARD} run -r {tree} -- {gs}"),
             ("bwrap --ro-bind / / --dev /dev", f"bwrap --ro-bind / / --dev /dev {gs}")]
    runs = 10 if QUICK else 25
    times = hyperfine([c[1] for c in cases], runs, True)
    base = statistics.median(times[0])
    for (name, _), t in zip(cases, times):
        add("workload", f"git status, 5000 files: {name}", "spaced", t, "ms", base)
    py = "/usr/bin/python3 -c 'import json, asyncio, email, http.client'"
    cases = [("bare", py), ("ward default", f"{WARD} run -- {py}"),
             ("bwrap --ro-bind / / --dev /dev", f"bwrap --ro-bind / / --dev /dev {py}")]
    args = ["hyperfine", "--prepare", "sleep 0.05", "--warmup", "3", "--runs", str(runs),
            "--export-json", os.path.join(work, "py.json")] + [c[1] for c in cases]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = [[t * 1e3 for t in r["times"]] for r in json.load(open(os.path.join(work, "py.json")))["results"]]
    base = statistics.median(times[0])
    for (name, _), t in zip(cases, times):
        add("workload", f"python3 imports: {name}", "spaced", t, "ms", base)
    build_job()
    redis()
    redis_reverse()


def build_job():
    """`make -j2` of a generated 40-file C project, cleaned before each run."""
    proj = os.path.join(work, "proj")
    os.makedirs(proj)
    objs = []
    for i in range(40):
        open(f"{proj}/m{i}.c", "w").write(
            "#include <stdio.h>\n#include <string.h>\n#include <stdlib.h>\n"
            f"int f{i}(const char *s) {{ char b[64]; snprintf(b, sizeof b, \"%s{i}\", s);"
            " return (int)strlen(b) + atoi(s); }\n")
        objs.append(f"m{i}.o")
    open(f"{proj}/main.c", "w").write("int main(void) { return 0; }\n")
    open(f"{proj}/Makefile", "w").write(
        f"prog: main.o {' '.join(objs)}\n\t$(CC) -o $@ $^\n%.o: %.c\n\t$(CC) -O1 -c -o $@ $<\n"
        "clean:\n\trm -f *.o prog\n")
    subprocess.run(["chmod", "-R", "a+rwX", proj])
    mk = f"make -s -j2 -C {proj}"
    cases = [("bare", mk), ("ward default -w proj", f"{WARD} run -w {proj} -- {mk}"),
             ("bwrap --ro-bind / / --bind proj --dev /dev",
              f"bwrap --ro-bind / / --bind {proj} {proj} --dev /dev {mk}")]
    runs = 5 if QUICK else 15
    out = os.path.join(work, "make.json")
    subprocess.run(["hyperfine", "--prepare", f"make -s -C {proj} clean", "--warmup", "1", "--runs",
                    str(runs), "--export-json", out] + [c[1] for c in cases],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = [[t * 1e3 for t in r["times"]] for r in json.load(open(out))["results"]]
    base = statistics.median(times[0])
    for (name, _), t in zip(cases, times):
        add("workload", f"make -j2, 41 C files: {name}", "cleaned", t, "ms", base)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server(port, prefix=()):
    """redis-server on 127.0.0.1:PORT, started through PREFIX; waits until it answers."""
    srv = subprocess.Popen(list(prefix) + ["redis-server", "--port", str(port), "--save", "",
                                           "--appendonly", "no", "--bind", "127.0.0.1", "--dir", "/tmp"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return srv
        except OSError:
            time.sleep(0.05)
    srv.terminate()
    srv.wait()
    raise OSError(f"redis-server on port {port} did not answer within 20 s")


def redis_bench(port, prefix=()):
    """SET/GET requests per second of one redis-benchmark run through PREFIX."""
    n = "30000" if QUICK else "100000"
    out = subprocess.run(list(prefix) + ["redis-benchmark", "-p", str(port), "-n", n, "-t", "set,get",
                                         "--csv"], capture_output=True, text=True, timeout=300)
    got = {}
    for line in out.stdout.splitlines():
        f = [x.strip('"') for x in line.split(",")]
        if f[0] in ("SET", "GET"):
            got[f[0]] = float(f[1])
    return got


def redis():
    if not shutil.which("redis-server") or not shutil.which("redis-benchmark"):
        print("  redis: not installed (bench/deps.sh)")
        return
    port = free_port()
    srv = redis_server(port)
    rule = ["--net-allow", f"tcp://127.0.0.1:{port}", "--"]
    configs = [("bare", []), ("ward default (root: cgroup BPF)", [WARD, "run"] + rule),
               ("uid 65534: bare", NOBODY),
               ("uid 65534: ward default (supervisor)", NOBODY + [WARD, "run"] + rule)]
    base = {}
    rounds = 1 if QUICK else 3
    for name, prefix in configs:
        got = {}
        for _ in range(rounds):
            for op, v in redis_bench(port, prefix).items():
                got.setdefault(op, []).append(v)
        key = "uid" if name.startswith("uid") else "root"
        for op, vals in got.items():
            med = statistics.median(vals)
            # throughput: the ratio is bare/ward so that >1 means slower, like the rest
            ref = base.get(key, {}).get(op)
            row_ratio_base = None if ref is None else med * med / ref
            add("redis", name, op, vals, "req/s", row_ratio_base)
            if prefix in ([], NOBODY):
                base.setdefault(key, {})[op] = med
    srv.terminate()
    srv.wait()


def redis_reverse():
    """The server inside (the host's network, one bound port), the client outside."""
    if not shutil.which("redis-server") or not shutil.which("redis-benchmark"):
        return
    rounds = 1 if QUICK else 3
    for user, prefix in (("root", []), ("uid 65534", NOBODY)):
        for name, inside in (("bare", []), ("ward default --share-net --net-bind", None)):
            port = free_port()
            wrap = inside if inside is not None else [WARD, "run", "--share-net", "--net-bind", str(port),
                                                      "--"]
            srv = redis_server(port, prefix + wrap)
            got = {}
            try:
                for _ in range(rounds):
                    for op, v in redis_bench(port).items():
                        got.setdefault(op, []).append(v)
            finally:
                srv.terminate()
                srv.wait()
            for op, vals in got.items():
                add("redis", f"server inside, {user}: {name}", op, vals, "req/s")
    # ratios bare/ward (>1: slower), from the rows just added
    rev = [r for r in rows if r["case"].startswith("server inside")]
    for r in rev:
        if "ward" in r["case"]:
            ref = [b for b in rev if b["metric"] == r["metric"] and "bare" in b["case"]
                   and b["case"].split(":")[0] == r["case"].split(":")[0]]
            if ref and r["median"]:
                r["ratio"] = ref[0]["median"] / r["median"]


def many_rules():
    """A policy of 10,000 file grants and one of 10,000 address rules: the
    start-up and the per-operation cost against the same run with one rule."""
    print("== 10,000 rules")
    hp = hotpath_binary()
    files = os.path.join(work, "many")
    os.makedirs(files, exist_ok=True)
    for i in range(10000):
        open(f"{files}/f{i}", "w").write("x\n")
    subprocess.run(["chmod", "-R", "a+rX", files])
    fs_many = os.path.join(work, "fs-10000.yaml")
    with open(fs_many, "w") as f:
        f.write("extends: default\nfs:\n  read:\n")
        for i in range(10000):
            f.write(f"    - {files}/f{i}\n")
    net_many = os.path.join(work, "net-10000.yaml")
    sink = TcpSink()
    with open(net_many, "w") as f:
        f.write("extends: default\nnet:\n  allow:\n")
        for i in range(9999):
            f.write(f"    - tcp://10.{i // 250}.{i % 250}.1/32:443\n")
        f.write(f"    - tcp://127.0.0.1:{sink.port}\n")
    one = ["-x", hp, "-r", f"{files}/f0"]
    runs = 10 if QUICK else 30
    for user, prefix in (("root", []), ("uid 65534", NOBODY)):
        p = " ".join(prefix)
        times = hyperfine([f"{p} {WARD} run {' '.join(one)} -- /bin/true",
                           f"{p} {WARD} run {fs_many} -x {hp} -- /bin/true",
                           f"{p} {WARD} run --net-allow tcp://127.0.0.1:{sink.port} -- /bin/true",
                           f"{p} {WARD} run {net_many} -- /bin/true"], runs, True)
        base = statistics.median(times[0])
        add("rules", f"{user}: 1 file grant", "start spaced", times[0], "ms", base)
        add("rules", f"{user}: 10,000 file grants", "start spaced", times[1], "ms", base)
        add("rules", f"{user}: 1 address rule", "start spaced", times[2], "ms", base)
        add("rules", f"{user}: 10,000 address rules", "start spaced", times[3], "ms",
            statistics.median(times[2]))
        per = {}
        for _ in range(3 if QUICK else 5):
            for name, args in (("1 file grant", one), ("10,000 file grants", [fs_many, "-x", hp]),
                               ("1 address rule", ["-x", hp, "-r", f"{files}/f0", "--net-allow",
                                                   f"tcp://127.0.0.1:{sink.port}"]),
                               ("10,000 address rules", [net_many, "-x", hp, "-r", f"{files}/f0"])):
                out = subprocess.run(prefix + [WARD, "run"] + args + ["--", hp, f"{files}/f0", "1",
                                     str(sink.port) if "address" in name else "0"],
                                     capture_output=True, text=True, timeout=600)
                for line in out.stdout.splitlines():
                    op, med = line.split()[:2]
                    if op in ("open_read_close", "tcp_connect"):
                        per.setdefault((name, op), []).append(float(med))
        for (name, op), vals in per.items():
            ref = per.get(("1 file grant" if "file" in name else "1 address rule", op))
            add("rules", f"{user}: {name}", op, vals, "ns", statistics.median(ref) if ref else None)


def outside_cost():
    """What a task outside every sandbox pays while a sandbox with address
    rules runs (its cgroup programs attached): bare, alone and alongside."""
    print("== outside any sandbox")
    hp = hotpath_binary()
    data = os.path.join(work, "file")
    if not os.path.exists(data):
        open(data, "w").write("data\n")
    sink = TcpSink()
    per = {}
    for _ in range(3 if QUICK else 7):
        for name in ("alone", "while a sandbox runs"):
            side = None
            if name != "alone":
                side = subprocess.Popen([WARD, "run", "--net-allow", f"tcp://127.0.0.1:{sink.port}",
                                         "--", "/bin/sleep", "30"])
                time.sleep(0.5)  # a measurement's warm-up, not a synchronisation
            out = subprocess.run([hp, data, "1", str(sink.port)], capture_output=True, text=True)
            if side:
                side.terminate()
                side.wait()
            for line in out.stdout.splitlines():
                op, med = line.split()[:2]
                per.setdefault((name, op), []).append(float(med))
    for (name, op), vals in per.items():
        base = per.get(("alone", op))
        add("outside", f"bare task, {name}", op, vals, "ns", statistics.median(base) if base else None)


def scale():
    print("== scale")
    for n in (1, 10, 100):
        for name, cmd in (("ward default", [WARD, "run", "--", "/bin/true"]),
                          ("bwrap --ro-bind / /", ["bwrap", "--ro-bind", "/", "/", "/bin/true"])):
            walls, first = [], []
            for _ in range(1 if QUICK else 3):
                start = time.monotonic()
                ps = [subprocess.Popen(cmd) for _ in range(n)]
                firsts = []
                for p in ps:
                    p.wait()
                    firsts.append(time.monotonic() - start)
                walls.append(max(firsts) * 1e3)
                first.append(min(firsts) * 1e3)
            if n > 1:
                add("scale", f"{n} concurrent: {name}", "first done", first, "ms")
            add("scale", f"{n} concurrent: {name}", "all done", walls, "ms")
    pss = []
    for _ in range(3):
        p = subprocess.Popen([WARD, "run", "--", "/bin/sleep", "3"])
        deadline = time.time() + 20
        val = None
        idle_since = None
        while time.time() < deadline and val is None:
            try:
                kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
                if kids and idle_since is None:
                    idle_since = time.time()
                # Idle: the monitor gives back what only the start needed
                # after 200 ms of nothing to do (core/idle_memory.h).
                if kids and time.time() - idle_since >= 0.5:
                    for line in open(f"/proc/{p.pid}/smaps_rollup"):
                        if line.startswith("Pss:"):
                            val = int(line.split()[1]) / 1024
            except OSError:
                pass
            time.sleep(0.05)
        p.wait()
        if val is not None:
            pss.append(val)
    if pss:
        add("scale", "PSS of one idle ward process", "Pss", pss, "MiB")


def write_results():
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    meta = dict(date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), kernel=os.uname().release,
                cpus=os.cpu_count(), load=os.getloadavg(), quick=QUICK)
    for name in ("latest", "bench-" + time.strftime("%Y%m%d-%H%M%S", time.gmtime())):
        base = os.path.join(ROOT, "bench/results", name)
        json.dump(dict(meta=meta, rows=rows), open(base + ".json", "w"), indent=1)
        with open(base + ".csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
    st = [r for r in rows if r["section"] == "startup" and r["ratio"]]
    if shutil.which("gnuplot") and st:
        dat = os.path.join(work, "startup.dat")
        with open(dat, "w") as f:
            for r in st:
                f.write(f"\"{r['case']} ({r['metric']})\" {r['ratio']:.3f}\n")
        png = os.path.join(ROOT, "bench/results/startup.png")
        subprocess.run(["gnuplot", "-e", f"set terminal png size 1100,500; set output '{png}';"
                        "set style fill solid; set boxwidth 0.6; set xtics rotate by -30 font ',8';"
                        "set ylabel 'start-up, x bare /bin/true'; set grid y; unset key;"
                        f"plot '{dat}' using 0:2:xtic(1) with boxes"], check=False)
    with open(os.path.join(ROOT, "bench/results/latest.md"), "w") as f:
        subprocess.run([os.path.join(ROOT, "bench/table.py")], stdout=f, check=False)
    print(f"results: bench/results/latest.json, latest.csv, latest.md (load {meta['load'][0]:.1f})")


try:
    t0 = time.time()
    for part in (startup, hotpaths, workloads, many_rules, outside_cost, scale):
        if os.environ.get("BENCH_ONLY") and part.__name__ not in os.environ["BENCH_ONLY"].split(","):
            continue
        try:
            part()
        except (subprocess.SubprocessError, OSError) as e:  # one part failing keeps the others
            print(f"  {part.__name__}: failed: {e}"[:400], flush=True)
    write_results()
    print(f"bench: {time.time() - t0:.0f} s")
finally:
    # only the directory made here, by its own name
    if os.path.basename(work).startswith("ward-bench."):
        shutil.rmtree(work, ignore_errors=True)
