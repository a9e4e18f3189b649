"""Witnesses over HTTP (SECURITY S6): a guarantor's or the UN's witness co-signs the running
server's checkpoints only after checking them itself, refuses a forked or rolled-back log and a
malicious server's bad proof (also after a restart), and the server keeps co-signatures only
from witness keys it knows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import uvicorn
from litestar.testing import TestClient
from typer.testing import CliRunner

from support import FixedClock
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.adapters.notes import MechanismSigner, load_or_create_signer
from truce.adapters.signing import Ed25519Signer, cosign_note, generate_key
from truce.adapters.witness_client import HttpLog, LogUnavailableError, Verdict, witness_round
from truce.adapters.witness_store import WitnessStore
from truce.bootstrap import Services, build_services
from truce.domain.record import parse_signed_note
from truce.entrypoints.cli.main import app as cli
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

WITNESS = "witness.un"
runner = CliRunner()


@pytest.fixture
def witness(tmp_path) -> Ed25519Signer:
    return load_or_create_signer(tmp_path / "un" / "witness.key", WITNESS, "")


def knowing(services: Services, *witnesses: Ed25519Signer) -> Services:
    known = {w.name: w.verifier_key() for w in witnesses}
    return replace(services, record=replace(services.record, witnesses=known))


@pytest.fixture
def server(services, witness) -> Iterator[tuple[TestClient, Services]]:
    known = knowing(services, witness)
    with TestClient(create_app(known.settings, known), base_url="http://127.0.0.1") as client:
        yield client, known


def grow(services: Services, count: int, tag: str = "a") -> None:
    """Append `count` entries in one unit of work, then sign a checkpoint."""
    with services.record.uow() as uow:
        for n in range(count):
            uow.record.append("test.note", f"note:{tag}", FixedClock().now(), {"n": n, "tag": tag})
        uow.commit()
    services.record.issue_checkpoint()


def round_over(client: httpx.Client, witness: Ed25519Signer, state: Path, log_key: str):
    return witness_round(
        HttpLog("http://127.0.0.1", client=client), witness, WitnessStore(state), log_key
    )


def test_a_witness_cosigns_over_http_and_the_server_keeps_it_once(server, witness, tmp_path):
    client, services = server
    grow(services, 3)
    log_key = client.get("/api/v1/record/key").text.strip()
    first = round_over(client, witness, tmp_path / "state", log_key)
    assert first.verdict is Verdict.COSIGNED
    size = services.record.checkpoint().size
    assert client.get("/api/v1/record/checkpoints").json()[0]["cosigned_by"] == [WITNESS]
    again = round_over(client, witness, tmp_path / "state", log_key)
    assert again.verdict is Verdict.COSIGNED
    assert len(services.record.checkpoint().cosignatures) == 1
    # The served note carries the witness's line once, and it verifies.
    note = client.get("/api/v1/record/checkpoint").text
    assert sum(s.name == WITNESS for s in parse_signed_note(note).signatures) == 1
    assert WitnessStore(tmp_path / "state").load(services.record.signer.origin).size == size


def test_a_growing_log_is_cosigned_after_a_consistency_proof(server, witness, tmp_path):
    client, services = server
    grow(services, 3)
    log_key = services.record.signer.verifier_key()
    assert round_over(client, witness, tmp_path / "state", log_key).cosigned
    grow(services, 5)
    later = round_over(client, witness, tmp_path / "state", log_key)
    assert later.cosigned, later.message
    latest = services.record.checkpoint()
    assert WITNESS in latest.cosignatures
    assert latest.cosignatures[WITNESS].cosigned_at is not None


def test_the_same_cosignature_posted_twice_is_kept_once(server, witness):
    client, services = server
    grow(services, 2)
    note = client.get("/api/v1/record/checkpoint").text
    size = services.record.checkpoint().size
    line = parse_signed_note(cosign_note(note, witness)).signatures[-1].line()
    payload = {"witness": WITNESS, "verifier_key": witness.verifier_key(), "signature": line}
    url = f"/api/v1/record/checkpoints/{size}/cosignatures"
    assert client.post(url, json=payload).status_code == 201
    again = client.post(url, json=payload)
    assert again.status_code == 200
    assert again.json() == {"status": "already kept"}
    assert client.get("/api/v1/record/checkpoints").json()[0]["cosigned_by"] == [WITNESS]


def test_an_unknown_witness_key_is_refused_by_the_server(server, witness):
    client, services = server
    grow(services, 2)
    note = client.get("/api/v1/record/checkpoint").text
    size = services.record.checkpoint().size
    url = f"/api/v1/record/checkpoints/{size}/cosignatures"
    for stranger in (
        Ed25519Signer("witness.xx", generate_key()),
        Ed25519Signer(WITNESS, generate_key()),
    ):
        # A valid signature, by a key the record was never told about (a new name, or an
        # impostor under a known witness's name).
        line = parse_signed_note(cosign_note(note, stranger)).signatures[-1].line()
        payload = {
            "witness": stranger.name,
            "verifier_key": stranger.verifier_key(),
            "signature": line,
        }
        refused = client.post(url, json=payload)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "verifier_key"
    # Another known witness's key under the wrong name is refused too.
    line = parse_signed_note(cosign_note(note, witness)).signatures[-1].line()
    misnamed = {"witness": "witness.ru", "verifier_key": witness.verifier_key(), "signature": line}
    assert client.post(url, json=misnamed).status_code == 422
    assert services.record.checkpoint().cosignatures == {}


# --------------------------------------------------------------------------------------
# A forked log: the operator serves one branch, then swaps in another store
# --------------------------------------------------------------------------------------


@pytest.fixture
def branches(tmp_path, witness) -> tuple[Services, Services]:
    """Two stores signed by the same mechanism key, diverging after a common start."""
    signer = MechanismSigner(Ed25519Signer("test.local/record", generate_key()))
    built = []
    for name in ("a", "b"):
        settings = Settings(key_dir=tmp_path / f"keys-{name}", frontend_dir=tmp_path)
        services = build_services(
            settings, uow=MemoryUnitOfWorkFactory(), clock=FixedClock(), signer=signer
        )
        grow(services, 4, tag="common")
        built.append(knowing(services, witness))
    return built[0], built[1]


def serve_memory(services: Services) -> TestClient:
    return TestClient(create_app(services.settings, services), base_url="http://127.0.0.1")


def test_a_forked_server_is_refused_over_http_also_after_restart(branches, witness, tmp_path):
    a, b = branches
    grow(a, 3, tag="a")
    grow(b, 3, tag="b")
    log_key = a.record.signer.verifier_key()
    state = tmp_path / "state"
    with serve_memory(a) as client:
        assert round_over(client, witness, state, log_key).cosigned
    seen = WitnessStore(state).load(a.record.signer.origin)
    with serve_memory(b) as client:  # the operator swaps the store: same key, same size
        fork = round_over(client, witness, state, log_key)
        assert fork.verdict is Verdict.REFUSED
        assert "fork" in fork.message
        grow(b, 5, tag="b")  # and grows the other branch
        restarted = round_over(client, witness, state, log_key)  # a new WitnessStore: a restart
        assert restarted.verdict is Verdict.REFUSED
        assert "inconsistent" in restarted.message
    assert WitnessStore(state).load(a.record.signer.origin) == seen
    assert b.record.checkpoint().cosignatures == {}


def test_a_rolled_back_server_is_refused(branches, witness, tmp_path):
    a, b = branches
    grow(a, 6, tag="a")
    log_key = a.record.signer.verifier_key()
    with serve_memory(a) as client:
        assert round_over(client, witness, tmp_path / "state", log_key).cosigned
    with serve_memory(b) as client:  # b is only the common prefix: a smaller tree
        outcome = round_over(client, witness, tmp_path / "state", log_key)
    assert outcome.verdict is Verdict.REFUSED
    assert "rollback" in outcome.message


# --------------------------------------------------------------------------------------
# A malicious server: right checkpoint, wrong proof
# --------------------------------------------------------------------------------------


def tampering(client: TestClient, change) -> httpx.Client:
    """An httpx client whose consistency answers pass through `change` on the way."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = client.request(
            request.method,
            request.url.path,
            params=request.url.params,
            content=request.content,
            headers={"content-type": request.headers.get("content-type", "text/plain")},
        )
        body = answer.content
        if request.url.path.endswith("/consistency"):
            body = change(answer.json())
        return httpx.Response(
            answer.status_code,
            content=body,
            headers={"content-type": answer.headers["content-type"]},
        )

    return httpx.Client(base_url="http://127.0.0.1", transport=httpx.MockTransport(handle))


