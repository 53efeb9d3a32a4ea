"""Benchmark: POST /api/v1/recommend under gunicorn with 32 concurrent loopback clients.

Sets up (idempotently) a ``bench-decisioning`` tenant in the configured database: 50 active
offers with 5-condition eligibility rules, 3 channels, 2 creatives per offer x channel, 10,000
customers and a published flow (formula scoring, a frequency cap, top 3). Then starts gunicorn
on 127.0.0.1, drives it with an asyncio keep-alive client for a fixed number of requests, and
reads the server time of every request from gunicorn's access log (``%(D)s``).

    DATABASE_URL=$(.venv/bin/python scripts/db_url.py) \\
        .venv/bin/python bench/decisioning_recommend.py [--requests 20000] [--workers 3] [--threads 1]

The load stays on loopback and stops by itself after ``--requests`` requests or ``--timeout``
seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TENANT_SLUG = "bench-decisioning"
CUSTOMERS = 10_000
FLOW_KEY = "bench"


def setup_data() -> tuple[str, list[str]]:
    """The bench tenant's data (created once) and a fresh editor API key."""
    import django

    django.setup()
    from decisioning_data import COUNTRIES, SEGMENTS, TIERS, offer_rule

    from audience.models import Customer
    from catalog.models import Category, Channel, Offer
    from core.models import Tenant
    from core.services import api_key_create
    from creatives.models import Creative
    from decisioning.models import DecisionFlow
    from decisioning.services import decision_flow_publish

    tenant, _ = Tenant.objects.get_or_create(
        slug=TENANT_SLUG, defaults={"name": "Bench decisioning"}
    )
    rng = random.Random(5)
    if not DecisionFlow.objects.filter(tenant=tenant, key=FLOW_KEY).exists():
        categories = [
            Category.objects.create(tenant=tenant, name=f"Category {k}") for k in range(5)
        ]
        channels = [
            Channel.objects.create(tenant=tenant, name=name, channel_type=name)
            for name in ("email", "sms", "web")
        ]
        for j in range(50):
            offer = Offer.objects.create(
                tenant=tenant,
                name=f"Bench offer {j}",
                status="active",
                category=categories[j % 5],
                priority=rng.randint(0, 100),
                business_value=rng.choice([0, 50, 120, 400]),
                eligibility=offer_rule(rng),
            )
            for channel in channels:
                for v in range(2):
                    Creative.objects.create(
                        tenant=tenant,
                        name=f"Bench creative {j}-{channel.name}-{v}",
                        offer=offer,
                        channel=channel,
                        status="active",
                        weight=rng.choice([30, 70]),
                        template_type="email_html",
                        content={"subject": "Hello {{name}}", "body": f"Offer {j}"},
                        personalization=[{"key": "name", "source": "customer.first_name|there"}],
                    )
        Customer.objects.bulk_create(
            [
                Customer(
                    tenant=tenant,
                    external_id=f"bench-{k}",
                    first_name=rng.choice(["Ann", "Bo", "Chen", "Dara"]),
                    country=rng.choice(COUNTRIES),
                    attributes={
                        "age": rng.randint(18, 90),
                        "income": round(rng.gammavariate(2.0, 15000.0), 2),
                        "score": round(rng.random(), 3),
                        "tier": rng.choice(TIERS),
                        "segment": rng.choice(SEGMENTS),
                    },
                )
                for k in range(CUSTOMERS)
            ],
            batch_size=2000,
        )
        flow = DecisionFlow.objects.create(
            tenant=tenant,
            key=FLOW_KEY,
            name="Bench flow",
            config={
                "contactPolicies": [
                    {"type": "frequencyCap", "scope": "offer", "max": 3, "period": "day"}
                ],
                "scoring": {"method": "formula"},
                "ranking": {"limit": 3},
                "creativeMatch": {"channelIds": [channels[0].pk]},
            },
        )
        decision_flow_publish(flow=flow)
    _, key = api_key_create(tenant=tenant, name="bench", role="editor")
    ids = [f"bench-{k}" for k in range(CUSTOMERS)]
    return key, ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def recommend_request(key: str, customers: list[str], rng: random.Random) -> bytes:
    body = json.dumps({"customerId": rng.choice(customers), "decisionFlowKey": FLOW_KEY}).encode()
    return (
        b"POST /api/v1/recommend HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nX-API-Key: " + key.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def baseline_request(key: str, customers: list[str], rng: random.Random) -> bytes:
    """GET /api/v1/tenant: the same stack (auth, middleware, DRF) doing almost nothing."""
    return (
        b"GET /api/v1/tenant HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: "
        + key.encode()
        + b"\r\n\r\n"
    )


async def client_loop(
    port: int,
    build: Any,
    key: str,
    customers: list[str],
    counter: list[int],
    total: int,
    latencies: list[float],
    statuses: dict[int, int],
    deadline: float,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random()
    while counter[0] < total and time.perf_counter() < deadline:
        counter[0] += 1
        request = build(key, customers, rng)
        start = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        close = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - start)
        code = int(status_line.split()[1]) if status_line else 0
        statuses[code] = statuses.get(code, 0) + 1
        if close:
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()


async def drive(
    port: int,
    build: Any,
    key: str,
    customers: list[str],
    total: int,
    concurrency: int,
    timeout: float,
) -> tuple[float, list[float], dict[int, int]]:
    counter = [0]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + timeout
    start = time.perf_counter()
    await asyncio.gather(
        *(
            client_loop(port, build, key, customers, counter, total, latencies, statuses, deadline)
            for _ in range(concurrency)
        )
    )
    return time.perf_counter() - start, latencies, statuses


@dataclass
class Phase:
    requests: int
    elapsed: float
    latencies: list[float]
    statuses: dict[int, int]
    server_ms: list[float]
    server_cpu: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed


def run_phase(
    port: int, build: Any, key: str, customers: list[str], log: Path, server_pid: int, args: Any
) -> Phase:
    asyncio.run(drive(port, build, key, customers, args.warmup, args.concurrency, args.timeout))
    time.sleep(0.5)
    skip = len(log.read_text().splitlines())
    cpu_before = _children_cpu(server_pid)
    elapsed, latencies, statuses = asyncio.run(
        drive(port, build, key, customers, args.requests, args.concurrency, args.timeout)
    )
    server_cpu = _children_cpu(server_pid) - cpu_before
    time.sleep(0.5)
    lines = log.read_text().splitlines()[skip:]
    server_ms = [int(line.split()[0]) / 1000 for line in lines if line.split()[1] == "200"]
    return Phase(len(latencies), elapsed, latencies, statuses, server_ms, server_cpu)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    key, customers = setup_data()
    load_before = os.getloadavg()[0]
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "access.log"
    env = {**os.environ, "NUDGE_API_RATE": "100000000/second", "DJANGO_DEBUG": "false"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--keep-alive",
            "30",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(D)s %(s)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        rec = run_phase(port, recommend_request, key, customers, log, server.pid, args)
        base = run_phase(port, baseline_request, key, customers, log, server.pid, args)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    def ms(values: list[float], p: float) -> str:
        return f"{pct(values, p):.1f}"

    table = [
        (
            "setup",
            f"gunicorn gthread {args.workers} workers x {args.threads} threads; "
            f"{args.concurrency} keep-alive asyncio clients on the same 2 cores",
        ),
        ("flow", "50 offers x 5 conditions, formula, offer frequency cap, top 3, rendered"),
        ("requests measured", f"{rec.requests:,} in {rec.elapsed:.1f} s; {rec.statuses}"),
        ("throughput", f"{rec.rate:,.0f} req/s (target >= 800)"),
        (
            "server time p50 / p90 / p99",
            f"{ms(rec.server_ms, 50)} / {ms(rec.server_ms, 90)} / {ms(rec.server_ms, 99)} ms "
            "(target p50 <= 5, p99 <= 20)",
        ),
        (
            "client latency p50 / p99",
            f"{pct(rec.latencies, 50) * 1000:.1f} / {pct(rec.latencies, 99) * 1000:.1f} ms",
        ),
        ("gunicorn CPU per recommend", f"{rec.server_cpu / max(rec.requests, 1) * 1000:.2f} ms"),
        (
            "baseline GET /api/v1/tenant (same stack)",
            f"{base.rate:,.0f} req/s; server p50 {ms(base.server_ms, 50)} ms; "
            f"CPU {base.server_cpu / max(base.requests, 1) * 1000:.2f} ms/request",
        ),
        (
            "machine load (1-min average, before / after)",
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        ),
    ]
    width = max(len(k) for k, _ in table)
    print(f"{'recommend API':<{width}}  result")
    for k, v in table:
        print(f"{k:<{width}}  {v}")
    if not args.no_write:
        from decisioning_report import write_rows

        write_rows(
            "recommend",
            table,
            "`DATABASE_URL=... .venv/bin/python bench/decisioning_recommend.py "
            f"--requests {args.requests} --workers {args.workers} --threads {args.threads}`",
        )


def _children_cpu(pid: int) -> float:
    """User + system CPU seconds of gunicorn's master and workers (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ppid = int(fields[1])
        if int(proc.name) == pid or ppid == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


if __name__ == "__main__":
    main()
