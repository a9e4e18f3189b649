"""In-memory fakes of members' keys and signed decisions, with the same constraints as SQL:
one payload hash once, one decision per slot revision, one current key per member."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.domain.decisions import DecisionTakenError, KeyEnd, MemberKey, StoredDecision
from truce.domain.errors import ConflictError


@dataclass
class MemoryDecisionState:
    keys: dict[str, MemberKey] = field(default_factory=dict)
    decisions: dict[str, StoredDecision] = field(default_factory=dict)

    def copy(self) -> MemoryDecisionState:
        return MemoryDecisionState(dict(self.keys), dict(self.decisions))


class MemoryMemberKeys:
    def __init__(self, state: MemoryDecisionState) -> None:
        self._s = state

    def add(self, key: MemberKey) -> None:
        if key.key_id in self._s.keys:
            raise ConflictError("this public key is registered already")
        if key.current and self.current(key.member_id) is not None:
            raise ConflictError("the member has a current key")
        self._s.keys[key.key_id] = key

    def get(self, key_id: str) -> MemberKey | None:
        return self._s.keys.get(key_id)

    def current(self, member_id: str) -> MemberKey | None:
        return next((k for k in self.for_member(member_id) if k.current), None)

    def for_member(self, member_id: str) -> list[MemberKey]:
        # Insertion order is the order added.
        return [k for k in self._s.keys.values() if k.member_id == member_id]

    def end(self, key_id: str, at: datetime, end: KeyEnd) -> None:
        key = self._s.keys.get(key_id)
        if key is not None and key.current:
            self._s.keys[key_id] = replace(key, ended_at=at, end=end)


class MemorySignedDecisions:
    def __init__(self, state: MemoryDecisionState) -> None:
        self._s = state

    def add(self, stored: StoredDecision) -> None:
        taken = stored.payload_hash in self._s.decisions or any(
            other.revision == stored.revision for other in self.in_slot(*stored.decision.slot)
        )
        if taken:
            raise DecisionTakenError
        self._s.decisions[stored.payload_hash] = stored

    def get(self, payload_hash: str) -> StoredDecision | None:
        return self._s.decisions.get(payload_hash)

    def in_slot(
        self, member_id: str, kind: str, object_kind: str, object_id: str, object_hash: str
    ) -> list[StoredDecision]:
        slot = (member_id, kind, object_kind, object_id, object_hash)
        found = [d for d in self._s.decisions.values() if d.decision.slot == slot]
        return sorted(found, key=lambda d: d.revision)

    def about(self, object_kind: str, object_id: str) -> list[StoredDecision]:
        found = [
            d
            for d in self._s.decisions.values()
            if (d.decision.object_kind, d.decision.object_id) == (object_kind, object_id)
        ]
        return sorted(found, key=lambda d: (d.received_at, d.revision, d.payload_hash))