def flipped(answer: dict) -> bytes:
    first = bytearray(bytes.fromhex(answer["proof"][0]))
    first[0] ^= 1
    answer["proof"][0] = first.hex()
    return httpx.Response(200, json=answer).content


@pytest.mark.parametrize(
    "change",
    [
        flipped,
        lambda answer: httpx.Response(200, json={**answer, "proof": answer["proof"][:-1]}).content,
        lambda answer: httpx.Response(200, json={**answer, "proof": []}).content,
    ],
    ids=["bit flipped", "truncated", "empty"],
)
def test_a_bad_consistency_proof_is_refused(server, witness, tmp_path, change):
    client, services = server
    grow(services, 3)
    log_key = services.record.signer.verifier_key()
    assert round_over(client, witness, tmp_path / "state", log_key).cosigned
    seen = WitnessStore(tmp_path / "state").load(services.record.signer.origin)
    grow(services, 6)
    with tampering(client, change) as evil:
        outcome = round_over(evil, witness, tmp_path / "state", log_key)
    assert outcome.verdict is Verdict.REFUSED
    assert "inconsistent" in outcome.message
    assert WitnessStore(tmp_path / "state").load(services.record.signer.origin) == seen
    assert WITNESS not in services.record.checkpoint().cosignatures


@pytest.mark.parametrize(
    "garbage",
    [b"not json", b'{"proof": "abc"}', b'{"proof": ["zz"]}', b'{"proof": [1, 2]}', b"[]"],
)
def test_a_garbled_proof_answer_is_an_error_not_a_cosignature(server, witness, tmp_path, garbage):
    client, services = server
    grow(services, 3)
    log_key = services.record.signer.verifier_key()
    assert round_over(client, witness, tmp_path / "state", log_key).cosigned
    grow(services, 2)
    with tampering(client, lambda _answer: garbage) as evil, pytest.raises(LogUnavailableError):
        round_over(evil, witness, tmp_path / "state", log_key)
    assert WITNESS not in services.record.checkpoint().cosignatures


