"""PostgreSQL as a second wall (SECURITY S3): row-level security keeps a party's material from
another party even when the application's own filter is skipped, and a check that the test
would catch a leak (the same query as the tables' owner does return the rows).

Each test works in one transaction that is rolled back: the owner seeds the cast and reports,
creates a throwaway application role (no ownership, no BYPASSRLS) and grants it as
`truce db grant-app-role` does, then `SET LOCAL ROLE`s to it. Skipped on SQLite, which has no
row-level security and relies on the application layer alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cast import ADMIN, CAST, GOV, GOV_LIAISON, OPP, OPPOSITION_LIAISON, PUBLIC
from support import START, FixedClock, SequentialIds, report_fields, seed_cast
from truce.adapters.sql.engine import is_sqlite
from truce.adapters.sql.migrate import downgrade, upgrade
from truce.adapters.sql.rls import (
    PROTECTED_TABLES,
    AppRoleError,
    acting_for,
    app_role_problems,
    as_system,
    grant_app_role,
    protected_tables,
)
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.access_guard import report_resource, report_scope
from truce.application.monitoring import MonitoringService
from truce.application.registry import RegistryService
from truce.bootstrap import build_services
from truce.domain.access import Action, Principal, decide
from truce.domain.confidentiality import Confidentiality
from truce.domain.reports import Report, parse_file_report
from truce.entrypoints.cli.main import app
from truce.settings import Settings

pytestmark = pytest.mark.postgres

runner = CliRunner()
PROBE_ROLE = "truce_rls_probe"
RLS_REVISION = "f4b5e309b72a"
# Who files: both parties, a guarantor and the mechanism's monitor, at every level.
SUBMITTERS = ("gov_liaison", "opposition_liaison", "guarantor_ru", "monitor")


@dataclass
class Store:
    connection: Connection
    reports: list[Report]

    def as_app_role(self) -> None:
        self.connection.execute(text(f"SET LOCAL ROLE {PROBE_ROLE}"))

    def as_owner(self) -> None:
        self.connection.execute(text("RESET ROLE"))

    def ids(self, sql: str, **parameters: object) -> set[str]:
        return set(self.connection.execute(text(sql), parameters).scalars())

    def ids_where(self, keep: object) -> set[str]:
        return {r.id for r in self.reports if keep(r)}  # type: ignore[operator]


@pytest.fixture
def store(owner_engine: Engine) -> Iterator[Store]:
    if is_sqlite(str(owner_engine.url)):
        pytest.skip("row-level security is PostgreSQL's; SQLite relies on the application layer")
    with owner_engine.connect() as connection:
        outer = connection.begin()
        try:
            yield _seeded(connection)
        finally:
            outer.rollback()


def _seeded(connection: Connection) -> Store:
    can_create = connection.execute(
        text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).scalar_one()
    if not can_create:
        pytest.skip("the owner may not create roles; S3 needs a throwaway application role")
    uow = SqlUnitOfWorkFactory(connection)
    clock = FixedClock()
    cast = seed_cast(RegistryService(uow, clock))
    monitoring = MonitoringService(uow, clock, SequentialIds("report"))
    reports = []
    for username in SUBMITTERS:
        for level in Confidentiality:
            fields = report_fields(confidentiality=level.value, narrative=f"{username} {level}")
            command = parse_file_report(fields, now=clock.now())
            reports.append(monitoring.file_report(command, cast[username]).report)
            clock.advance(minutes=1)
    connection.execute(text(f"CREATE ROLE {PROBE_ROLE} NOLOGIN"))
    grant_app_role(connection, PROBE_ROLE)
    return Store(connection, reports)


def _confidential(report: Report) -> bool:
    return report.confidentiality != Confidentiality.PUBLIC


# --- the wall holds, and the test would see a leak -----------------------------------------


def test_a_party_sees_none_of_the_other_partys_confidential_reports_without_any_filter(store):
    theirs = store.ids_where(lambda r: r.submitter_body_id == OPP and _confidential(r))
    assert len(theirs) == 3

    store.as_app_role()
    with acting_for(store.connection, report_scope(GOV_LIAISON)):
        # No WHERE on confidentiality or body: the application's filter is skipped entirely.
        seen = store.ids("SELECT id FROM reports")
        cross_party = store.ids("SELECT id FROM reports WHERE submitter_body_id = :b", b=OPP)
    assert not seen & theirs
    assert cross_party == store.ids_where(
        lambda r: r.submitter_body_id == OPP and not _confidential(r)
    )

    # The check that the test would catch a leak: the same query as the owner returns them.
    store.as_owner()
    assert store.ids("SELECT id FROM reports") >= theirs


def test_the_same_holds_the_other_way_round(store):
    theirs = store.ids_where(lambda r: r.submitter_body_id == GOV and _confidential(r))
    store.as_app_role()
    with acting_for(store.connection, report_scope(OPPOSITION_LIAISON)):
        seen = store.ids("SELECT id FROM reports")
        counted = store.connection.execute(text("SELECT count(*) FROM reports")).scalar_one()
    assert not seen & theirs
    assert counted == len(seen)
    store.as_owner()
    assert store.ids("SELECT id FROM reports") >= theirs


@pytest.mark.parametrize("username", sorted(CAST))
def test_the_database_admits_exactly_what_the_policy_lets_each_of_the_cast_list(store, username):
    """The database's copy of the rule is the policy's rule, over the whole named cast."""
    principal: Principal = CAST[username]
    allowed = store.ids_where(lambda r: bool(decide(principal, Action.LIST, report_resource(r))))
    store.as_app_role()
    with acting_for(store.connection, report_scope(principal)):
        seen = store.ids("SELECT id FROM reports")
    assert seen == allowed


def test_without_a_context_only_public_reports_are_visible(store):
    public = store.ids_where(lambda r: not _confidential(r))
    store.as_app_role()
    assert store.ids("SELECT id FROM reports") == public
    assert store.ids("SELECT seq::text FROM record_openings") == set()
    store.as_owner()
    assert store.ids("SELECT id FROM reports") == {r.id for r in store.reports}


def test_an_operator_and_the_public_read_public_reports_only(store):
    public = store.ids_where(lambda r: not _confidential(r))
    store.as_app_role()
    for principal in (ADMIN, PUBLIC):
        with acting_for(store.connection, report_scope(principal)):
            assert store.ids("SELECT id FROM reports") == public


def test_the_system_context_sees_every_row(store):
    store.as_app_role()
    with as_system(store.connection, "a test of the system context"):
        assert store.ids("SELECT id FROM reports") == {r.id for r in store.reports}
        openings = store.connection.execute(text("SELECT count(*) FROM record_openings"))
        assert openings.scalar_one() >= len(store.reports)


# --- writes ---------------------------------------------------------------------------------


def _insert_as(store: Store, body_id: str) -> None:
    """Copy a public report under a new id, claiming `body_id` as the submitter."""
    public = next(r for r in store.reports if not _confidential(r))
    store.connection.execute(
        text(
            "INSERT INTO reports SELECT 'forged-' || id, agreement_id, filed_at, NULL, :body, "
            "'forged', NULL, fingerprint, source_kind, source_name, reliability, credibility, "
            "occurred_from, occurred_to, place_text, latitude, longitude, event_type, "
            "perpetrator, target, killed, injured, narrative, narrative_lang, confidentiality "
            "FROM reports WHERE id = :id"
        ),
        {"body": body_id, "id": public.id},
    )


def test_filing_in_another_bodys_name_is_refused_by_with_check(store):
    store.as_app_role()
    with acting_for(store.connection, report_scope(GOV_LIAISON)):
        with pytest.raises(DBAPIError, match="row-level security"), store.connection.begin_nested():
            _insert_as(store, OPP)
        # The same statement in its own body's name goes through: the refusal is the policy's.
        with store.connection.begin_nested():
            _insert_as(store, GOV)


def test_without_a_context_nothing_can_be_filed(store):
    store.as_app_role()
    with pytest.raises(DBAPIError, match="row-level security"), store.connection.begin_nested():
        _insert_as(store, GOV)


def test_an_actor_can_neither_rewrite_nor_delete_reports(store):
    own = store.ids_where(lambda r: r.submitter_body_id == GOV)
    store.as_app_role()
    with acting_for(store.connection, report_scope(GOV_LIAISON)):
        changed = store.connection.execute(text("UPDATE reports SET killed = 99"))
        removed = store.connection.execute(text("DELETE FROM reports"))
        still = store.ids("SELECT id FROM reports WHERE submitter_body_id = :b", b=GOV)
    assert (changed.rowcount, removed.rowcount) == (0, 0)
    assert still == own


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE record_entries SET body = body || ' ' WHERE seq = 0",
        "DELETE FROM record_entries WHERE seq NOT IN (SELECT seq FROM record_openings)",
        "UPDATE record_nodes SET digest = digest WHERE level = 1 AND position = 0",
        "DELETE FROM record_nodes WHERE level = 1",
        "UPDATE record_openings SET salt = salt",
        "DELETE FROM record_checkpoints",
        "DELETE FROM record_cosignatures",
        "UPDATE audit_entries SET allowed = true",
        "DELETE FROM audit_entries",
        "TRUNCATE record_entries CASCADE",
        "INSERT INTO record_head VALUES (2, 0)",
        "DELETE FROM record_head",
    ],
)
def test_the_application_role_cannot_change_or_remove_the_record(store, statement):
    """Append-only as a second wall: even in the system context, the application role may
    add to the record and the audit trail and read them, never rewrite or remove a row. The
    record's head is the one row it moves forward."""
    store.as_app_role()
    with (
        as_system(store.connection, "a test plays an insider holding the app's credentials"),
        pytest.raises(DBAPIError, match="permission denied"),
        store.connection.begin_nested(),
    ):
        store.connection.execute(text(statement))
    # The check that the test would catch it: the owner may, and the head moves as the app's.
    store.as_owner()
    with store.connection.begin_nested() as undone:
        store.connection.execute(text(statement))
        undone.rollback()
    store.as_app_role()
    with store.connection.begin_nested() as undone:
        moved = store.connection.execute(text("UPDATE record_head SET size = size WHERE id = 1"))
        assert moved.rowcount == 1
        undone.rollback()


