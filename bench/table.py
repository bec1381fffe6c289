#!/usr/bin/env python3
"""bench/table.py [RESULTS.json] — the results of bench/run.py as Markdown
tables (one per section), for BENCHMARKS.md."""
import json, os, sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results/latest.json")
data = json.load(open(path))
m = data["meta"]
print(f"Run {m['date']}, kernel {m['kernel']}, {m['cpus']} CPUs, load average {m['load'][0]:.1f}"
      f"{' (BENCH_QUICK)' if m['quick'] else ''}.\n")
section = None
for r in data["rows"]:
    if r["section"] != section:
        section = r["section"]
        print(f"\n### {section}\n\n| case | metric | median | spread (min..max) | ratio |\n|---|---|---|---|---|")
    ratio = f"{r['ratio']:.2f}×" if r["ratio"] else ""
    fmt = (lambda v: f"{v:,.0f}") if r["unit"] in ("ns", "req/s") else (lambda v: f"{v:.2f}")
    print(f"| {r['case']} | {r['metric']} | {fmt(r['median'])} {r['unit']} | "
          f"{fmt(r['lo'])}..{fmt(r['hi'])} | {ratio} |")
