#!/usr/bin/env python3
"""plan_installed.py SECTIONS.json OUTDIR PID W [OUTER_LIMITS]

Compares what each layer installed for one running sandbox with the plan's
sections (`ward run --dry-run --sections`), both ways: a layer that misses a
rule of its section, or holds one the plan did not give it, fails. Reads:
  OUTDIR/status, mountinfo, limits   the program's /proc/self files
  OUTDIR/probe.<name>                the probe's answer for a path/socket
  /proc/PID/cgroup + cgroup files    from outside (the sandbox's cgroups)
  the pinned BPF maps (bpftool)      root, when the plan uses cgroup BPF
Prints one "ok|not ok|skip LAYER: what" line per check; exit 1 on a failure.
"""
import json, os, subprocess, sys

sec = json.load(open(sys.argv[1]))
out, pid, W = sys.argv[2], sys.argv[3], sys.argv[4]
outer_limits = sys.argv[5] if len(sys.argv) > 5 else None
failed = False


def report(ok, layer, what, why=""):
    global failed
    failed |= not ok
    print(("ok" if ok else "not ok") + f" {layer}: {what}" + ("" if ok else f" ({why})"))


def skip(layer, what, why):
    print(f"skip {layer}: {what} ({why})")


def read(name):
    with open(os.path.join(out, name)) as f:
        return f.read()


def answer(name):
    """The probe's verdict: the last line it printed (a program it ran may
    print before it)."""
    lines = [l for l in read(name).splitlines()[1:] if l.strip()]
    return lines[-1].strip() if lines else ""


