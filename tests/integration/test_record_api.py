"""The record over HTTP: anyone can fetch checkpoints and proofs and check them."""

import time
from dataclasses import replace

from litestar.testing import TestClient

from integration_helpers import csrf_token
from support import report_fields
from truce.adapters.signing import Ed25519Signer, cosign_note, generate_key, verify_checkpoint_note
from truce.application.ports import Cosignature
from truce.domain.record import leaf_hash, parse_signed_note, verify_inclusion
from truce.entrypoints.web.app import create_app


def filed_and_checkpointed(client, services):
    report = client.post("/api/v1/reports", json=report_fields()).json()
    services.record.issue_checkpoint()
    return report


def test_a_reports_history_and_its_proof_are_served(client, services):
    report = filed_and_checkpointed(client, services)
    history = client.get(f"/api/v1/record/subjects/report:{report['id']}").json()
    assert [entry["kind"] for entry in history] == ["report.filed"]
    assert report["narrative"] not in history[0]["body"]
    bundle = client.get(f"/api/v1/record/entries/{history[0]['seq']}/proof").json()
    log_key = client.get("/api/v1/record/key").text.strip()
    checkpoint = verify_checkpoint_note(bundle["checkpoint"], log_key)
    proof = [bytes.fromhex(node) for node in bundle["inclusion_proof"]]
    leaf = leaf_hash(bundle["entry"].encode())
    assert verify_inclusion(leaf, bundle["index"], checkpoint.size, proof, checkpoint.root)


def test_a_witness_cosignature_is_kept_only_if_it_verifies(services):
    witness = Ed25519Signer("witness.un", generate_key())
    record = replace(services.record, witnesses={"witness.un": witness.verifier_key()})
    services = replace(services, record=record)
    client = TestClient(create_app(services.settings, services), base_url="http://127.0.0.1")
    services.record.issue_checkpoint()
    note = client.get("/api/v1/record/checkpoint").text
    size = verify_checkpoint_note(note, services.record.signer.verifier_key()).size
    line = parse_signed_note(cosign_note(note, witness)).signatures[-1].line()
    payload = {"witness": "witness.un", "verifier_key": witness.verifier_key(), "signature": line}
    bad = dict(payload, signature=line.replace(line[-6:-1], "AAAAA"))
    assert (
        client.post(f"/api/v1/record/checkpoints/{size}/cosignatures", json=bad).status_code == 422
    )
    kept = client.post(f"/api/v1/record/checkpoints/{size}/cosignatures", json=payload)
    assert kept.status_code == 201
    served = client.get("/api/v1/record/checkpoint").text
    assert served.endswith(line)
    assert client.get("/api/v1/record/checkpoints").json()[0]["cosigned_by"] == ["witness.un"]


def test_consistency_proofs_are_served_and_bounded(client, services):
    filed_and_checkpointed(client, services)
    size = client.get("/api/v1/record/checkpoints").json()[0]["size"]
    proof = client.get("/api/v1/record/consistency", params={"old": 1, "new": size}).json()
    assert proof["proof"]
    too_far = client.get("/api/v1/record/consistency", params={"old": 1, "new": size + 5})
    assert too_far.status_code == 422


def test_the_record_page_verifies_on_demand(client, services):
    filed_and_checkpointed(client, services)
    page = client.get("/record")
    assert "Checkpoints" in page.text
    token = csrf_token(page.text)
    verified = client.post("/record/verify", data={"_csrf_token": token})
    assert verified.status_code == 200
    assert "The record verifies" in verified.text


def test_an_objects_history_page_checks_inclusion(client, services):
    report = filed_and_checkpointed(client, services)
    page = client.get("/record/history", params={"subject": f"report:{report['id']}"})
    assert "report.filed" in page.text
    assert "proven in checkpoint" in page.text


def test_a_running_server_signs_checkpoints_on_a_schedule(services):
    settings = replace(services.settings, checkpoint_interval=1)
    with TestClient(create_app(settings, services), base_url="http://127.0.0.1") as client:
        client.post("/api/v1/reports", json=report_fields())
        deadline = time.monotonic() + 10
        while not services.record.checkpoints() and time.monotonic() < deadline:
            time.sleep(0.1)
    [checkpoint] = services.record.checkpoints()
    assert checkpoint.size == services.record.verify().size


def test_the_history_page_offers_verification_in_the_browser(client, services):
    report = filed_and_checkpointed(client, services)
    page = client.get("/record/history", params={"subject": f"report:{report['id']}"})
    assert 'class="verify-entry"' in page.text
    assert '<script src="/static/record-verify.js" defer></script>' in page.text
    assert services.record.checkpoint().root.hex() in page.text
    script = client.get("/static/record-verify.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "crypto.subtle" in script.text


def test_the_record_page_lists_who_cosigned_each_checkpoint_and_when(services):
    witness = Ed25519Signer("witness.tr", generate_key())
    record = replace(services.record, witnesses={"witness.tr": witness.verifier_key()})
    services = replace(services, record=record)
    checkpoint = services.record.issue_checkpoint()
    line = parse_signed_note(cosign_note(checkpoint.note, witness)).signatures[-1].line()
    services.record.add_cosignature(
        checkpoint.size, "witness.tr", Cosignature(witness.verifier_key(), line)
    )
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        page = c.get("/record").text
    assert "witness.tr <time" in page
    # Dates follow the page's language (Babel), here English.
    assert "Jan 10, 2017 09:00" in page
    assert witness.verifier_key() in page  # among the witnesses the record knows


def test_a_second_full_verify_while_one_runs_is_told_to_wait(client, services):
    page = client.get("/record")
    token = csrf_token(page.text)
    gate = services.record._gate  # noqa: SLF001 - hold the gate as a running verify would
    assert gate._lock.acquire()  # noqa: SLF001
    try:
        busy = client.post("/record/verify", data={"_csrf_token": token})
    finally:
        gate._lock.release()  # noqa: SLF001
    assert busy.status_code == 429
    assert int(busy.headers["Retry-After"]) >= 1
    assert "already running" in busy.text
    assert client.post("/record/verify", data={"_csrf_token": token}).status_code == 200
