"""The procedure's pages over SQL: the decision panel for the mechanism and, once published,
for anyone; the reply inbox of the accused (and of nobody else); the guarantors' queue; a vote
signed through the panel's form after the password is given again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from integration_helpers import csrf_token, sign_in
from procedure_helpers import (
    PASSWORD,
    SECRET,
    World,
    file_elsewhere,
    populate,
    to_deliberation,
    vote,
)
from support import FixedClock, SequentialIds, seed_cast
from talk_helpers import ASTANA
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.demo_case import seed_astana_case, seed_procedure
from truce.application.procedure import DeterminationDraft
from truce.bootstrap import Services, build_services
from truce.domain.procedure import Step, VoteValue
from truce.entrypoints.web.app import create_app
from truce.settings import Settings


@pytest.fixture
def services(clean_engine: Engine, tmp_path) -> Services:
    """As the integration suite's, with a server secret: members' keys are sealed with it."""
    settings = Settings(
        database_url=str(clean_engine.url), frontend_dir=tmp_path, key_dir=tmp_path / "keys",
        secure_cookies=False, secret_key=SECRET,
    )  # fmt: skip
    built = build_services(
        settings, uow=SqlUnitOfWorkFactory(clean_engine), clock=FixedClock(),
        ids=SequentialIds("id"), hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )  # fmt: skip
    seed_cast(built.registry)
    return built


@pytest.fixture
def world(services: Services) -> World:
    members = {m.username: m for m in (services.auth.find_member(n) for n in _CAST)}
    return populate(services, services.clock, members)  # type: ignore[arg-type]


_CAST = ("gov_liaison", "opposition_liaison", "guarantor_ru", "guarantor_tr", "guarantor_ir",
         "un_mediator", "host_mediator", "monitor", "analyst", "observer_us", "admin")  # fmt: skip


@pytest.fixture
def browser(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        yield c


def _as(browser: TestClient, services: Services, username: str) -> None:
    browser.cookies.clear()
    # sign_in sets the same password the helpers' votes re-enter (PASSWORD).
    sign_in(browser, services, username)


def _publish(world: World) -> None:
    to_deliberation(world)
    vote(world, "guarantor_ru", VoteValue.NOT_A_VIOLATION, "Operations against JFS.")
    vote(world, "guarantor_ir", VoteValue.NOT_A_VIOLATION)
    vote(world, "guarantor_tr", VoteValue.CONFIRMED, "The villages were shelled.")
    p, analyst = world.services.procedure, world.member("analyst")
    p.determine(analyst, world.incident_id, DeterminationDraft(attributed_party_id="gov"))
    p.take_step(analyst, world.incident_id, Step.PUBLISH)


def test_the_panel_answers_a_party_as_a_missing_incident(world, browser):
    page = f"/incidents/{world.incident_id}/procedure"
    missing = "/incidents/incident-never-opened/procedure"
    _as(browser, world.services, "analyst")
    assert browser.get(page).status_code == 200
    for who in ("gov_liaison", "observer_us"):
        _as(browser, world.services, who)
        hidden, absent = browser.get(page), browser.get(missing)
        assert hidden.status_code == absent.status_code == 404
        assert hidden.content == absent.content


def test_a_published_determination_shows_votes_dissent_reply_and_record(world, browser):
    _publish(world)
    browser.cookies.clear()
    page = browser.get(f"/incidents/{world.incident_id}/procedure")
    assert page.status_code == 200, page.text
    text = page.text
    assert "no violation" in text
    assert "(dissent)" in text
    assert "The villages were shelled." in text
    assert "Operations target Jabhat Fateh al-Sham." in text
    assert "procedure.published" in text
    # Published is not the mechanism's view: no investigation findings, no forms.
    assert "Impacts west of Basimah" not in text
    assert '<form method="post" action="/incidents' not in text


def test_only_the_accused_sees_its_request_in_the_inbox(world, browser):
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE, accused_body_id="gov")
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    p.file_investigation_report(
        world.member("monitor"), world.incident_id, observed="violation_observed",
        coverage="observed", findings="Impacts observed.",
    )  # fmt: skip
    request = p.request_reply(analyst, world.incident_id, "Allegation marker-7731.")
    _as(browser, world.services, "gov_liaison")
    inbox = browser.get("/replies")
    assert "marker-7731" in inbox.text
    answer = browser.post(
        f"/replies/{request.id}",
        data={"text": "Our answer.", "_csrf_token": csrf_token(inbox.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    _as(browser, world.services, "opposition_liaison")
    other = browser.get("/replies")
    assert "marker-7731" not in other.text
    refused = browser.post(
        f"/replies/{request.id}",
        data={"text": "Not ours.", "_csrf_token": csrf_token(other.text)},
        follow_redirects=False,
    )
    assert refused.status_code == 404


def test_a_guarantor_votes_through_the_panel_after_giving_its_password(world, browser):
    to_deliberation(world)
    _as(browser, world.services, "guarantor_tr")
    queue = browser.get("/deliberation")
    assert world.incident_id in queue.text
    panel = browser.get(f"/incidents/{world.incident_id}/procedure")
    form = {"value": "cannot_confirm", "reasons": "Not observed by our side.",
            "_csrf_token": csrf_token(panel.text)}  # fmt: skip
    wrong = browser.post(f"/incidents/{world.incident_id}/procedure/vote",
                         data={**form, "password": "wrong"}, follow_redirects=False)  # fmt: skip
    assert wrong.status_code == 401
    cast = browser.post(f"/incidents/{world.incident_id}/procedure/vote",
                        data={**form, "password": PASSWORD}, follow_redirects=False)  # fmt: skip
    assert cast.status_code == 303, cast.text
    after = browser.get(f"/incidents/{world.incident_id}/procedure")
    assert "cannot confirm" in after.text
    assert "valid" in after.text


def test_a_step_the_gates_refuse_comes_back_naming_what_is_missing(world, browser):
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE)
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    _as(browser, world.services, "analyst")
    panel = browser.get(f"/incidents/{world.incident_id}/procedure")
    refused = browser.post(
        f"/incidents/{world.incident_id}/procedure/step",
        data={"step": "open_deliberation", "_csrf_token": csrf_token(panel.text)},
    )
    assert refused.status_code == 409
    assert "no investigation report has been filed" in refused.text
    bad = browser.post(
        f"/incidents/{world.incident_id}/procedure/step",
        data={"step": "skip_everything", "_csrf_token": csrf_token(panel.text)},
    )
    assert bad.status_code == 422


def test_the_demos_wadi_barada_determination_page(clean_engine, tmp_path):
    """Done when: the demo holds a Wadi Barada incident that went through the full procedure
    with a dissent, and its determination page shows votes, reply and record entries."""
    settings = Settings(
        database_url=str(clean_engine.url), frontend_dir=tmp_path, key_dir=tmp_path / "keys",
        secure_cookies=False, secret_key=SECRET,
    )  # fmt: skip
    built = build_services(
        settings, uow=SqlUnitOfWorkFactory(clean_engine), clock=FixedClock(),
        ids=SequentialIds("id"), hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )  # fmt: skip
    assert seed_astana_case(built.registry, built.monitoring, built.member_keys)
    for name in _CAST:
        built.auth.set_password(built.auth.find_member(name).id, PASSWORD)
    incident_id = seed_procedure(built.procedure, built.incidents, built.registry, PASSWORD)
    assert incident_id is not None
    with TestClient(create_app(settings, built), base_url="http://127.0.0.1") as anonymous:
        page = anonymous.get(f"/incidents/{incident_id}/procedure")
    assert page.status_code == 200, page.text
    for shown in ("Republic of Turkey", "(dissent)", "not a violation", "Ain al-Fijah",
                  "procedure.published", "decision.signed", "published"):  # fmt: skip
        assert shown in page.text, shown


@pytest.mark.parametrize("language", ["ar", "ru", "tr", "fa"])
def test_the_procedure_pages_speak_the_readers_language(world, browser, language):
    """Every procedure page renders in each language, with the codes' labels translated."""
    _publish(world)
    expected = {"ar": "حق الرد", "ru": "Право на ответ", "tr": "Yanıt hakkı", "fa": "حق پاسخ"}
    browser.cookies.clear()
    published = browser.get(f"/incidents/{world.incident_id}/procedure?lang={language}")
    assert published.status_code == 200, published.text
    assert expected[language] in published.text
    assert "Right of reply" not in published.text
    listed = browser.get(f"/determinations?lang={language}")
    assert listed.status_code == 200
    assert world.incident_id in listed.text
    turkey = {"ar": "الجمهورية التركية", "ru": "Турецкая Республика", "tr": "Türkiye Cumhuriyeti",
              "fa": "جمهوری ترکیه"}  # fmt: skip
    assert turkey[language] in listed.text, "the dissenting guarantor, in the reader's language"
    assert "Republic of Turkey" not in listed.text
    _as(browser, world.services, "analyst")
    panel = browser.get(f"/incidents/{world.incident_id}/procedure?lang={language}")
    assert panel.status_code == 200
    assert "Votes of the guarantors" not in panel.text
    for path in ("/deliberation", "/replies"):
        assert browser.get(f"{path}?lang={language}").status_code == 200