def test_a_body_reads_only_its_own_commitment_openings(store):
    store.as_owner()
    owners = dict(
        store.connection.execute(text("SELECT seq, owner_body_id FROM record_openings")).all()
    )
    assert {GOV, OPP} <= set(owners.values())
    store.as_app_role()
    with acting_for(store.connection, report_scope(GOV_LIAISON)):
        seen = set(store.connection.execute(text("SELECT seq FROM record_openings")).scalars())
    assert seen == {seq for seq, owner in owners.items() if owner == GOV}


# --- the application as the role ------------------------------------------------------------


def test_the_application_works_as_the_role_and_leaves_no_context_behind(store):
    store.as_app_role()
    monitoring = MonitoringService(
        SqlUnitOfWorkFactory(store.connection), FixedClock(), SequentialIds("more")
    )
    page = monitoring.list_reports(GOV_LIAISON, limit=500)
    allowed = store.ids_where(lambda r: bool(decide(GOV_LIAISON, Action.LIST, report_resource(r))))
    assert {r.id for r in page.reports} == allowed
    assert monitoring.count_reports(GOV_LIAISON) == len(allowed)
    assert monitoring.total_reports() == len(store.reports)
    context = store.connection.execute(text("SELECT current_setting('truce.context', true)"))
    assert context.scalar_one() in {None, ""}


