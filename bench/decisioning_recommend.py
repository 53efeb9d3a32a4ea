"""Benchmark: POST /api/v1/recommend under gunicorn with 32 concurrent loopback clients.

Sets up (idempotently) a ``bench-decisioning`` tenant in the configured database: 50 active
offers with 5-condition eligibility rules, 3 channels, 2 creatives per offer x channel, 10,000
customers and a published flow (formula scoring, a frequency cap, top 3). Then starts gunicorn
on 127.0.0.1 (the Procfile's settings), drives it with ``wrk`` (32 keep-alive connections; a C
load generator, so the client takes little of the two cores) for ``--seconds`` after a warm-up,
and keeps every response's status and server time (the ``Server-Timing: app;dur=`` header
that Nudge's middleware sets). Gunicorn runs with its defaults' access log (none): writing one
costs ~0.2 ms of CPU per request here.

    DATABASE_URL=$(.venv/bin/python scripts/db_url.py) \\
        .venv/bin/python bench/decisioning_recommend.py [--seconds 20] [--workers 2] [--threads 1]

``wrk`` comes from Debian (``scripts/system_deps.sh wrk`` installs it when missing).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
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
CORES = os.cpu_count() or 1


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
    reset_history()
    _, key = api_key_create(tenant=tenant, name="bench", role="editor")
    ids = [f"bench-{k}" for k in range(CUSTOMERS)]
    return key, ids


def reset_history() -> None:
    """Every round starts from the same history: the frequency cap reads today's
    interactions, so leftovers of earlier rounds would make each do more work than the last."""
    from django.db import connection

    from core.models import Tenant
    from decisioning.models import Interaction, OutcomeCounter

    tenant = Tenant.objects.get(slug=TENANT_SLUG)
    Interaction.objects.filter(tenant=tenant).delete()
    OutcomeCounter.objects.filter(tenant=tenant).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE decisioning_interaction")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Every thread counts statuses and Server-Timing durations (a histogram in 0.01 ms buckets,
# cheap for the load generator); done() prints "status <code> <n>" and "ms <bucket> <n>".
COLLECT_LUA = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  buckets = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 then
    local timing = headers["Server-Timing"] or headers["server-timing"]
    if timing then
      local b = math.floor(tonumber(string.match(timing, "dur=([0-9.]+)")) * 100 + 0.5)
      buckets[b] = (buckets[b] or 0) + 1
    end
  end
end
function done(summary, latency, requests)
  io.write("--samples--\\n")
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      io.write("status ", code, " ", n, "\\n")
    end
    for b, n in pairs(thread:get("buckets")) do
      io.write("ms ", b, " ", n, "\\n")
    end
  end
end
"""

RECOMMEND_LUA = (
    COLLECT_LUA
    + """
local key = "%(key)s"
local count = %(count)d
wrk.method = "POST"
wrk.path = "/api/v1/recommend"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key
request = function()
  local body = '{"customerId": "bench-' .. math.random(0, count - 1) .. '", "decisionFlowKey": "%(flow)s"}'
  return wrk.format(nil, nil, nil, body)
end
"""
)

BASELINE_LUA = (
    COLLECT_LUA
    + """
wrk.method = "GET"
wrk.path = "/api/v1/tenant"
wrk.headers["X-API-Key"] = "%(key)s"
"""
)


@dataclass
class Phase:
    elapsed: float
    statuses: dict[int, int]
    server_ms: list[float]
    cpu: dict[str, float]  # CPU seconds during the phase: gunicorn, postgres, wrk, busy
    wrk_rate: float
    client_p50_ms: float
    client_p99_ms: float

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed

    def cpu_ms(self, group: str) -> float:
        """CPU milliseconds per request spent by ``group``."""
        return self.cpu[group] / max(self.requests, 1) * 1000


