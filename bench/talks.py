"""Real-time delivery of relays to many connected delegates (issue 9).

Starts a throwaway PostgreSQL 15 cluster (127.0.0.1 only, a free port, stopped at the end
whatever happens), migrates it, seeds the Astana round, starts N server processes (uvicorn,
127.0.0.1) and opens C server-sent-event streams spread over them, half as the government's
delegates and half as the opposition's. A mediator then relays M messages from the
opposition's channel to the government's, one at a time, through the first process. Each
government stream must receive every relay exactly once and the opposition's none of them;
the delivery latency is from just before the relay request to the event's arrival.

Baseline: a raw LISTEN/NOTIFY round trip on the same cluster (what the wake-up costs
without the app).

    uv run python bench/talks.py                         # 1,000 clients, 2 processes
    uv run python bench/talks.py --clients 200 --processes 1

Every loop is bounded: a stream that has not received all relays within --deadline seconds
of the last relay counts what it missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET = "a bench secret of thirty-two characters or more"  # noqa: S105 - a throwaway store
SERVE = """
import sys, uvicorn
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app, freeze_startup_objects
from truce.settings import Settings
settings = Settings.from_env()
services = build_services(settings, migrate=False)
app = create_app(settings, services)
freeze_startup_objects()  # as `truce serve` does
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", backlog=4096)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)  # noqa: S603, S607


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary folder, as .ci/run makes one; always stopped."""
    folder = Path(tempfile.mkdtemp(prefix="truce-bench-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    data = folder / "data"
    as_postgres(
        str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"
    )
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=400"
    as_postgres(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(folder / "log"),
        "-w",
        "-o",
        options,
        "start",
    )
    try:
        as_postgres(
            str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "truce"
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/truce"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def seed(url: str, key_dir: Path) -> dict[str, str]:
    """The cast, the round, and a token each for the people the bench plays."""
    from support import seed_cast  # noqa: PLC0415 - after sys.path
    from talk_helpers import ASTANA  # noqa: PLC0415
    from truce.adapters.passwords import Argon2Hasher  # noqa: PLC0415
    from truce.bootstrap import build_services  # noqa: PLC0415
    from truce.settings import Settings  # noqa: PLC0415

    settings = Settings(database_url=url, key_dir=key_dir, secret_key=SECRET)
    services = build_services(settings, hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024))
    seed_cast(services.registry)
    member = services.auth.find_member
    round_ = services.talks.open_round(member("un_mediator"), ASTANA)
    with services.talks.uow() as uow:
        ids = {c.body_id or "guarantors": c.id for c in uow.talks.channels(round_.id)}
    for name in ("gov_liaison", "opposition_liaison", "un_mediator"):
        ids[name] = services.auth.issue_token(
            member(name).id, ("talks:read", "talks:write"), days=1
        ).token
    services.close()
    return ids


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def servers(url: str, key_dir: Path, count: int) -> Iterator[tuple[list[str], list[int]]]:  # noqa: C901 - start, wait, always stop
    env = {
        **os.environ,
        "TRUCE_DATABASE_URL": url,
        "TRUCE_SECRET_KEY": SECRET,
        "TRUCE_KEY_DIR": str(key_dir),
        "TRUCE_CHECKPOINT_INTERVAL": "0",
    }
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            log = (key_dir / f"server-{port}.log").open("w")
            processes.append(
                subprocess.Popen(  # noqa: S603 - this interpreter, our own code
                    [sys.executable, "-c", SERVE, str(port)], env=env, stdout=log, stderr=log
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for address in urls:
            deadline = time.monotonic() + 180  # importing the app alone took 32 s under load
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{address}/healthz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{address} did not start")
                time.sleep(0.2)
        yield urls, [process.pid for process in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Stream:
    """One delegate's open stream, read over a bare asyncio connection: an HTTP/1.1 request,
    then the chunked body split into events. httpx's streaming reader cost the one client
    process about as much CPU per event as the servers spent sending it, so the client, not
    the servers, set the late arrivals of 1,000 streams."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.arrivals: dict[str, list[float]] = {}
        self.ready = asyncio.Event()

    async def run(self, url: str, token: str) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(
                f"GET /talks/stream HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                print("stream refused:", head[:200])
            self.ready.set()
            pending = b""
            # Cancelled when the bench is done.
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                chunk = await reader.readexactly(size + 2)
                pending += chunk[:-2]
                *events, pending = pending.split(b"\r\n\r\n")
                for event in events:
                    self._arrived(event)
        finally:
            writer.close()

    def _arrived(self, event: bytes) -> None:
        at = time.perf_counter()
        for line in event.split(b"\r\n"):
            if line.startswith(b"data:"):
                message = json.loads(line[5:])
                self.arrivals.setdefault(message["id"], []).append(at)


async def deliver(
    urls: list[str],
    pids: list[int],
    ids: dict[str, str],
    clients: int,
    messages: int,
    deadline: float,
) -> dict[str, object]:
    limits = httpx.Limits(max_connections=10)
    timeout = httpx.Timeout(30, read=None)
    http = [httpx.AsyncClient(base_url=u, limits=limits, timeout=timeout) for u in urls]
    streams: list[Stream] = []
    tasks = []
    for number in range(clients):
        name = "gov_liaison" if number % 2 == 0 else "opposition_liaison"
        stream = Stream(name)
        streams.append(stream)
        tasks.append(asyncio.create_task(stream.run(urls[number % len(urls)], ids[name])))
        if number % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 120)
    await asyncio.sleep(1.0)
    poster = http[0]
    mediator = {"Authorization": f"Bearer {ids['un_mediator']}"}
    opposition = {"Authorization": f"Bearer {ids['opposition_liaison']}"}
    sent: dict[str, float] = {}
    # The client's own objects (1,000 streams and their buffers) are set aside from the
    # cyclic collector: a full collection in the measuring process would delay the arrival
    # times it takes, which is not the servers' latency.
    gc.collect()
    gc.freeze()
    servers_cpu = sum(cpu_seconds(pid) for pid in pids)
    client_cpu = time.process_time()
    started_wall = time.perf_counter()
    for number in range(messages):
        said = await poster.post(
            f"/api/v1/talks/channels/{ids['opp']}/messages",
            json={"text": f"Point {number} of the opposition."},
            headers=opposition,
        )
        said.raise_for_status()
        source = said.json()["id"]
        # Opposition streams receive their own message; wait for it to settle before timing.
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        relayed = await poster.post(
            f"/api/v1/talks/messages/{source}/relay",
            json={"channel_id": ids["gov"], "mode": "verbatim"},
            headers=mediator,
        )
        relayed.raise_for_status()
        sent[relayed.json()["id"]] = started
        await asyncio.sleep(0.3)
    end = time.monotonic() + deadline
    gov = [s for s in streams if s.name == "gov_liaison"]
    # Bounded: at most `deadline` seconds for stragglers.
    while time.monotonic() < end and not all(set(sent) <= set(s.arrivals) for s in gov):  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    servers_cpu = sum(cpu_seconds(pid) for pid in pids) - servers_cpu
    client_cpu = time.process_time() - client_cpu
    wall = time.perf_counter() - started_wall
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in http:
        await client.aclose()
    latencies = [
        (s.arrivals[m][0] - t0) * 1000 for s in gov for m, t0 in sent.items() if m in s.arrivals
    ]
    # The slowest arrival of each relay, in the order sent: shows whether one relay (say the
    # first, on cold caches) or every relay makes the tail.
    per_relay = [
        round(max(((s.arrivals[m][0] - t0) * 1000 for s in gov if m in s.arrivals), default=0))
        for m, t0 in sent.items()
    ]
    lost = sum(1 for s in gov for m in sent if m not in s.arrivals)
    duplicated = sum(len(s.arrivals[m]) - 1 for s in gov for m in sent if m in s.arrivals)
    leaked = sum(1 for s in streams if s.name != "gov_liaison" for m in sent if m in s.arrivals)
    # Each relay follows the opposition's own message: two messages per relay, each woke the
    # streams of one side (half of them) on every process.
    stream_deliveries = 2 * messages * (clients // 2)
    return {
        "deliveries": len(latencies),
        "servers CPU s": round(servers_cpu, 2),
        "client CPU s": round(client_cpu, 2),
        "wall s": round(wall, 1),
        "servers CPU ms per 1,000 stream deliveries": round(
            servers_cpu * 1000 / stream_deliveries * 1000, 1
        ),
        "lost": lost,
        "duplicated": duplicated,
        "to the other side": leaked,
        **percentiles(latencies),
        "slowest arrival per relay, ms": per_relay,
    }


def run(work: Coroutine[Any, Any, dict[str, object]]) -> dict[str, object]:
    """The client's loop: uvloop when installed, as the servers run."""
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def percentiles(values: list[float]) -> dict[str, object]:
    if not values:
        return {"p50 ms": None, "p99 ms": None, "max ms": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "p50 ms": round(statistics.median(ordered), 1),
        "p99 ms": round(p99, 1),
        "max ms": round(ordered[-1], 1),
    }


def notify_round_trip(url: str, count: int = 200) -> dict[str, object]:
    """Baseline: NOTIFY on one connection, heard by LISTEN on another."""
    dsn = "postgresql://" + url.partition("://")[2]
    times = []
    with (
        psycopg.connect(dsn, autocommit=True) as listener,
        psycopg.connect(dsn, autocommit=True) as sender,
    ):
        listener.execute("LISTEN bench_wake")
        for number in range(count):
            started = time.perf_counter()
            sender.execute(f"NOTIFY bench_wake, '{number}'")
            heard = list(listener.notifies(timeout=5, stop_after=1))
            times.extend((time.perf_counter() - started) * 1000 for _ in heard)
    return {"notifications": len(times), **percentiles(times)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=30.0)
    args = parser.parse_args()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    with throwaway_cluster() as url:
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "TRUCE_DATABASE_URL": url},
            capture_output=True,
        )
        print("baseline, raw LISTEN/NOTIFY round trip:", notify_round_trip(url))
        key_dir = Path(tempfile.mkdtemp(prefix="truce-bench-keys-"))
        try:
            ids = seed(url, key_dir)
            with servers(url, key_dir, args.processes) as (urls, pids):
                result = run(deliver(urls, pids, ids, args.clients, args.messages, args.deadline))
            print(
                f"{args.clients} streams over {args.processes} processes, {args.messages} relays:",
                result,
            )
            print(f"load average at the end {os.getloadavg()[0]:.1f}")
        finally:
            shutil.rmtree(key_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