def test_a_checkpoint_signed_by_another_key_is_refused_by_the_cli(server, witness, tmp_path):
    _client, services = server
    grow(services, 2)
    impostor = Ed25519Signer("test.local/record", generate_key()).verifier_key()
    with LiveServer(services) as url:
        result = runner.invoke(cli, witness_args("cosign", url, tmp_path, impostor))
    assert result.exit_code == 1, result.output
    assert "refused: bad checkpoint" in result.output


# --------------------------------------------------------------------------------------
# The CLI against a real server on 127.0.0.1
# --------------------------------------------------------------------------------------


class LiveServer:
    """uvicorn serving the app in a thread on a free loopback port."""

    def __init__(self, services: Services) -> None:
        config = uvicorn.Config(
            create_app(services.settings, services), host="127.0.0.1", port=0, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                pytest.fail("the test server did not start within 15 s")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def witness_args(verb: str, url: str, tmp_path: Path, log_key: str) -> list[str]:
    return [
        "witness",
        verb,
        "--url",
        url,
        "--name",
        WITNESS,
        "--state-dir",
        str(tmp_path / "un"),
        "--log-key",
        log_key,
    ]


def test_the_cli_cosigns_and_watches_a_real_server(server, witness, tmp_path):
    _client, services = server
    grow(services, 3)
    log_key = services.record.signer.verifier_key()
    with LiveServer(services) as url:
        once = runner.invoke(cli, witness_args("cosign", url, tmp_path, log_key))
        assert once.exit_code == 0, once.output
        assert "co-signed test.local/record at size" in once.output or "co-signed" in once.output
        grow(services, 4)
        watched = runner.invoke(
            cli,
            [
                *witness_args("watch", url, tmp_path, log_key),
                "--interval",
                "0",
                "--max-rounds",
                "2",
            ],
        )
    assert watched.exit_code == 0, watched.output
    assert watched.output.count("co-signed") == 2
    assert WITNESS in services.record.checkpoint().cosignatures


def test_the_cli_reports_an_unreachable_server(witness, tmp_path, services):
    log_key = services.record.signer.verifier_key()
    with LiveServer(services) as url:
        pass  # the server has stopped: its port now refuses connections
    result = runner.invoke(cli, witness_args("cosign", url, tmp_path, log_key))
    assert result.exit_code == 2
    assert "error:" in result.output


def test_the_watching_cli_stops_on_a_fork(branches, witness, tmp_path):
    a, b = branches
    grow(a, 2, tag="a")
    grow(b, 2, tag="b")
    log_key = a.record.signer.verifier_key()
    with LiveServer(a) as url:
        assert runner.invoke(cli, witness_args("cosign", url, tmp_path, log_key)).exit_code == 0
    with LiveServer(b) as url:
        result = runner.invoke(
            cli,
            [
                *witness_args("watch", url, tmp_path, log_key),
                "--interval",
                "0",
                "--max-rounds",
                "5",
            ],
        )
    assert result.exit_code == 1
    assert result.output.count("refused: fork") == 1