def test_the_context_ends_with_its_transaction(engine):
    if is_sqlite(str(engine.url)):
        pytest.skip("row-level security is PostgreSQL's")
    with engine.connect() as connection:
        with connection.begin():
            connection.execute(text("SELECT set_config('truce.context', 'system', true)"))
        with connection.begin():
            left = connection.execute(text("SELECT current_setting('truce.context', true)"))
            assert left.scalar_one() in {None, ""}


# --- the role and the tables ------------------------------------------------------------------


def test_the_protected_tables_have_forced_row_level_security(store):
    tables = protected_tables(store.connection)
    for name in PROTECTED_TABLES:
        assert tables[name] == (True, True), name
    assert {name for name, (on, _forced) in tables.items() if on} == set(PROTECTED_TABLES)


def test_the_migration_goes_down_and_up_again(store):
    connection = store.connection
    downgrade(connection, RLS_REVISION + "-1")
    assert not any(on for on, _forced in protected_tables(connection).values())
    store.as_app_role()
    assert store.ids("SELECT id FROM reports") == {r.id for r in store.reports}
    store.as_owner()
    upgrade(connection, "head")
    store.as_app_role()
    assert store.ids("SELECT id FROM reports") == store.ids_where(lambda r: not _confidential(r))


def test_a_role_that_could_pass_the_policies_is_refused(store):
    connection = store.connection
    owner = connection.execute(text("SELECT current_user")).scalar_one()
    connection.execute(text("CREATE ROLE truce_rls_bypass NOLOGIN BYPASSRLS"))
    connection.execute(text(f"CREATE ROLE truce_rls_owner_friend NOLOGIN IN ROLE {owner}"))
    for role, why in (
        ("truce_rls_bypass", "BYPASSRLS"),
        ("truce_rls_owner_friend", "owner"),
        (owner, "superuser"),
        ("truce_rls_nobody", "no role"),
    ):
        with pytest.raises(AppRoleError, match=why):
            grant_app_role(connection, role)
    with pytest.raises(AppRoleError, match="role name"):
        grant_app_role(connection, 'x"; DROP TABLE reports; --')


