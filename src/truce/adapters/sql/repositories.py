"""Repositories over one SQLAlchemy connection; the unit of work owns the transaction."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    column,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from truce.adapters.sql import tables as t
from truce.adapters.sql.bulk import one_of
from truce.adapters.sql.mapping import from_db_time, report_to_row, row_to_report, to_utc
from truce.adapters.sql.rls import acting_for, as_system
from truce.application.ports import ReportCursor, ReportScope
from truce.domain.agreements import Agreement, Clause
from truce.domain.errors import IdempotencyKeyTakenError
from truce.domain.parties import Actor, ActorKind, Alias, Body, BodyKind, Member, Role
from truce.domain.procedure import DEFAULT_PROCEDURE, procedure_from_terms, procedure_terms
from truce.domain.reports import Report


class SqlBodies:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, body: Body) -> None:
        self._c.execute(insert(t.bodies).values(id=body.id, kind=body.kind, name=body.name))
        if body.names:
            self._c.execute(
                insert(t.body_names),
                [{"body_id": body.id, "lang": k, "name": v} for k, v in body.names.items()],
            )

    def get(self, body_id: str) -> Body | None:
        found = self._load(t.bodies.c.id == body_id)
        return found[0] if found else None

    def list_all(self) -> list[Body]:
        return self._load(None)

    def _load(self, where: ColumnElement[bool] | None) -> list[Body]:
        query = select(t.bodies).order_by(t.bodies.c.id)
        if where is not None:
            query = query.where(where)
        rows = self._c.execute(query).mappings().all()
        names: dict[str, dict[str, str]] = {}
        ids = [row["id"] for row in rows]
        for n in self._c.execute(select(t.body_names).where(t.body_names.c.body_id.in_(ids))):
            names.setdefault(n.body_id, {})[n.lang] = n.name
        return [
            Body(row["id"], BodyKind(row["kind"]), row["name"], names.get(row["id"], {}))
            for row in rows
        ]


class SqlActors:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, actor: Actor) -> None:
        self._c.execute(
            insert(t.actors).values(
                id=actor.id,
                name=actor.name,
                kind=actor.kind,
                party_id=actor.party_id,
                excluded=actor.excluded,
            )
        )
        if actor.aliases:
            self._c.execute(
                insert(t.actor_aliases),
                [
                    {
                        "actor_id": actor.id,
                        "position": i,
                        "text": a.text,
                        "lang": a.lang,
                        "folded": a.text.casefold(),
                    }
                    for i, a in enumerate(actor.aliases)
                ],
            )

    def get(self, actor_id: str) -> Actor | None:
        found = self._load([actor_id])
        return found[0] if found else None

    def list_all(self) -> list[Actor]:
        return self._load(None)

    def find_by_name(self, text: str) -> list[Actor]:
        folded = text.strip().casefold()
        by_alias = select(t.actor_aliases.c.actor_id).where(t.actor_aliases.c.folded == folded)
        by_name = select(t.actors.c.id).where(func.lower(t.actors.c.name) == folded)
        ids = {row[0] for row in self._c.execute(by_alias.union(by_name))}
        return self._load(sorted(ids)) if ids else []

    def _load(self, ids: list[str] | None) -> list[Actor]:
        query = select(t.actors).order_by(t.actors.c.id)
        alias_query = select(t.actor_aliases).order_by(
            t.actor_aliases.c.actor_id, t.actor_aliases.c.position
        )
        if ids is not None:
            query = query.where(t.actors.c.id.in_(ids))
            alias_query = alias_query.where(t.actor_aliases.c.actor_id.in_(ids))
        aliases: dict[str, list[Alias]] = {}
        for a in self._c.execute(alias_query):
            aliases.setdefault(a.actor_id, []).append(Alias(a.text, a.lang))
        return [
            Actor(
                id=row.id,
                name=row.name,
                kind=ActorKind(row.kind),
                party_id=row.party_id,
                excluded=row.excluded,
                aliases=tuple(aliases.get(row.id, ())),
            )
            for row in self._c.execute(query)
        ]


class SqlMembers:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, member: Member) -> None:
        self._c.execute(
            insert(t.members).values(
                id=member.id,
                username=member.username,
                title=member.title,
                body_id=member.body_id,
                active=member.active,
                language=member.language,
            )
        )
        self._c.execute(
            insert(t.member_roles),
            [{"member_id": member.id, "role": role} for role in sorted(member.roles)],
        )

    def get(self, member_id: str) -> Member | None:
        found = self._load(t.members.c.id == member_id)
        return found[0] if found else None

    def get_by_username(self, username: str) -> Member | None:
        found = self._load(t.members.c.username == username)
        return found[0] if found else None

    def get_many(self, member_ids: Collection[str]) -> list[Member]:
        if not member_ids:
            return []
        return self._load(t.members.c.id.in_(sorted(set(member_ids))))

    def list_all(self) -> list[Member]:
        return self._load(None)

    def set_language(self, member_id: str, language: str | None) -> None:
        self._c.execute(
            update(t.members).where(t.members.c.id == member_id).values(language=language)
        )

    def _load(self, where: ColumnElement[bool] | None) -> list[Member]:
        query = select(t.members).order_by(t.members.c.username)
        if where is not None:
            query = query.where(where)
        rows = self._c.execute(query).all()
        roles: dict[str, set[Role]] = {}
        ids = [row.id for row in rows]
        for r in self._c.execute(select(t.member_roles).where(t.member_roles.c.member_id.in_(ids))):
            roles.setdefault(r.member_id, set()).add(Role(r.role))
        return [
            Member(
                id=row.id,
                username=row.username,
                title=row.title,
                body_id=row.body_id,
                roles=frozenset(roles.get(row.id, ())),
                active=row.active,
                language=row.language,
            )
            for row in rows
        ]


_STANDINGS = ("party_ids", "guarantor_ids", "mediator_ids", "observer_ids")


class SqlAgreements:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, agreement: Agreement) -> None:
        key = {"agreement_id": agreement.id, "version": agreement.version}
        self._c.execute(
            insert(t.agreements).values(
                id=agreement.id,
                version=agreement.version,
                title=agreement.title,
                entry_into_force=to_utc(agreement.entry_into_force),
                summary=agreement.summary,
                procedure=json.dumps(procedure_terms(agreement.procedure), sort_keys=True),
                clauses=json.dumps([[c.id, c.text] for c in agreement.clauses]),
            )
        )
        participants = [
            {**key, "body_id": body_id, "standing": standing, "position": i}
            for standing in _STANDINGS
            for i, body_id in enumerate(getattr(agreement, standing))
        ]
        self._c.execute(insert(t.agreement_participants), participants)
        if agreement.excluded_actor_ids:
            self._c.execute(
                insert(t.agreement_exclusions),
                [
                    {**key, "actor_id": actor_id, "position": i}
                    for i, actor_id in enumerate(agreement.excluded_actor_ids)
                ],
            )

    def get(self, agreement_id: str, version: int | None = None) -> Agreement | None:
        if version is None:
            version = self._c.execute(
                select(func.max(t.agreements.c.version)).where(t.agreements.c.id == agreement_id)
            ).scalar()
            if version is None:
                return None
        row = self._c.execute(
            select(t.agreements).where(
                and_(t.agreements.c.id == agreement_id, t.agreements.c.version == version)
            )
        ).first()
        return None if row is None else self._assemble(row.id, row.version, row)

    def list_all(self) -> list[Agreement]:
        latest = (
            select(t.agreements.c.id, func.max(t.agreements.c.version).label("version"))
            .group_by(t.agreements.c.id)
            .subquery()
        )
        rows = self._c.execute(
            select(t.agreements)
            .join(
                latest,
                and_(t.agreements.c.id == latest.c.id, t.agreements.c.version == latest.c.version),
            )
            .order_by(t.agreements.c.id)
        ).all()
        return [self._assemble(row.id, row.version, row) for row in rows]

    def _assemble(self, agreement_id: str, version: int, row: Row[Any]) -> Agreement:
        p = t.agreement_participants
        people: dict[str, list[str]] = {standing: [] for standing in _STANDINGS}
        for part in self._c.execute(
            select(p)
            .where(and_(p.c.agreement_id == agreement_id, p.c.version == version))
            .order_by(p.c.standing, p.c.position)
        ):
            people[part.standing].append(part.body_id)
        x = t.agreement_exclusions
        excluded = self._c.execute(
            select(x.c.actor_id)
            .where(and_(x.c.agreement_id == agreement_id, x.c.version == version))
            .order_by(x.c.position)
        ).scalars()
        return Agreement(
            id=agreement_id,
            version=version,
            title=row.title,
            entry_into_force=from_db_time(row.entry_into_force),
            party_ids=tuple(people["party_ids"]),
            guarantor_ids=tuple(people["guarantor_ids"]),
            mediator_ids=tuple(people["mediator_ids"]),
            observer_ids=tuple(people["observer_ids"]),
            excluded_actor_ids=tuple(excluded),
            summary=row.summary,
            procedure=DEFAULT_PROCEDURE
            if row.procedure is None
            else procedure_from_terms(json.loads(row.procedure)),
            clauses=tuple(Clause(i, text) for i, text in json.loads(row.clauses or "[]")),
        )


class SqlReports:
    """Reports on SQL. On PostgreSQL each statement runs in a row-level security context
    (adapters/sql/rls.py): a given ReportScope acts for that principal; the rest is the
    mechanism's own work, named at each `as_system` call."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, report: Report, idempotency_scope: str) -> None:
        # The service decided `create` for the submitter's body before calling.
        with as_system(self._c, "filing a report the service admitted"):
            self._add(report, idempotency_scope)

    def _add(self, report: Report, idempotency_scope: str) -> None:
        # A savepoint keeps the surrounding transaction usable if the key turns out taken.
        try:
            with self._c.begin_nested():
                self._c.execute(insert(t.reports).values(report_to_row(report, idempotency_scope)))
        except IntegrityError as error:
            if report.content.idempotency_key is not None and self._by_idempotency_key(
                idempotency_scope, report.content.idempotency_key
            ):
                raise IdempotencyKeyTakenError from error
            raise

    def get(self, report_id: str) -> Report | None:
        # Every caller passes the result through a choke point (access_report) or is the
        # record's verification; the choke point must see the row to audit a refusal rightly.
        with as_system(self._c, "one report by id, checked by the caller's choke point"):
            found = (
                self._c.execute(select(t.reports).where(t.reports.c.id == report_id))
                .mappings()
                .first()
            )
        return None if found is None else row_to_report(found)

    def get_many(self, report_ids: Collection[str]) -> list[Report]:
        wanted = list(dict.fromkeys(report_ids))
        found: dict[str, Report] = {}
        # The same context as `get`: each caller checks what it shows through a choke point.
        with as_system(self._c, "reports by id, checked by the caller's choke point"):
            for start in range(0, len(wanted), _MANY_CHUNK):
                chunk = wanted[start : start + _MANY_CHUNK]
                query = select(t.reports).where(one_of(self._c, t.reports.c.id, chunk))
                for row in self._c.execute(query).mappings():
                    report = row_to_report(row)
                    found[report.id] = report
        return [found[i] for i in wanted if i in found]

    def by_idempotency_key(self, idempotency_scope: str, key: str) -> Report | None:
        with as_system(self._c, "a submitter's retry finds its own earlier report"):
            return self._by_idempotency_key(idempotency_scope, key)

    def _by_idempotency_key(self, idempotency_scope: str, key: str) -> Report | None:
        found = (
            self._c.execute(
                select(t.reports).where(
                    and_(
                        t.reports.c.idempotency_scope == idempotency_scope,
                        t.reports.c.idempotency_key == key,
                    )
                )
            )
            .mappings()
            .first()
        )
        return None if found is None else row_to_report(found)

    def page(
        self,
        limit: int,
        after: ReportCursor | None = None,
        scope: ReportScope | None = None,
        submitted_by: str | None = None,
    ) -> list[Report]:
        r = t.reports
        query = (
            select(r)
            .where(r.c.retired.is_(None))
            .order_by(r.c.filed_at.desc(), r.c.id.desc())
            .limit(limit)
        )
        if scope is not None:
            query = query.where(admitted(scope))
        if submitted_by is not None:
            # A member files under their own idempotency scope (MonitoringService), so the
            # unique (idempotency_scope, idempotency_key) index finds their reports among a
            # million imported ones without a new index.
            query = query.where(
                r.c.idempotency_scope == submitted_by, r.c.submitted_by == submitted_by
            )
        if after is not None:
            # Spelled out rather than a row-value comparison, which SQLite and PostgreSQL
            # index differently.
            at = to_utc(after.filed_at)
            query = query.where(
                or_(r.c.filed_at < at, and_(r.c.filed_at == at, r.c.id < after.report_id))
            )
        with self._context(scope, "every report, for the mechanism's own work"):
            return [row_to_report(row) for row in self._c.execute(query).mappings()]

    def count(self, scope: ReportScope | None = None) -> int:
        query = select(func.count()).select_from(t.reports).where(t.reports.c.retired.is_(None))
        if scope is not None:
            query = query.where(admitted(scope))
        with self._context(scope, "the total number of reports, a number and no content"):
            return int(self._c.execute(query).scalar_one())

    def search(self, terms: Sequence[str], limit: int, scope: ReportScope) -> list[Report]:
        r = t.reports
        if not terms:
            return []
        query = (
            select(r)
            .where(r.c.retired.is_(None), admitted(scope), _matching(self._c, terms))
            .order_by(r.c.filed_at.desc(), r.c.id.desc())
            .limit(limit)
        )
        with acting_for(self._c, scope):
            return [row_to_report(row) for row in self._c.execute(query).mappings()]

    def _context(self, scope: ReportScope | None, system_work: str) -> AbstractContextManager[None]:
        """Acting for the scope's principal; without a scope, the port's meaning is "all
        reports", which only the mechanism's own work asks for."""
        if scope is not None:
            return acting_for(self._c, scope)
        return as_system(self._c, system_work)


