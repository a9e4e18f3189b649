"""Evidence on SQL: attachments and their custody events.

Every statement runs in the system context: the application's choke points
(application/evidence.py) decide who may see what, and need to see the row to audit a
refusal rightly, as for reports by id. Row-level security still binds any statement that
names no context (migration 098659a063e9).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from truce.adapters.sql import evidence_tables as et
from truce.adapters.sql.intake_repositories import IN_CHUNK
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.adapters.sql.rls import as_system
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import ConflictError
from truce.domain.evidence import CopyKind, CustodyAction, CustodyEvent, DerivedCopy, Evidence

_WHY = "evidence for a choke point that decides and audits access"


class SqlEvidence:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, evidence: Evidence) -> None:
        try:
            with (
                self._c.begin_nested(),
                as_system(self._c, "attaching evidence the service admitted"),
            ):
                self._c.execute(insert(et.evidence).values(_evidence_row(evidence)))
        except IntegrityError as error:
            raise ConflictError("the report has this file already") from error

    def get(self, evidence_id: str) -> Evidence | None:
        return next(iter(self._select(et.evidence.c.id == evidence_id)), None)

    def find(self, report_id: str, sha256: str) -> Evidence | None:
        e = et.evidence.c
        return next(iter(self._select((e.report_id == report_id) & (e.sha256 == sha256))), None)

    def with_sha256(self, sha256: str) -> list[Evidence]:
        return self._select(et.evidence.c.sha256 == sha256)

    def for_report(self, report_id: str) -> list[Evidence]:
        return self._select(et.evidence.c.report_id == report_id)

    def _select(self, where: Any) -> list[Evidence]:  # noqa: ANN401 - a SQL expression
        e = et.evidence
        query = select(e).where(where).order_by(e.c.uploaded_at, e.c.id)
        with as_system(self._c, _WHY):
            rows = self._c.execute(query).mappings().all()
        return [_evidence(row) for row in rows]

    def add_custody(self, event: CustodyEvent) -> None:
        with as_system(self._c, "appending a custody event the service made"):
            self._c.execute(
                insert(et.evidence_custody).values(
                    evidence_id=event.evidence_id,
                    action=event.action.value,
                    at=to_utc(event.at),
                    member_id=event.member_id,
                    body_id=event.body_id,
                    address=None if event.address is None else event.address[:100],
                    detail=event.detail[:300],
                )
            )

    def custody(self, evidence_ids: Collection[str]) -> list[CustodyEvent]:
        c = et.evidence_custody
        ids = sorted(set(evidence_ids))
        found: list[CustodyEvent] = []
        with as_system(self._c, _WHY):
            for start in range(0, len(ids), IN_CHUNK):
                query = select(c).where(c.c.evidence_id.in_(ids[start : start + IN_CHUNK]))
                found.extend(_custody(row) for row in self._c.execute(query).mappings())
        return sorted(found, key=lambda event: event.seq or 0)


def _evidence_row(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "sha256": evidence.sha256,
        "report_id": evidence.report_id,
        "owner_body_id": evidence.owner_body_id,
        "confidentiality": evidence.confidentiality.value,
        "file_name": evidence.file_name,
        "media_type": evidence.media_type,
        "size": evidence.size,
        "uploaded_by": evidence.uploaded_by,
        "uploaded_at": to_utc(evidence.uploaded_at),
        "file_metadata": json.dumps(evidence.metadata, ensure_ascii=False, sort_keys=True),
        "derived": json.dumps(
            [
                {
                    "kind": d.kind.value,
                    "sha256": d.sha256,
                    "media_type": d.media_type,
                    "size": d.size,
                }
                for d in evidence.derived
            ]
        ),
    }


def _evidence(row: Any) -> Evidence:  # noqa: ANN401 - a RowMapping
    return Evidence(
        id=row["id"],
        sha256=row["sha256"],
        report_id=row["report_id"],
        owner_body_id=row["owner_body_id"],
        confidentiality=Confidentiality(row["confidentiality"]),
        file_name=row["file_name"],
        media_type=row["media_type"],
        size=row["size"],
        uploaded_by=row["uploaded_by"],
        uploaded_at=from_db_time(row["uploaded_at"]),
        metadata=dict(json.loads(row["file_metadata"])),
        derived=tuple(
            DerivedCopy(CopyKind(d["kind"]), d["sha256"], d["media_type"], d["size"])
            for d in json.loads(row["derived"])
        ),
    )


def _custody(row: Any) -> CustodyEvent:  # noqa: ANN401 - a RowMapping
    return CustodyEvent(
        evidence_id=row["evidence_id"],
        action=CustodyAction(row["action"]),
        at=from_db_time(row["at"]),
        member_id=row["member_id"],
        body_id=row["body_id"],
        address=row["address"],
        detail=row["detail"],
        seq=row["seq"],
    )
