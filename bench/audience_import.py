"""Benchmark: CSV import of 1M customers (COPY into staging, INSERT ... ON CONFLICT per batch).

    .venv/bin/python bench/audience_import.py [--rows 1000000] [--batch-rows 100000] [--keep]

Runs in a scratch database (created and migrated like a test database, dropped afterwards) so
the million customers and their audit rows do not land in the development database. Three
imports of the same generated file:

1. into an empty tenant (every row created, audit triggers on),
2. the same file again (every row matched and unchanged: nothing written),
3. into a second empty tenant with the table's audit triggers disabled (the audit cost).

Prints one table and rewrites the ``bench:audience_import`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from audience.csv_import import ImportReport, import_customers_csv  # noqa: E402
from audience.models import Customer  # noqa: E402
from core.models import AuditLog  # noqa: E402
from core.services import tenant_create  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:audience_import -->", "<!-- /bench:audience_import -->"
HEADER = [
    "externalId",
    "email",
    "phone",
    "firstName",
    "lastName",
    "country",
    "timezone",
    "attributes.age",
    "attributes.income_band",
    "attributes.tenure_months",
    "attributes.products",
    "attributes.churn_risk",
]
PLACES = [
    ("NO", "Europe/Oslo", "+47"),
    ("SE", "Europe/Stockholm", "+46"),
    ("DK", "Europe/Copenhagen", "+45"),
    ("GB", "Europe/London", "+44"),
    ("DE", "Europe/Berlin", "+49"),
    ("US", "America/New_York", "+1"),
    ("US", "America/Los_Angeles", "+1"),
    ("BR", "America/Sao_Paulo", "+55"),
    ("IN", "Asia/Kolkata", "+91"),
    ("JP", "Asia/Tokyo", "+81"),
    ("AU", "Australia/Sydney", "+61"),
]
FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie"]
BANDS = ["low", "mid", "high", "very_high"]
PRODUCTS = ["card", "loan", "savings", "mortgage", "insurance"]


def generate(path: Path, rows: int) -> None:
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            country, tz, prefix = PLACES[rng.randrange(len(PLACES))]
            writer.writerow(
                [
                    f"CUST-{i:08d}",
                    f"customer{i}@example.com",
                    f"{prefix}{rng.randrange(10_000_000, 99_999_999)}",
                    FIRST[i % len(FIRST)],
                    LAST[(i // 7) % len(LAST)],
                    country,
                    tz,
                    rng.randrange(18, 90),
                    BANDS[rng.randrange(4)],
                    rng.randrange(0, 240),
                    "|".join(rng.sample(PRODUCTS, rng.randrange(1, 4))),
                    f"{rng.random():.3f}",
                ]
            )


def timed_import(path: Path, tenant_id: str, batch_rows: int) -> tuple[ImportReport, float]:
    started = time.perf_counter()
    with path.open("rb") as stream:
        report = import_customers_csv(
            tenant=tenant_id,
            stream=stream,
            total_bytes=path.stat().st_size,
            batch_rows=batch_rows,
        )
    return report, time.perf_counter() - started


def audit_triggers(enabled: bool) -> None:
    action = "ENABLE" if enabled else "DISABLE"
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        for name in ("nudge_audit_insert", "nudge_audit_update", "nudge_audit_delete"):
            cursor.execute(f'ALTER TABLE "{table}" {action} TRIGGER {name}')


def write_section(rows: list[tuple[str, int, float, str]], command: str, load: str) -> None:
    lines = [
        START,
        "### Audience: CSV import of customers",
        "",
        "| run | rows | seconds | rows/s | notes |",
        "|---|---:|---:|---:|---|",
        *[f"| {name} | {n:,} | {s:.1f} | {n / s:,.0f} | {note} |" for name, n, s, note in rows],
        "",
        f"Reproduce: `{command}`. Measured {datetime.date.today().isoformat()} on "
        f"{platform.machine()} / Python {platform.python_version()}, scratch database, "
        f"statement-level audit triggers (core/audit.py); machine load (1-min average, "
        f"before / after): {load} on 2 cores shared with other sessions.",
        END,
    ]
    block = "\n".join(lines)
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    args = parser.parse_args()

    data_dir = ROOT / ".data" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"customers_{args.rows}.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s"
        )

    connection.settings_dict["TEST"]["NAME"] = "nudge_bench_audience"
    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    results: list[tuple[str, int, float, str]] = []
    load_before = os.getloadavg()[0]
    try:
        first = tenant_create(name="Bench A", slug="bench-a")
        report, seconds = timed_import(path, first.pk, args.batch_rows)
        audits = AuditLog.objects.filter(tenant_id=first.pk, entity_type="customer").count()
        results.append(
            (
                "new customers",
                report.rows,
                seconds,
                f"{report.created:,} created, {audits:,} audit rows",
            )
        )
        report, seconds = timed_import(path, first.pk, args.batch_rows)
        results.append(
            (
                "same file again",
                report.rows,
                seconds,
                f"{report.unchanged:,} unchanged, nothing written",
            )
        )
        second = tenant_create(name="Bench B", slug="bench-b")
        audit_triggers(False)
        try:
            report, seconds = timed_import(path, second.pk, args.batch_rows)
        finally:
            audit_triggers(True)
        results.append(
            (
                "new customers, audit triggers off",
                report.rows,
                seconds,
                "the audit rows' cost is the difference",
            )
        )
    finally:
        if not args.keep:
            creation.destroy_test_db(original_name, verbosity=0)

    load = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"
    print()
    print(f"machine load (1-min average, before / after): {load}")
    print(f"{'run':<36} {'rows':>10} {'seconds':>8} {'rows/s':>10}  notes")
    for name, rows, seconds, note in results:
        print(f"{name:<36} {rows:>10,} {seconds:>8.1f} {rows / seconds:>10,.0f}  {note}")
    if not args.no_write:
        command = ".venv/bin/python bench/audience_import.py"
        if args.rows != 1_000_000:
            command += f" --rows {args.rows}"
        write_section(results, command, load)


if __name__ == "__main__":
    main()