# Ids per statement of SqlReports.get_many: they travel as one parameter (`one_of`), so
# the bound is on the rows one result holds in memory at once, not on the driver.
_MANY_CHUNK = 10_000

# The FTS5 table the SQLite migration keeps in step with reports.search_text by trigger.
_FTS = table("reports_fts", column("report_id"))


def _matching(connection: Connection, terms: Sequence[str]) -> ColumnElement[bool]:
    """Reports whose search text has a word starting with each term. Terms are words of
    letters and digits only (domain/search.py), so neither query language sees syntax."""
    if connection.dialect.name == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        vector = func.to_tsvector(literal_column("'simple'"), t.reports.c.search_text)
        return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), tsquery))
    fts_query = " ".join(f'"{term}"*' for term in terms)
    matched = (
        select(_FTS.c.report_id)
        .where(text("reports_fts MATCH :fts_query").bindparams(fts_query=fts_query))
        .scalar_subquery()
    )
    return t.reports.c.id.in_(matched)


def admitted(scope: ReportScope) -> ColumnElement[bool]:
    """The scope as SQL: the same test as ReportScope.admits, checked against it in tests."""
    levels = t.reports.c.confidentiality.in_(sorted(level.value for level in scope.levels))
    if scope.own_body_id is None:
        return levels
    return or_(t.reports.c.submitter_body_id == scope.own_body_id, levels)


__all__ = ["SqlActors", "SqlAgreements", "SqlBodies", "SqlMembers", "SqlReports", "admitted"]