def test_the_suites_application_role_owns_nothing_and_bypasses_nothing(engine, owner_engine):
    """When .ci/run gives the suite a separate application role, it is a proper one."""
    app_user = make_url(str(engine.url)).username
    if is_sqlite(str(engine.url)) or engine is owner_engine:
        pytest.skip("the suite runs as the tables' owner here")
    with owner_engine.connect() as connection:
        assert app_role_problems(connection, app_user or "") == []


# --- the operator's path: migrate as owner, grant, serve as the role -------------------------

CLI_ROLE = "truce_rls_cli"


@pytest.fixture
def login_role(owner_engine: Engine) -> Iterator[str]:
    """A committed LOGIN role (grants cannot be tested in a rolled-back transaction when the
    application connects separately), dropped with everything granted to it afterwards."""
    if is_sqlite(str(owner_engine.url)):
        pytest.skip("row-level security is PostgreSQL's")
    with owner_engine.begin() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {CLI_ROLE}"))
        connection.execute(text(f"CREATE ROLE {CLI_ROLE} LOGIN"))
    yield CLI_ROLE
    with owner_engine.begin() as connection:
        connection.execute(text(f"DROP OWNED BY {CLI_ROLE}"))
        connection.execute(text(f"DROP ROLE {CLI_ROLE}"))


def test_truce_db_grant_app_role_then_the_app_serves_as_that_role(
    login_role, owner_engine, clean_engine, monkeypatch, tmp_path
):
    owner_url = owner_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("TRUCE_DATABASE_URL", owner_url)
    granted = runner.invoke(app, ["db", "grant-app-role", login_role])
    assert granted.exit_code == 0, granted.output
    assert "reports" in granted.output

    app_url = owner_engine.url.set(username=login_role, password=None)
    settings = Settings(database_url=app_url.render_as_string(hide_password=False))
    settings = replace(settings, key_dir=tmp_path / "keys")
    # build_services checks the schema is current, as `serve` does, without the right to migrate.
    services = build_services(settings, clock=FixedClock(), ids=SequentialIds("served"))
    try:
        cast = seed_cast(services.registry)
        for level in Confidentiality:
            command = parse_file_report(report_fields(confidentiality=level.value), now=START)
            services.monitoring.file_report(command, cast["opposition_liaison"])
        assert services.monitoring.count_reports(GOV_LIAISON) == 1
        assert services.monitoring.count_reports(OPPOSITION_LIAISON) == len(Confidentiality)
        assert services.record.verify().ok
    finally:
        services.close()


def test_grant_app_role_refuses_a_superuser(owner_engine, monkeypatch):
    if is_sqlite(str(owner_engine.url)):
        pytest.skip("row-level security is PostgreSQL's")
    monkeypatch.setenv("TRUCE_DATABASE_URL", owner_engine.url.render_as_string(hide_password=False))
    with owner_engine.connect() as connection:
        me = connection.execute(text("SELECT current_user")).scalar_one()
    refused = runner.invoke(app, ["db", "grant-app-role", me])
    assert refused.exit_code == 1
    assert "cannot be the application role" in refused.output
    assert "Traceback" not in refused.output


def test_grant_app_role_on_sqlite_explains_there_is_nothing_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = runner.invoke(app, ["db", "grant-app-role", "truce_app"])
    assert result.exit_code == 1
    assert "SQLite" in result.output