def test_published_determinations_are_listed_for_anyone(world, browser):
    browser.cookies.clear()
    empty = browser.get("/determinations")
    assert empty.status_code == 200
    assert world.incident_id not in empty.text
    _publish(world)
    listed = browser.get("/determinations")
    assert f'id="determination-{world.incident_id}"' in listed.text
    assert "Republic of Turkey" in listed.text, "the dissenting guarantor is named"
    assert "Impacts west of Basimah" not in listed.text


def test_merging_through_the_incident_page_closes_the_merged_case(world, browser):
    """A determined case refuses the merge on the incident page (422, with the reason)."""
    _publish(world)
    other = file_elsewhere(world)
    _as(browser, world.services, "analyst")
    page = browser.get(f"/incidents/{other}")
    refused = browser.post(
        f"/incidents/{other}/merge",
        data={"other": world.incident_id, "reason": "Same shelling.",
              "_csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 422
    assert "published" in refused.text


def test_a_refusal_of_the_procedure_is_said_in_the_readers_language(world, browser):
    """The domain refuses with a code and its values (ProcedureError.code, .params); the
    panel says it in Arabic, the step, the stage and what is missing too."""
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE)
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    _as(browser, world.services, "analyst")
    panel = browser.get(f"/incidents/{world.incident_id}/procedure?lang=ar")
    token = csrf_token(panel.text)
    shut = browser.post(
        f"/incidents/{world.incident_id}/procedure/step?lang=ar",
        data={"step": "open_deliberation", "_csrf_token": token},
    )
    assert shut.status_code == 409
    assert "ليس بعد: لم يُقدَّم أي تقرير تحقيق" in shut.text
    assert "no investigation report" not in shut.text
    early = browser.post(
        f"/incidents/{world.incident_id}/procedure/step?lang=ar",
        data={"step": "publish", "_csrf_token": token},
    )
    assert early.status_code == 409
    assert "لا يمكن اتخاذ خطوة «نشر» والقضية في مرحلة «قيد التحقيق»" in early.text
    english = browser.post(
        f"/incidents/{world.incident_id}/procedure/step",
        data={"step": "publish", "_csrf_token": token},
    )
    assert "“Publish” cannot be taken while the case is under investigation" in english.text


def test_a_refused_form_of_the_panel_names_its_fields_in_the_readers_language(world, browser):
    """A 422 of the panel says each field by its label, not by the form's name for it."""
    _as(browser, world.services, "analyst")
    panel = browser.get(f"/incidents/{world.incident_id}/procedure?lang=ru")
    token = csrf_token(panel.text)
    too_long = browser.post(
        f"/incidents/{world.incident_id}/procedure/step?lang=ru",
        data={"step": "triage", "note": "x" * 8001, "_csrf_token": token},
    )
    assert too_long.status_code == 422
    assert "Примечание: не длиннее 8000 символов" in too_long.text
    assert "note:" not in too_long.text
    unknown = browser.post(
        f"/incidents/{world.incident_id}/procedure/step?lang=fa",
        data={"step": "skip_everything", "_csrf_token": token},
    )
    assert unknown.status_code == 422
    assert "گام: از گزینه‌ها نیست" in unknown.text
    assert "step:" not in unknown.text


def test_a_documents_endorsement_status_is_said_in_the_readers_language(world, browser):
    services = world.services
    round_ = services.talks.open_round(world.member("un_mediator"), ASTANA)
    document = services.talks.create_document(
        world.member("un_mediator"), round_.id, "Joint statement", ["The guarantors agree."]
    )
    for guarantor in ("guarantor_ru", "guarantor_tr"):
        services.talks.endorse(world.member(guarantor), PASSWORD, document.id, 1, "endorse")
    _as(browser, services, "un_mediator")
    arabic = browser.get(f"/talks/documents/{document.id}?lang=ar")
    assert arabic.status_code == 200, arabic.text
    assert "أيّدته Russia وTurkey" in arabic.text
    english = browser.get(f"/talks/documents/{document.id}")
    assert "endorsed by Russia and Turkey" in english.text
    russian = browser.get(f"/talks/documents/{document.id}?lang=ru")
    assert "одобрено: Russia и Turkey" in russian.text
