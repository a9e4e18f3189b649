"""Real servers for the talks' real-time tests: uvicorn on 127.0.0.1 in a thread of the test
(one process) or as processes of their own (several, on PostgreSQL), and a reader of
server-sent events."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from truce.bootstrap import Services
from truce.entrypoints.web.app import create_app

# A read that waits longer than this fails the test instead of hanging it. Streams look at
# the store on their own only every 30 s (routes/talks.py IDLE_SECONDS), so an event that
# arrives within this bound arrived by notification.
READ_TIMEOUT = 15.0
# A bound, not a timing assertion: on the shared 2-core machine under load, importing the app
# alone took 32 s of wall time (6.5 s of CPU).
STARTUP_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    data: dict[str, object]


def events(response: httpx.Response) -> Iterator[Event]:
    """The events of an open stream, as they come."""
    return events_of(response.iter_lines())


def events_of(lines: Iterator[str]) -> Iterator[Event]:
    """The message events among a stream's lines, read as far as the next one: the lines
    left after it stay unread for the caller."""
    event_id, data = 0, ""
    for line in lines:
        if line.startswith("id:"):
            event_id = int(line[3:].strip())
        elif line.startswith("data:") and line[5:].strip().startswith("{"):
            data += line[5:].strip()
        elif not line and data:
            yield Event(event_id, json.loads(data))
            data = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_thread(services: Services) -> Iterator[str]:
    """The app on 127.0.0.1 in a thread of this process."""
    config = uvicorn.Config(
        create_app(services.settings, services), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# A server process: the app over the store named by TRUCE_DATABASE_URL, schema untouched (the
# owner migrated it), on the port given.
SERVE = """
import sys, uvicorn
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings
settings = Settings.from_env()
services = build_services(settings, migrate=False)
uvicorn.run(create_app(settings, services), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning")
"""


@contextmanager
def server_process(env: dict[str, str]) -> Iterator[str]:
    """The app in a process of its own, ended by its PID when the block ends."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", SERVE, str(port)],
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server process ended with {process.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server process did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