def within(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


# ---- seccomp: the filters the plan wants, and no other ----
status = dict(l.split(":", 1) for l in read("status").splitlines() if ":" in l)
want = int(sec["seccomp"]["on"]) + int(sec["supervisor"]["on"])
got = int(status.get("Seccomp_filters", "0").strip())
report(got == want, "seccomp", f"{want} filter(s) attached (hardening {sec['seccomp']['on']}, "
       f"supervisor {sec['supervisor']['on']})", f"the kernel has {got}")
for kind, key in (("tcp", "deny_inet_stream"), ("udp", "deny_inet_dgram")):
    denied_by_plan = sec["seccomp"]["deny_inet"] or sec["seccomp"][key]
    ans = read(f"probe.{kind}-socket").strip()
    if sec["seccomp"]["log_only"]:
        continue
    if denied_by_plan:
        report(ans in ("EACCES", "EPERM"), "seccomp", f"{kind} socket() refused as planned",
               f"probe said {ans}")
    elif not sec["namespaces"]["net_private"]:
        report(ans == "OK", "seccomp", f"{kind} socket() allowed (the plan denies none)",
               f"probe said {ans}")

# The file write guard (a file write quota): the uncounted write paths
# answer ENOSYS from the filter; without it the kernel answers (EBADF).
if not sec["seccomp"]["log_only"]:
    guard = sec["seccomp"]["file_write_guard"]
    ans = read("probe.sendfile").strip()
    report(ans == ("ENOSYS" if guard else "EBADF"), "seccomp",
           f"sendfile {'refused (ENOSYS)' if guard else 'left to the kernel (EBADF)'}: "
           f"file_write_guard {str(guard).lower()}", f"probe said {ans}")

# ---- Landlock (+ masks, inode rules, own root): each probed path as planned ----
ll = sec["landlock"]
denies = []
for h in ll["holes"]:
    denies.append((h["path"], set(h["access"])))
for m in sec["namespaces"]["masks"]:
    if m["hide"]:
        denies.append((m["path"], {"read", "write", "exec"}))
    elif not m["unmountable"]:
        denies.append((m["path"], {"read", "write", "exec"} - set(m["keep"]) - {"read"}))
for r in sec["bpf"]["inode_rules"] + sec["supervisor"]["fs_rules"]:
    denies.append((r["path"], set(r["access"])))
for d in sec["run"]["path_denies"]:
    denies.append((d["path"], set(d["access"])))


def planned(path, access):
    if not ll["on"]:
        return None
    granted = any(within(path, g["path"]) and access in g["access"] for g in ll["grants"])
    denied = any(within(path, p) and access in acc for p, acc in denies)
    return granted and not denied


for name in sorted(os.listdir(out)):
    if not name.startswith("probe.fs."):
        continue
    access, path = read(name).split("\n", 1)[0].split(" ", 1)
    ans = answer(name)
    want_ok = planned(path, access)
    if want_ok is None:
        skip("landlock", f"{access} {path}", "no Landlock domain planned")
        continue
    ok = (ans == "OK") == want_ok
    report(ok, "landlock", f"{access} {path}: {'allowed' if want_ok else 'denied'} as planned",
           f"probe said {ans}")

# ---- network: a connect is allowed exactly where a planned allow rule is ----
net_rules = [r for r in sec["bpf"]["net_rules"] + sec["supervisor"]["net_rules"]]
for name in sorted(os.listdir(out)):
    if not name.startswith("probe.net."):
        continue
    host, port = read(name).split("\n", 1)[0].split()
    ans = answer(name)
    if sec["seccomp"]["log_only"]:
        continue
    if sec["namespaces"]["net_private"]:
        # Its own network namespace (checked below): 127.0.0.1 is its own lo.
        report(ans not in ("EACCES", "EPERM"), "net", f"connect {host}:{port} reaches only "
               "the sandbox's own lo", f"probe said {ans}")
        continue
    want_ok = not (sec["seccomp"]["deny_inet"] or sec["seccomp"]["deny_inet_stream"]) and (
        any(not r["deny"] and r["rule"] in (f"tcp://{host}:{port}", f"{host}:{port}")
            for r in net_rules) or
        (ll["net"] and (ll["tcp_connect_any"] or any(lo <= int(port) <= hi
                                                      for lo, hi in ll["tcp_connect_ports"]))))
    got_ok = ans not in ("EACCES", "EPERM")
    report(got_ok == want_ok, "net", f"connect {host}:{port}: "
           f"{'allowed' if want_ok else 'denied'} as planned", f"probe said {ans}")

# ---- supervisor: pathname unix connects as its unix roots say ----
# The root nearest to the socket decides (a stop beats an allow on the same
# path); outside every root the connect is refused.
un = sec["supervisor"]["unix"]
if un["trap"] and not sec["supervisor"]["on"]:
    report(False, "supervisor", "unix trap planned with the supervisor", "supervisor off")
for name in sorted(os.listdir(out)):
    if not name.startswith("probe.unix."):
        continue
    path = read(name).split("\n", 1)[0]
    ans = answer(name)
    if sec["seccomp"]["log_only"]:
        continue
    if not un["trap"]:
        skip("supervisor", f"unix connect {path}", "the plan holds pathname sockets elsewhere")
        continue
    best = None
    for r in un["roots"]:
        if within(path, r["path"]):
            key = (len(r["path"].rstrip("/")), not r["allow"])
            if best is None or key > best[0]:
                best = (key, r)
    want_ok = best is not None and best[1]["allow"]
    report((ans == "OK") == want_ok, "supervisor", f"unix connect {path}: "
           f"{'allowed' if want_ok else 'denied'} as planned", f"probe said {ans}")

# ---- namespaces: new exactly where the plan creates one ----
outer_ns = dict(l.split(" ", 1) for l in open(os.path.join(W, "outer-ns")).read().splitlines())
inner_ns = dict(l.split(" ", 1) for l in read("ns").splitlines())
flags = set(sec["namespaces"]["flags"])
for ns, flag in (("net", "net"), ("pid", "pid"), ("ipc", "ipc"), ("uts", "uts"),
                 ("user", "user"), ("mnt", "mount"), ("cgroup", "cgroup")):
    want_new = flag in flags or (ns == "mnt" and sec["namespaces"]["mount_ns"])
    got_new = inner_ns.get(ns) != outer_ns.get(ns)
    report(got_new == want_new, "namespaces", f"{ns}: {'own' if want_new else 'the host'}"
           f"'s as planned", f"inside {inner_ns.get(ns)}, caller {outer_ns.get(ns)}")
host = read("hostname").strip()
if sec["run"]["hostname"]:
    report(host == sec["run"]["hostname"], "namespaces", f"hostname {sec['run']['hostname']}",
           f"the sandbox has {host}")

# ---- mounts: every planned mask is mounted; no mount under W the plan did not place ----
mounts = {}
for line in read("mountinfo").splitlines():
    f = line.split()
    mounts.setdefault(f[4], []).append(f[5].split(","))
for m in sec["namespaces"]["masks"]:
    if m["unmountable"]:
        continue
    opts = mounts.get(m["path"])
    if opts is None:
        report(False, "namespaces", f"mask {m['path']} mounted", "not in the child's mountinfo")
        continue
    o = opts[-1]
    need_ro = m["hide"] or "write" not in m["keep"]
    need_noexec = not m["hide"] and "exec" not in m["keep"]
    report((not need_ro or "ro" in o) and (not need_noexec or "noexec" in o), "namespaces",
           f"mask {m['path']} mounted {'ro' if need_ro else 'rw'}"
           f"{',noexec' if need_noexec else ''}", f"options {','.join(o)}")
placed = {m["path"] for m in sec["namespaces"]["masks"]} | {g["path"] for g in ll["grants"]}
extra = [p for p in mounts if within(p, W) and p not in placed]
report(not extra, "namespaces", f"no mount beneath {W} the plan did not place",
       f"unplanned: {extra}")

# ---- rlimits: planned ones hold, the others are the caller's ----
RL = {"nofile": "Max open files", "cpu_time": "Max cpu time", "memory": "Max address space",
      "pids": "Max processes"}


def limits_of(text):
    res = {}
    for line in text.splitlines()[1:]:
        for k, title in RL.items():
            if line.startswith(title):
                res[k] = line[len(title):].split()[:2]
    return res


inside = limits_of(read("limits"))
outer = limits_of(open(outer_limits).read()) if outer_limits else {}
for k in RL:
    lim = sec["limits"].get(k)
    if lim and lim["layer"] == "rlimit":
        want_v = str(lim["value"])
        report(inside[k][0] == want_v, "rlimit", f"{k} = {want_v} as planned",
               f"the kernel has {inside[k]}")
    elif k in outer:
        report(inside[k] == outer[k], "rlimit", f"{k} not set (the plan puts none on rlimit)",
               f"inside {inside[k]}, caller {outer[k]}")

# ---- cgroup: the limit files hold exactly the planned limits ----
cg = {}
try:
    for line in open(f"/proc/{pid}/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        for c in (ctrls.split(",") if ctrls else ["unified"]):
            cg[c] = path
except OSError as e:
    report(False, "cgroup", "the sandbox's cgroups", str(e))


def cg_file(ctrl, v1name, v2name):
    if ctrl in cg and os.path.exists(f"/sys/fs/cgroup/{ctrl}{cg[ctrl]}/{v1name}"):
        return f"/sys/fs/cgroup/{ctrl}{cg[ctrl]}/{v1name}", False
    for base in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        p = f"{base}{cg.get('unified', '')}/{v2name}"
        if "unified" in cg and os.path.exists(p):
            return p, True
    return None, None


def sandbox_dir(path):
    return path and any(part.startswith("ward-") for part in path.split("/"))


for k, v1, v2 in (("memory", "memory.limit_in_bytes", "memory.max"),
                  ("pids", "pids.max", "pids.max"), ("cpu", "cpu.cfs_quota_us", "cpu.max")):
    lim = sec["limits"].get(k)
    on_cg = bool(lim and lim["layer"] == "cgroup")
    path, v2mode = cg_file(k if k != "cpu" else "cpu", v1, v2)
    if path is None or not sandbox_dir(path):
        report(not on_cg, "cgroup", f"{k}: no sandbox cgroup file, and none planned",
               "planned on cgroup but the sandbox has no such cgroup")
        continue
    text = open(path).read().split()
    if k == "memory":
        got_v = None if text[0] == "max" or int(text[0]) >= 1 << 62 else int(text[0])
        want_v = (lim["value"] // 4096 * 4096) if on_cg else None
        got_v = got_v // 4096 * 4096 if got_v is not None else None
    elif k == "pids":
        got_v = None if text[0] == "max" else int(text[0])
        want_v = lim["value"] if on_cg else None
    else:
        quota = text[0]
        got_v = None if quota in ("max", "-1") else int(quota) * 100 // 100000
        want_v = lim["value"] if on_cg else None
    report(got_v == want_v, "cgroup", f"{k} in {path}: {want_v if on_cg else 'unlimited'}"
           " as planned", f"the file holds {text}")

# ---- BPF: this sandbox's entries in the pinned maps are the plan's ----
b = sec["bpf"]
uses_bpf = any(b[k] for k in ("lsm_fs", "lsm_exec", "lsm_net", "lsm_listen", "lsm_kernel",
                              "cgroup_net"))
v2 = None
for base in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
    if "unified" in cg and os.path.isdir(base + cg["unified"]) and \
            sandbox_dir(base + cg["unified"]):
        v2 = base + cg["unified"]
        break
pins = sorted(d for d in os.listdir("/sys/fs/bpf/ward")) if os.geteuid() == 0 and \
    os.path.isdir("/sys/fs/bpf/ward") else []
if os.geteuid() != 0:
    skip("bpf", "map entries", "reading the pinned maps needs root")
elif v2 is None:
    report(not uses_bpf, "bpf", "no v2 cgroup, and no BPF rule planned",
           "the plan uses BPF but the sandbox has no v2 cgroup to key it")
elif not pins:
    report(not uses_bpf, "bpf", "no pinned maps, and no BPF rule planned",
           "the plan uses BPF but nothing is pinned")
else:
    cgid = os.stat(v2).st_ino
    pin = "/sys/fs/bpf/ward/" + [p for p in pins if p.startswith("v")][-1]

    def dump(m):
        r = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", f"{pin}/{m}"],
                           capture_output=True, text=True)
        return [e.get("formatted", e) for e in json.loads(r.stdout or "[]")]

    def u64(k):
        return k if isinstance(k, int) else int(k)

    cfg = [e["value"] for e in dump("ward_sandboxes") if u64(e["key"]) == cgid]
    report(bool(cfg) == uses_bpf, "bpf", f"sandbox entry for cgroup {cgid}: "
           f"{'present' if uses_bpf else 'absent'} as planned",
           f"{'absent' if uses_bpf else 'present: ' + json.dumps(cfg)}")
    if cfg:
        flags = cfg[0]["flags"]
        for bit, name, want_f in ((1 << 1, "NET", b["lsm_net"] or b["cgroup_net"]),
                                  (1 << 3, "FS", b["lsm_fs"]), (1 << 4, "EXEC", b["lsm_exec"]),
                                  (1 << 5, "KERNEL", b["lsm_kernel"])):
            report(bool(flags & bit) == bool(want_f), "bpf", f"flag {name} "
                   f"{'set' if want_f else 'clear'} as planned", f"flags {flags:#x}")
    ids = set()
    for m in ("ward_net4", "ward_net6"):
        for e in dump(m):
            key, val = e["key"], e["value"]
            if (key["cgid_hi"] << 32 | key["cgid_lo"]) != cgid:
                continue
            for ent in val["entries"][:val["count"]]:
                ids.add(ent["rule_id"])
    want_ids = {r["rule_id"] for r in b["net_rules"]}
    report(ids == want_ids, "bpf", f"net map entries of cgroup {cgid} are rules "
           f"{sorted(want_ids)}", f"the maps hold rules {sorted(ids)}")
    binds = [e["value"] for e in dump("ward_bind") if u64(e["key"]) == cgid]
    got_b = sorted([r["lo"], r["hi"]] for r in binds[0]["ranges"][:binds[0]["count"]]) \
        if binds else []
    want_b = sorted(b["bind_ports"])
    report(got_b == want_b, "bpf", f"bind ranges of cgroup {cgid} are {want_b}",
           f"the map holds {got_b}")
    n_inodes = sum(1 for e in dump("ward_inodes") if u64(e["key"]["cgid"]) == cgid)
    # One entry per planned path that exists (a directory's, or a file's).
    want_n = len(b["inode_rules"])
    report((n_inodes == 0) == (want_n == 0) and n_inodes <= want_n, "bpf",
           f"inode entries of cgroup {cgid}: {want_n} rule(s) planned",
           f"the map holds {n_inodes}")

sys.exit(1 if failed else 0)
