"""The Astana case of January 2017, seeded for `truce demo` (DOMAIN.md).

People appear by role title only: the platform holds sensitive material about real people.
Facts follow public reporting of the time; each later capability adds its part here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from truce.application.decisions import DecisionDraft, DecisionService
from truce.application.incidents import IncidentService
from truce.application.member_keys import MemberKeyService
from truce.application.monitoring import MonitoringService
from truce.application.procedure import DeterminationDraft, ProcedureService
from truce.application.registry import RegistryService
from truce.application.talks import RoundDraft, TalksService
from truce.domain.access import Principal
from truce.domain.agreements import Agreement, Clause
from truce.domain.decisions import DecisionKind
from truce.domain.parties import Actor, ActorKind, Alias, Body, BodyKind, Member, Role
from truce.domain.procedure import DecisionRule, Procedure, Step, VoteValue
from truce.domain.procedure_records import CoverageGap, GapKind, Severity
from truce.domain.reports import parse_file_report
from truce.domain.talks import RelayMode, SubjectKind, TalkFormat

AGREEMENT_ID = "syria-ceasefire-2016"
DAMASCUS = timezone(timedelta(hours=2), "EET")

BODIES = (
    Body("gov", BodyKind.PARTY, "Government of the Syrian Arab Republic", {
        "ar": "حكومة الجمهورية العربية السورية",
        "ru": "Правительство Сирийской Арабской Республики",
        "tr": "Suriye Arap Cumhuriyeti Hükümeti",
        "fa": "دولت جمهوری عربی سوریه"}),
    Body("opp", BodyKind.PARTY, "Syrian armed opposition", {
        "ar": "المعارضة السورية المسلحة", "tr": "Suriyeli silahlı muhalefet",
        "ru": "Сирийская вооружённая оппозиция", "fa": "مخالفان مسلح سوریه"}),
    Body("ru", BodyKind.GUARANTOR, "Russian Federation", {
        "ru": "Российская Федерация", "ar": "الاتحاد الروسي",
        "tr": "Rusya Federasyonu", "fa": "فدراسیون روسیه"}),
    Body("tr", BodyKind.GUARANTOR, "Republic of Turkey", {
        "tr": "Türkiye Cumhuriyeti", "ar": "الجمهورية التركية",
        "ru": "Турецкая Республика", "fa": "جمهوری ترکیه"}),
    Body("ir", BodyKind.GUARANTOR, "Islamic Republic of Iran", {
        "fa": "جمهوری اسلامی ایران", "ar": "الجمهورية الإسلامية الإيرانية",
        "ru": "Исламская Республика Иран", "tr": "İran İslam Cumhuriyeti"}),
    Body("un", BodyKind.MEDIATION, "Office of the UN Special Envoy for Syria", {
        "ar": "مكتب المبعوث الخاص للأمم المتحدة إلى سوريا",
        "ru": "Канцелярия Специального посланника ООН по Сирии",
        "tr": "BM Suriye Özel Temsilcisi Ofisi",
        "fa": "دفتر فرستاده ویژه سازمان ملل متحد در امور سوریه"}),
    Body("kz", BodyKind.MEDIATION, "Republic of Kazakhstan (host)", {
        "ru": "Республика Казахстан (принимающая сторона)",
        "ar": "جمهورية كازاخستان (البلد المضيف)",
        "tr": "Kazakistan Cumhuriyeti (ev sahibi)", "fa": "جمهوری قزاقستان (میزبان)"}),
    Body("us", BodyKind.OBSERVER, "United States of America", {
        "ar": "الولايات المتحدة الأمريكية", "ru": "Соединённые Штаты Америки",
        "tr": "Amerika Birleşik Devletleri", "fa": "ایالات متحده آمریکا"}),
    Body("ae", BodyKind.OBSERVER, "United Arab Emirates", {
        "ar": "الإمارات العربية المتحدة", "ru": "Объединённые Арабские Эмираты",
        "tr": "Birleşik Arap Emirlikleri", "fa": "امارات متحده عربی"}),
    Body("mechanism", BodyKind.MECHANISM, "Ceasefire monitoring mechanism", {
        "ar": "آلية مراقبة وقف إطلاق النار",
        "ru": "Механизм мониторинга режима прекращения огня",
        "tr": "Ateşkes izleme mekanizması", "fa": "سازوکار نظارت بر آتش‌بس"}),
)  # fmt: skip

ACTORS = (
    Actor("saa", "Syrian Arab Army", ActorKind.STATE_FORCES, "gov", aliases=(
        Alias("الجيش العربي السوري", "ar"), Alias("Syrian army", "en"),
        Alias("Сирийская арабская армия", "ru"), Alias("regime forces", "en"))),
    Actor("hezbollah", "Hezbollah", ActorKind.MILITIA, "gov", aliases=(
        Alias("حزب الله", "ar"), Alias("Hizbullah", "en"), Alias("Hizbollah", "en"),
        Alias("Хезболла", "ru"), Alias("Hizbullah", "tr"), Alias("حزب‌الله", "fa"))),
    Actor("fsa", "Free Syrian Army", ActorKind.ARMED_GROUP, "opp", aliases=(
        Alias("الجيش السوري الحر", "ar"), Alias("FSA", "en"), Alias("Özgür Suriye Ordusu", "tr"),
        Alias("Свободная сирийская армия", "ru"))),
    Actor("jaysh-al-islam", "Jaysh al-Islam", ActorKind.ARMED_GROUP, "opp", aliases=(
        Alias("جيش الإسلام", "ar"), Alias("Army of Islam", "en"), Alias("Jaish al-Islam", "en"),
        Alias("Джейш аль-Ислам", "ru"))),
    Actor("islamic-state", "Islamic State", ActorKind.ARMED_GROUP, excluded=True, aliases=(
        Alias("الدولة الإسلامية", "ar"), Alias("داعش", "ar"), Alias("ISIS", "en"),
        Alias("ISIL", "en"), Alias("Daesh", "en"), Alias("ИГИЛ", "ru"), Alias("IŞİD", "tr"),
        Alias("داعش", "fa"))),
    Actor("jfs", "Jabhat Fateh al-Sham", ActorKind.ARMED_GROUP, excluded=True, aliases=(
        Alias("جبهة فتح الشام", "ar"), Alias("Jabhat al-Nusra", "en"),
        Alias("al-Nusra Front", "en"),
        Alias("جبهة النصرة", "ar"), Alias("Джебхат ан-Нусра", "ru"), Alias("Nusra Cephesi", "tr"))),
    Actor("tsk", "Turkish Armed Forces", ActorKind.FOREIGN_FORCES, aliases=(
        Alias("Türk Silahlı Kuvvetleri", "tr"), Alias("القوات المسلحة التركية", "ar"))),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    title: str
    body_id: str
    role: Role


# The named cast of ARCHITECTURE.md, by role title.
CAST = (
    DemoAccount("gov_liaison", "Government delegation liaison officer", "gov", Role.PARTY_LIAISON),
    DemoAccount(
        "opposition_liaison", "Head of the opposition delegation", "opp", Role.PARTY_LIAISON
    ),
    DemoAccount("guarantor_ru", "Russian negotiator", "ru", Role.GUARANTOR_DELEGATE),
    DemoAccount("guarantor_tr", "Turkish negotiator", "tr", Role.GUARANTOR_DELEGATE),
    DemoAccount("guarantor_ir", "Iranian negotiator", "ir", Role.GUARANTOR_DELEGATE),
    DemoAccount("un_mediator", "UN Special Envoy's mediator", "un", Role.MEDIATOR),
    DemoAccount("host_mediator", "Kazakh host's liaison", "kz", Role.MEDIATOR),
    DemoAccount("monitor", "Field monitor, Rif Dimashq", "mechanism", Role.MONITOR),
    DemoAccount("analyst", "Mechanism analyst", "mechanism", Role.ANALYST),
    DemoAccount("observer_us", "United States ambassador (observer)", "us", Role.OBSERVER),
    DemoAccount("admin", "Platform operator", "mechanism", Role.OPERATOR),
)

AGREEMENT = Agreement(
    id=AGREEMENT_ID,
    version=1,
    title="Nationwide ceasefire in the Syrian Arab Republic",
    entry_into_force=datetime(2016, 12, 30, 0, 0, tzinfo=DAMASCUS),
    party_ids=("gov", "opp"),
    guarantor_ids=("ru", "tr", "ir"),
    mediator_ids=("un", "kz"),
    observer_ids=("us", "ae"),
    excluded_actor_ids=("islamic-state", "jfs"),
    summary=(
        "Brokered by Russia and Turkey, later joined by Iran as guarantor; welcomed by UN "
        "Security Council resolution 2336 (31 December 2016). Groups designated as terrorist "
        "are outside the truce."
    ),
    # The demo's reading of the trilateral mechanism: the three guarantors decide by majority,
    # each vote and every dissent on the record; the accused has 72 hours to reply.
    procedure=Procedure(decision_rule=DecisionRule.MAJORITY, quorum=2),
    clauses=(
        Clause("cessation", "The parties cease all armed attacks, including with aircraft, "
               "artillery and mortars, and refrain from taking territory."),
        Clause("excluded-groups", "The ceasefire does not apply to the Islamic State and "
               "Jabhat Fateh al-Sham; acts against them are outside the truce."),
        Clause("infrastructure", "The parties refrain from attacks on civilian "
               "infrastructure, water supply included."),
        Clause("humanitarian-access", "The parties allow rapid and unhindered humanitarian "
               "access."),
    ),
)  # fmt: skip

# Accounts filed around Wadi Barada and elsewhere in the first week of January 2017. Each is
# (submitting username, fields as a client would send them). The first four tell of one
# shelling four ways and become one incident with its claims side by side (issue 7): the
# opposition names the army and Hezbollah and the village of Basimah; the government blames
# Jabhat Fateh al-Sham at Ain al-Fijah, in Arabic; a monitor gives coordinates and no
# perpetrator; an Arabic news item counts three dead. The parties file them for the
# mechanism, so its analysts and the guarantors read them.
REPORTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("opposition_liaison", {
        "source_kind": "party_liaison", "source_name": "Opposition delegation liaison office",
        "reliability": "C", "credibility": 3, "event_type": "shelling",
        "occurred_from": "2017-01-02T05:00+02:00", "occurred_to": "2017-01-02T11:00+02:00",
        "place_text": "Basimah, Wadi Barada", "perpetrator": "Syrian Arab Army; Hezbollah",
        "target": "villages of Wadi Barada", "killed": 4, "injured": 11,
        "narrative": "Government forces and Hezbollah fighters continued their offensive on "
                     "Wadi Barada despite the ceasefire; artillery fell on Basimah at dawn, "
                     "and the army blames the fighters for the damage to the Ain al-Fijah "
                     "spring.",
        "narrative_lang": "en", "confidentiality": "mechanism", "idempotency_key": "demo-1",
    }),
    ("gov_liaison", {
        "source_kind": "party_liaison", "source_name": "Government delegation liaison office",
        "reliability": "C", "credibility": 3, "event_type": "attack_on_protected_infrastructure",
        "occurred_from": "2017-01-02T00:00+02:00", "occurred_to": "2017-01-02T23:59+02:00",
        "place_text": "عين الفيجة", "perpetrator": "Jabhat Fateh al-Sham",
        "target": "Ain al-Fijah spring (water supply of Damascus)",
        "narrative": "المجموعات الإرهابية في وادي بردى تمنع ضخ المياه من نبع عين الفيجة إلى دمشق، "
                     "والعمليات مستمرة ضد جبهة فتح الشام المستثناة من الهدنة.",
        "narrative_lang": "ar", "confidentiality": "mechanism", "idempotency_key": "demo-2",
    }),
    ("monitor", {
        "source_kind": "field_monitor", "source_name": "Mechanism field team, Rif Dimashq",
        "reliability": "B", "credibility": 2, "event_type": "shelling",
        "occurred_from": "2017-01-02T06:10+02:00", "occurred_to": "2017-01-02T06:40+02:00",
        "place_text": "Wadi Barada", "latitude": 33.6539, "longitude": 36.1022,
        "narrative": "Remote observation: impacts of artillery rounds west of Basimah over about "
                     "thirty minutes; point of origin not observable from the position held.",
        "narrative_lang": "en", "confidentiality": "mechanism", "idempotency_key": "demo-3",
    }),
    ("monitor", {
        "source_kind": "news", "source_name": "Open-source monitoring (Arabic press)",
        "reliability": "D", "credibility": 4, "event_type": "shelling",
        "occurred_from": "2017-01-02T00:00+02:00", "occurred_to": "2017-01-02T23:59+02:00",
        "place_text": "وادي بردى", "killed": 3,
        "narrative": "قصف مدفعي على قرى وادي بردى في ريف دمشق الشمالي الغربي ومقتل ثلاثة مدنيين.",
        "narrative_lang": "ar", "confidentiality": "public", "idempotency_key": "demo-4",
    }),
    ("gov_liaison", {
        "source_kind": "party_liaison", "source_name": "Government delegation liaison office",
        "reliability": "C", "credibility": 3, "event_type": "incursion",
        "occurred_from": "2017-01-05T00:00+02:00", "occurred_to": "2017-01-05T23:59+02:00",
        "place_text": "al-Bab, Aleppo", "perpetrator": "Turkish Armed Forces",
        "narrative": "Turkish forces operating around al-Bab without the consent of the Syrian "
                     "government; the government questions a guarantor acting on its territory.",
        "narrative_lang": "en", "confidentiality": "guarantors", "idempotency_key": "demo-5",
    }),
    ("guarantor_ru", {
        "source_kind": "guarantor_centre",
        "source_name": "Russian ceasefire centre, daily bulletin",
        "reliability": "B", "credibility": 3, "event_type": "shelling",
        "occurred_from": "2017-01-04T00:00+02:00", "occurred_to": "2017-01-04T23:59+02:00",
        "place_text": "Aleppo governorate",
        "narrative": "Bulletin: ceasefire violations recorded in Aleppo governorate in the past "
                     "24 hours; shelling of government positions reported.",
        "narrative_lang": "en", "confidentiality": "mechanism", "idempotency_key": "demo-6",
    }),
)  # fmt: skip


def members_of_cast() -> list[Member]:
    return [
        Member(
            id=f"member-{account.username}",
            username=account.username,
            title=account.title,
            body_id=account.body_id,
            roles=frozenset({account.role}),
        )
        for account in CAST
    ]


# Signed decisions the demo makes: the two parties signed the ceasefire of 29 December 2016;
# a guarantor acknowledges the terms it polices. (username, kind, value, reasons)
DECISIONS: tuple[tuple[str, DecisionKind, str, str], ...] = (
    ("gov_liaison", DecisionKind.ENDORSEMENT, "endorse", "Signed in Ankara and Damascus."),
    ("opposition_liaison", DecisionKind.ENDORSEMENT, "endorse", "Signed by the factions."),
    ("guarantor_ru", DecisionKind.ACKNOWLEDGEMENT, "acknowledge", ""),
)


def seed_astana_case(
    registry: RegistryService,
    monitoring: MonitoringService,
    member_keys: MemberKeyService | None = None,
) -> bool:
    """Seed the case into an empty store, giving each member of the cast a signing key held
    by the server when `member_keys` is given. Returns False, changing nothing, if already
    seeded."""
    if any(a.id == AGREEMENT_ID for a in registry.directory().agreements):
        return False
    for body in BODIES:
        registry.add_body(body)
    for actor in ACTORS:
        registry.add_actor(actor)
    members = {member.username: member for member in members_of_cast()}
    for member in members.values():
        registry.add_member(member)
        if member_keys is not None:
            member_keys.generate(member.id)
    registry.conclude_agreement(AGREEMENT)
    now = monitoring.clock.now()
    for username, fields in REPORTS:
        command = parse_file_report(fields, now=now)
        monitoring.file_report(command, submitter=members[username])
    return True


def seed_decisions(decisions: DecisionService, password: str) -> int:
    """Sign the demo's decisions with the cast's server-held keys; `password` is the demo
    password each member re-authenticates with, as anyone signing through the server must."""
    members = {member.username: member for member in members_of_cast()}
    for username, kind, value, reasons in DECISIONS:
        draft = DecisionDraft(kind, "agreement", AGREEMENT_ID, value, reasons)
        decisions.sign_for_member(members[username], password, draft, address="console")
    return len(DECISIONS)


# --- the talks: the Astana round of 23-24 January 2017 (issue 9) -------------------------------

ROUND_LABELS = {
    "gov": "the government",
    "opp": "the opposition",
    "ru": "Russia",
    "tr": "Turkey",
    "ir": "Iran",
    "un": "the UN envoy",
    "kz": "Kazakhstan",
}

ASTANA_ROUND = RoundDraft(
    title="International meeting on Syria",
    place="Astana, Kazakhstan (hotel venue)",
    starts_on=date(2017, 1, 23),
    ends_on=date(2017, 1, 24),
    format=TalkFormat.PROXIMITY,
    party_ids=("gov", "opp"),
    guarantor_ids=("ru", "tr", "ir"),
    observer_ids=("us", "ae"),
    # The joint statement was the guarantors' own: they approve its publication.
    approver_ids=("ru", "tr", "ir"),
    other_mediator_ids=("kz",),
    labels=ROUND_LABELS,
)

COMMUNIQUE = (
    (
        "Iran, Russia and Turkey reaffirm their commitment to the sovereignty, independence, unity "
        "and territorial integrity of the Syrian Arab Republic."
    ),
    "They [[support || welcome]] the nationwide ceasefire that took effect on 30 December 2016.",
    (
        "They decide to establish a trilateral mechanism to observe and ensure full compliance "
        "with the ceasefire, prevent provocations and determine all modalities of the ceasefire."
    ),
    "They reiterate their determination to fight jointly against ISIL/Daesh and Jabhat al-Nusra.",
)

OPPOSITION_PROPOSAL = (
    "The talks are limited to consolidating the ceasefire across all of Syria.",
    (
        "The offensive on Wadi Barada stops and the Ain al-Fijah spring is repaired under neutral "
        "supervision."
    ),
    "Iranian-backed militias and foreign fighters withdraw; Iran is not accepted as guarantor.",
)


def seed_talks(talks: TalksService, password: str) -> str:
    """Replay the round: messages relayed both ways, positions, the communique drafted with a
    bracket then settled, endorsed by the three guarantors and rejected by the opposition with
    its counter-proposal, then published to observers. Returns the round id."""
    members = {member.username: member for member in members_of_cast()}
    mediator = members["un_mediator"]
    round_ = talks.open_round(mediator, ASTANA_ROUND)
    view = talks.round_view(Principal.of(mediator, _body("un")), round_.id)
    channels = {c.body_id: c for c in view.channels if c.body_id}
    opp_says = talks.post_message(
        members["opposition_liaison"],
        channels["opp"].id,
        "We came to consolidate the ceasefire. The government offensive on Wadi Barada is a "
        "breach and must stop before anything else.",
    )
    talks.relay(mediator, opp_says.id, channels["gov"].id, RelayMode.VERBATIM)
    gov_says = talks.post_message(
        members["gov_liaison"],
        channels["gov"].id,
        "Operations in Wadi Barada target Jabhat Fateh al-Sham, which the truce excludes, "
        "and will continue until the water of Damascus flows again.",
    )
    talks.relay(
        mediator,
        gov_says.id,
        channels["opp"].id,
        RelayMode.PARAPHRASE,
        "The government holds that its operations in Wadi Barada target groups outside the "
        "truce and are tied to restoring the water supply of Damascus.",
    )
    item = view.agenda[0]
    talks.state_position(members["gov_liaison"], round_.id, item.id, "accept")
    talks.state_position(
        members["opposition_liaison"],
        round_.id,
        item.id,
        "accept_with_reservation",
        "Only with Iranian-backed militias out of the monitoring.",
        shareable=True,
    )
    communique = talks.create_document(mediator, round_.id, "Joint statement", list(COMMUNIQUE))
    first = talks.document_view(Principal.of(mediator, _body("un")), communique.id).version
    settled = [(c.id, c.text.replace("[[support || welcome]]", "support")) for c in first.clauses]
    talks.edit_document(mediator, communique.id, 1, settled)
    proposal = talks.create_document(
        members["opposition_liaison"],
        round_.id,
        "Opposition proposal on the ceasefire",
        list(OPPOSITION_PROPOSAL),
    )
    for username in ("guarantor_ru", "guarantor_tr", "guarantor_ir"):
        talks.endorse(members[username], password, communique.id, 2, "endorse", address="console")
    talks.endorse(
        members["opposition_liaison"],
        password,
        communique.id,
        2,
        "counter_proposal",
        "The statement does not stop the offensive on Wadi Barada and names Iran as guarantor.",
        counter_document_id=proposal.id,
        address="console",
    )
    publication = talks.request_publication(
        mediator, SubjectKind.DOCUMENT_VERSION, f"{communique.id}/2"
    )
    for username in ("guarantor_ru", "guarantor_tr", "guarantor_ir"):
        talks.approve(members[username], password, publication.id, address="console")
    talks.publish(mediator, publication.id)
    return round_.id


def _body(body_id: str) -> Body:
    return next(body for body in BODIES if body.id == body_id)


# The Wadi Barada shelling of 2 January 2017 through the whole procedure: the opposition
# accused the government; the government answered that its operations target Jabhat Fateh
# al-Sham, which the truce excludes; Russia and Iran accepted that, Turkey held it a breach.
WADI_BARADA_VOTES: tuple[tuple[str, VoteValue, str], ...] = (
    ("guarantor_ru", VoteValue.NOT_A_VIOLATION,
     ("Operations against Jabhat Fateh al-Sham, which the ceasefire excludes; the spring "
     "supplying Damascus was held by it.")),
    ("guarantor_ir", VoteValue.NOT_A_VIOLATION,
     "Counter-terrorism operations outside the scope of the truce."),
    ("guarantor_tr", VoteValue.CONFIRMED,
     ("Villages of Wadi Barada held by groups party to the truce were shelled by government "
     "forces and Hezbollah: a breach of the cessation of hostilities.")),
)  # fmt: skip


def _wadi_barada_incident(incidents: IncidentService, analyst: Principal) -> str | None:
    for view in incidents.list_incidents(analyst):
        if any(r.content.source_kind == "field_monitor" for r in view.reports) and any(
            "Wadi Barada" in (r.content.place_text or "") for r in view.reports
        ):
            return view.incident.id
    return None


def seed_procedure(
    procedure: ProcedureService,
    incidents: IncidentService,
    registry: RegistryService,
    password: str,
) -> str | None:
    """Take the Wadi Barada incident from report to published determination, with the
    government's reply and Turkey's dissent. Returns the incident id (None if not found)."""
    members = {member.username: member for member in members_of_cast()}
    analyst, monitor = members["analyst"], members["monitor"]
    incident_id = _wadi_barada_incident(incidents, registry.principal_for(analyst))
    if incident_id is None:
        return None
    procedure.take_step(
        analyst,
        incident_id,
        Step.TRIAGE,
        accused_body_id="gov",
        note="The opposition accuses government forces and Hezbollah.",
    )
    procedure.take_step(analyst, incident_id, Step.INVESTIGATE)
    procedure.assign_monitor(analyst, incident_id, monitor.id)
    procedure.file_investigation_report(
        monitor,
        incident_id,
        observed="violation_observed",
        coverage="partly_observed",
        findings="Impacts of artillery rounds west of Basimah over about thirty minutes.",
        gaps=[
            CoverageGap(
                GapKind.NOT_OBSERVABLE,
                "firing positions west of Basimah",
                "point of origin not observable from the position held",
            )
        ],
    )
    request = procedure.request_reply(
        analyst,
        incident_id,
        "Artillery fell on Basimah, Wadi Barada, at dawn on 2 January 2017; the opposition "
        "holds government forces and Hezbollah responsible.",
    )
    procedure.reply(
        members["gov_liaison"],
        request.id,
        "Operations in Wadi Barada target Jabhat Fateh al-Sham, which holds the Ain al-Fijah "
        "spring and cut the water of Damascus; the ceasefire does not cover it.",
    )
    procedure.take_step(analyst, incident_id, Step.OPEN_DELIBERATION)
    for username, value, reasons in WADI_BARADA_VOTES:
        procedure.cast_vote(
            members[username], password, incident_id, value, reasons, address="console"
        )
    procedure.determine(
        analyst,
        incident_id,
        DeterminationDraft(
            attributed_party_id="gov",
            attributed_actor_id="saa",
            clause_ids=("cessation", "excluded-groups"),
            severity=Severity.SERIOUS,
            summary="By majority, the board found the shelling of Basimah part of operations "
            "against Jabhat Fateh al-Sham, which the ceasefire excludes; Turkey dissents "
            "and holds it a breach of the cessation of hostilities.",
        ),
    )
    procedure.take_step(analyst, incident_id, Step.PUBLISH)
    return incident_id  # fmt: skip
