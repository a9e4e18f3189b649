"""The cost of one delivery round of the talks (issue 9): CPU per round per 1,000 streams.

What a server process does when a relay wakes its streams (`TalksService.follow_many`), timed
without the network: the store's read, the policy, the audit rows and log, and then encoding
each stream's events as the web app sends them (`routes/talks.py`). CPU time
(`time.process_time`) is the figure that moves from a loaded machine to an idle one; the wall
time is printed beside it.

    uv run python bench/talks_round.py                       # SQLite, 1,000 streams
    uv run python bench/talks_round.py --url postgresql+psycopg://...  # an existing database
    uv run python bench/talks_round.py --profile             # the top of cProfile's table

Half the streams are the government's delegates, half the opposition's, as in bench/talks.py;
`--members` spreads them over that many distinct members of each delegation.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

SECRET = "a bench secret of thirty-two characters or more"  # noqa: S105 - a throwaway store


def build(url: str, key_dir: Path, members: int):  # noqa: ANN201 - bench glue
    from support import seed_cast  # noqa: PLC0415 - after sys.path
    from talk_helpers import ASTANA  # noqa: PLC0415
    from truce.adapters.passwords import Argon2Hasher  # noqa: PLC0415
    from truce.bootstrap import build_services  # noqa: PLC0415
    from truce.settings import Settings  # noqa: PLC0415

    settings = Settings(database_url=url, key_dir=key_dir, secret_key=SECRET)
    services = build_services(settings, hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024))
    cast = seed_cast(services.registry)
    principals = {}
    for name in ("gov_liaison", "opposition_liaison"):
        base = cast[name]
        group = []
        for number in range(members):
            member = (
                base
                if number == 0
                else replace(base, id=f"{base.id}-{number}", username=f"{base.username}{number}")
            )
            if number:
                services.registry.add_member(member)
            group.append(services.registry.principal_for(member))
        principals[name] = group
    round_ = services.talks.open_round(cast["un_mediator"], ASTANA)
    with services.talks.uow() as uow:
        channels = {c.body_id or "guarantors": c for c in uow.talks.channels(round_.id)}
    return services, cast, channels, principals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--members", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    logging.getLogger("truce").setLevel(logging.INFO)
    # The audit log is written as in production, to nowhere.
    logging.basicConfig(stream=open(os.devnull, "w"), level=logging.INFO)  # noqa: PTH123, SIM115
    folder = Path(tempfile.mkdtemp(prefix="truce-bench-round-"))
    try:
        measure(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(args: argparse.Namespace, folder: Path) -> None:
    from truce.application.talks import StreamReader  # noqa: PLC0415 - after sys.path
    from truce.domain.talks import RelayMode  # noqa: PLC0415
    from truce.entrypoints.web.routes.talks import RoundEvents  # noqa: PLC0415

    url = args.url or f"sqlite:///{folder}/round.db"
    services, cast, channels, principals = build(url, folder, args.members)
    readers = []
    for number in range(args.streams):
        group = principals["gov_liaison" if number % 2 == 0 else "opposition_liaison"]
        readers.append(group[(number // 2) % len(group)])
    cpu, wall = [], []
    profile = cProfile.Profile()
    for _ in range(args.rounds):
        said = services.talks.post_message(
            cast["opposition_liaison"], channels["opp"].id, "A point of the opposition."
        )
        relayed = services.talks.relay(
            cast["un_mediator"], said.id, channels["gov"].id, RelayMode.VERBATIM
        )
        due = [StreamReader(p, relayed.seq - 1, "127.0.0.1") for p in readers]
        if args.profile:
            profile.enable()
        started, started_cpu = time.perf_counter(), time.process_time()
        batches = services.talks.follow_many(due)
        events = RoundEvents()
        frames = [events.frame(view) for batch in batches for view in batch.views]
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        if args.profile:
            profile.disable()
        assert len(frames) == (args.streams + 1) // 2, len(frames)  # noqa: S101 - bench check
    print(
        f"{args.streams} streams ({args.members} member(s) per delegation), {args.rounds} rounds, "
        f"{url.split(':')[0]}, load {os.getloadavg()[0]:.1f}: "
        f"CPU ms per round median {statistics.median(cpu):.1f} (min {min(cpu):.1f}), "
        f"wall ms median {statistics.median(wall):.1f}; "
        f"CPU ms per round per 1,000 streams {statistics.median(cpu) * 1000 / args.streams:.1f}"
    )
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    services.close()


if __name__ == "__main__":
    main()
