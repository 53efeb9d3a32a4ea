"""Benchmark: the batch engine over 1M customers x 50 offers x 5 eligibility conditions each,
scored (formula: learned propensity x context weight x value x lever) and ranked top 3 with a
weighted creative choice. Customers are generated chunk by chunk, so memory is bounded by the
chunk size; the first 2,000 are also decided by the real-time path and must agree.

    .venv/bin/python bench/decisioning_engine.py [--customers 1000000] [--chunk 20000]

No database needed. Prints one table and writes the ``bench:decisioning`` section of
BENCHMARKS.md (the recommend benchmark writes its own rows there too).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from decisioning_data import NOW, chunk, records, snapshot
from decisioning_report import report

from decisioning.engine import CustomerInput, DecisionOptions, decide
from decisioning.engine.batch import decide_batch
from decisioning.engine.columns import Column


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    snap = snapshot(50)
    prep = snap.prepared()
    rules = sum(len(o.eligibility["filters"]) for o in snap.offers)

    # 1. batch == real time on a sample
    sample = chunk(0, 2000)
    batch = decide_batch(snap, sample, now=NOW)
    options = DecisionOptions(now=NOW, render=False)
    t = time.perf_counter()
    mismatches = 0
    for r, record in enumerate(records(0, 2000)):
        result = decide(prep, CustomerInput(id=record["id"], record=record), options)
        a = [(d.offer_id, d.channel_id, d.creative_id, d.score) for d in result.decisions]
        b = [(d.offer_id, d.channel_id, d.creative_id, d.score) for d in batch.decisions(r)]
        mismatches += a != b
    realtime_ms = (time.perf_counter() - t) / 2000 * 1000

    # 2. the full run, chunk by chunk
    load_before = os.getloadavg()[0]
    rss_before = rss_mb()
    generate = 0.0
    decided = customers_with = 0
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    for start in range(0, args.customers, args.chunk):
        g = time.process_time()
        part = chunk(start, min(args.chunk, args.customers - start))
        generate += time.process_time() - g
        ranked = decide_batch(snap, part, now=NOW)
        decided += int(ranked.count.sum())
        customers_with += int((ranked.count > 0).sum())
    cpu = time.process_time() - cpu0 - generate
    wall = time.perf_counter() - wall0 - generate
    rss_after = rss_mb()

    # 3. what building columns from database rows (Python values) costs, per 100k customers
    rows = records(0, 100_000)
    t = time.process_time()
    for name in sorted(prep.customer_fields()):
        path = name.split(".")
        Column.from_values(
            [r[path[0]] if len(path) == 1 else r["attributes"].get(path[1]) for r in rows]
        )
    columns_per_100k = time.process_time() - t

    table = [
        ("customers x offers x conditions/offer", f"{args.customers:,} x 50 x {rules // 50}"),
        ("chunk size", f"{args.chunk:,}"),
        ("engine CPU (batch, top 3, one core)", f"{cpu:.2f} s (target <= 5 s)"),
        ("engine wall", f"{wall:.2f} s"),
        ("throughput", f"{args.customers / cpu:,.0f} customers/s"),
        ("decisions / customers with one", f"{decided:,} / {customers_with:,}"),
        ("peak RSS of the process", f"{rss_after:.0f} MB (before the run: {rss_before:.0f} MB)"),
        ("batch == real time (2,000 sample)", f"{mismatches} mismatches"),
        ("real-time engine, 50 offers", f"{realtime_ms:.2f} ms/decision"),
        ("columns from Python rows", f"{columns_per_100k:.2f} s per 100k customers"),
        (
            "machine load (1-min average, before / after)",
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        ),
    ]
    report(
        "engine",
        "decisioning engine",
        table,
        "`.venv/bin/python bench/decisioning_engine.py` "
        f"(--customers {args.customers} --chunk {args.chunk}); {os.cpu_count()} cores",
        write=not args.no_write,
    )


if __name__ == "__main__":
    main()