def test_the_application_role_may_not_migrate_and_is_told_so(login_role, owner_engine, monkeypatch):
    empty = "truce_rls_empty"
    autocommit = owner_engine.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {empty}"))
        connection.execute(text(f"CREATE DATABASE {empty}"))
    try:
        url = owner_engine.url.set(username=login_role, password=None, database=empty)
        monkeypatch.setenv("TRUCE_DATABASE_URL", url.render_as_string(hide_password=False))
        refused = runner.invoke(app, ["db", "upgrade"])
        assert refused.exit_code == 1
        assert "may not change the schema" in refused.output
        assert "Traceback" not in refused.output
    finally:
        with autocommit.connect() as connection:
            connection.execute(text(f"DROP DATABASE {empty} WITH (FORCE)"))


# --- evidence follows its report (migration 098659a063e9) -----------------------------------


def _attach_to_every_report(store: Store) -> dict[str, Report]:
    """One attachment per report, each with one custody event: evidence id -> its report."""
    from truce.adapters.sql.evidence_repositories import SqlEvidence  # noqa: PLC0415
    from truce.domain.evidence import CustodyAction, CustodyEvent, Evidence  # noqa: PLC0415

    repository = SqlEvidence(store.connection)
    attached = {}
    for number, report in enumerate(store.reports):
        evidence_id = f"evidence-{number}"
        repository.add(
            Evidence(
                id=evidence_id,
                sha256=f"{number:064x}",
                report_id=report.id,
                owner_body_id=report.submitter_body_id,
                confidentiality=report.confidentiality,
                file_name="photo.jpg",
                media_type="image/jpeg",
                size=1,
                uploaded_by=report.submitted_by,
                uploaded_at=START,
            )
        )
        repository.add_custody(
            CustodyEvent(evidence_id, CustodyAction.UPLOADED, START, None, None, None)
        )
        attached[evidence_id] = report
    return attached


@pytest.mark.parametrize("username", ["gov_liaison", "opposition_liaison", "guarantor_ru", "admin"])
def test_evidence_and_its_custody_are_seen_exactly_as_their_reports(store, username):
    attached = _attach_to_every_report(store)
    principal: Principal = CAST[username]
    allowed = {
        evidence_id
        for evidence_id, report in attached.items()
        if decide(principal, Action.LIST, report_resource(report))
    }
    public = {i for i, r in attached.items() if not _confidential(r)}
    store.as_app_role()
    assert store.ids("SELECT id FROM evidence") == public
    assert store.ids("SELECT evidence_id FROM evidence_custody") == public
    with acting_for(store.connection, report_scope(principal)):
        assert store.ids("SELECT id FROM evidence") == allowed
        assert store.ids("SELECT evidence_id FROM evidence_custody") == allowed
    store.as_owner()
    assert store.ids("SELECT id FROM evidence") == set(attached)


# --- placements of reports (docs/geography.md "Placing reports") ---------------------------


def test_a_placement_is_visible_only_where_its_report_is(store):
    from truce.adapters.sql.geo_repository import SqlGeoStore  # noqa: PLC0415
    from truce.domain.geo.placement import PlaceMethod, ReportPlace  # noqa: PLC0415

    places = [ReportPlace(r.id, PlaceMethod.RESOLVED, "SY03", note="t") for r in store.reports]
    SqlGeoStore(store.connection).put_placements(places)
    theirs = store.ids_where(lambda r: r.submitter_body_id == OPP and _confidential(r))
    store.as_app_role()
    with acting_for(store.connection, report_scope(GOV_LIAISON)):
        # No join, no filter: the policy alone hides the other party's placements.
        seen = store.ids("SELECT report_id FROM report_places")
        visible = store.ids("SELECT id FROM reports")
    assert seen == visible
    assert not seen & theirs
    assert store.ids("SELECT report_id FROM report_places") == store.ids_where(
        lambda r: not _confidential(r)
    )
    with as_system(store.connection, "test: the mechanism sees every placement"):
        assert store.ids("SELECT report_id FROM report_places") == {r.id for r in store.reports}
    with (
        pytest.raises(DBAPIError),
        acting_for(store.connection, report_scope(GOV_LIAISON)),
    ):
        store.connection.execute(
            text(
                "INSERT INTO report_places (report_id, method, nearest, note) "
                "SELECT id, 'unplaced', false, 'forged' FROM reports LIMIT 1"
            )
        )
