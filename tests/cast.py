"""The named cast as access-policy principals (ARCHITECTURE.md habit 6).

Built from the demo case's bodies and members, so the ids are the ones the application uses:
parties gov and opp, guarantors ru, tr and ir, the mediation un (and the host kz), the
observer us, and the mechanism's own staff.
"""

from __future__ import annotations

from truce.application.demo_case import BODIES, members_of_cast
from truce.domain.access import ANONYMOUS, Principal

_BODIES = {body.id: body for body in BODIES}

CAST: dict[str, Principal] = {
    member.username: Principal.of(member, _BODIES[member.body_id]) for member in members_of_cast()
}

GOV_LIAISON = CAST["gov_liaison"]
OPPOSITION_LIAISON = CAST["opposition_liaison"]
GUARANTOR_RU = CAST["guarantor_ru"]
GUARANTOR_TR = CAST["guarantor_tr"]
GUARANTOR_IR = CAST["guarantor_ir"]
UN_MEDIATOR = CAST["un_mediator"]
HOST_MEDIATOR = CAST["host_mediator"]
MONITOR = CAST["monitor"]
ANALYST = CAST["analyst"]
OBSERVER_US = CAST["observer_us"]
ADMIN = CAST["admin"]
PUBLIC = ANONYMOUS

# Body ids, named for reading tests.
GOV = "gov"
OPP = "opp"
RU = "ru"
TR = "tr"
IR = "ir"
UN = "un"
MECHANISM = "mechanism"

GUARANTORS = frozenset({"guarantor_ru", "guarantor_tr", "guarantor_ir"})
MEDIATORS = frozenset({"un_mediator", "host_mediator"})
MECHANISM_STAFF = frozenset({"monitor", "analyst"})
EVERYONE = frozenset(CAST)