def _wrk(port: int, script: Path, seconds: float, args: Any) -> str:
    return subprocess.run(
        [
            "wrk",
            f"-t{args.client_threads}",
            f"-c{args.concurrency}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _wrk_ms(text: str, label: str) -> float:
    """A latency from wrk's --latency table (``99%   12.34ms``) in milliseconds."""
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == [label]:
            value = parts[1]
            for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
                if value.endswith(suffix):
                    return float(value[: -len(suffix)]) * factor
    return float("nan")


def run_phase(port: int, lua: str, workdir: Path, server_pid: int, args: Any) -> Phase:
    script = workdir / "load.lua"
    script.write_text(lua)
    _wrk(port, script, args.warmup, args)
    time.sleep(0.5)
    cpu_before = _cpu_by_group(server_pid)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = _wrk(port, script, args.seconds, args)
    elapsed = time.perf_counter() - started
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_after = _cpu_by_group(server_pid)
    cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
    cpu["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime) - (
        wrk_before.ru_utime + wrk_before.ru_stime
    )
    summary, _, samples = out.partition("--samples--\n")
    statuses: dict[int, int] = {}
    server_ms: list[float] = []
    for line in samples.splitlines():
        kind, value, count = line.split()
        if kind == "status":
            statuses[int(value)] = statuses.get(int(value), 0) + int(count)
        else:
            server_ms += [int(value) / 100] * int(count)
    rate = next(
        (
            float(line.split()[1])
            for line in summary.splitlines()
            if line.startswith("Requests/sec")
        ),
        float("nan"),
    )
    return Phase(
        elapsed, statuses, server_ms, cpu, rate, _wrk_ms(summary, "50%"), _wrk_ms(summary, "99%")
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=4)
    parser.add_argument(
        "--rounds", type=int, default=3, help="recommend rounds; the median is shown"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--client-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default=None, help="default: config/gunicorn.py's")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        subprocess.run(["bash", str(ROOT / "scripts/system_deps.sh"), "wrk"], check=True)
    key, customers = setup_data()
    load_before = os.getloadavg()[0]
    port = free_port()
    workdir = Path(tempfile.mkdtemp())
    env = {**os.environ, "NUDGE_API_RATE": "100000000/second", "DJANGO_DEBUG": "false"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--config",
            "python:config.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            *(["--worker-class", args.worker_class] if args.worker_class else []),
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
        lua = {"key": key, "count": len(customers), "flow": FLOW_KEY}
        rounds = []
        for _ in range(args.rounds):
            reset_history()
            rounds.append(run_phase(port, RECOMMEND_LUA % lua, workdir, server.pid, args))
        base = run_phase(port, BASELINE_LUA % lua, workdir, server.pid, args)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    rec = sorted(rounds, key=lambda r: r.rate)[len(rounds) // 2]
    rates = ", ".join(f"{r.rate:,.0f}" for r in rounds)

    def ms(values: list[float], p: float) -> str:
        return f"{pct(values, p):.1f}"

    table = [
        (
            "setup",
            f"gunicorn {args.worker_class or 'sync (config/gunicorn.py)'}, {args.workers} "
            f"workers x {args.threads} threads; wrk, {args.concurrency} connections, "
            f"on the same {CORES} cores",
        ),
        ("flow", "50 offers x 5 conditions, formula, offer frequency cap, top 3, rendered"),
        ("requests measured", f"{rec.requests:,} in {rec.elapsed:.1f} s; {rec.statuses}"),
        ("throughput (median round)", f"{rec.rate:,.0f} req/s (target >= 800)"),
        (f"throughput of the {len(rounds)} rounds", f"{rates} req/s"),
        (
            "server time (Server-Timing) p50 / p90 / p99",
            f"{ms(rec.server_ms, 50)} / {ms(rec.server_ms, 90)} / {ms(rec.server_ms, 99)} ms "
            "(target p50 <= 5, p99 <= 20)",
        ),
        (
            "client latency p50 / p99",
            f"{rec.client_p50_ms:.1f} / {rec.client_p99_ms:.1f} ms",
        ),
        (
            "CPU per recommend: gunicorn / PostgreSQL / wrk",
            f"{rec.cpu_ms('gunicorn'):.2f} / {rec.cpu_ms('postgres'):.2f} / "
            f"{rec.cpu_ms('wrk'):.2f} ms",
        ),
        ("machine CPU busy", f"{rec.cpu['busy'] / rec.elapsed / CORES:.0%} of {CORES} cores"),
        (
            "baseline GET /api/v1/tenant (same stack)",
            f"{base.rate:,.0f} req/s; server p50 {ms(base.server_ms, 50)} ms; "
            f"gunicorn CPU {base.cpu_ms('gunicorn'):.2f} ms/request",
        ),
        (
            "machine load (1-min average, before / after)",
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        ),
    ]
    from decisioning_report import report

    report(
        "recommend",
        "recommend API",
        table,
        "`DATABASE_URL=... .venv/bin/python bench/decisioning_recommend.py "
        f"--seconds {args.seconds:g} --rounds {args.rounds} --workers {args.workers}`",
        write=not args.no_write,
    )


def _cpu_by_group(server_pid: int) -> dict[str, float]:
    """User + system CPU seconds so far of gunicorn (master and workers), PostgreSQL's
    processes, read from /proc, and the machine's busy seconds (/proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"gunicorn": 0.0, "postgres": 0.0}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(proc.name) == server_pid or int(fields[1]) == server_pid:
            out["gunicorn"] += seconds
        elif name.startswith("postgres"):
            out["postgres"] += seconds
    totals = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(totals[3]) + int(totals[4])
    out["busy"] = (sum(int(v) for v in totals) - idle) / tick
    return out


if __name__ == "__main__":
    main()
