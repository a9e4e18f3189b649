"""The Astana case of January 2017, seeded for `truce demo` (DOMAIN.md).

People appear by role title only: the platform holds sensitive material about real people.
Facts follow public reporting of the time; each later capability adds its part here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from truce.application.decisions import DecisionDraft, DecisionService
from truce.application.member_keys import MemberKeyService
from truce.application.monitoring import MonitoringService
from truce.application.registry import RegistryService
from truce.domain.agreements import Agreement
from truce.domain.decisions import DecisionKind
from truce.domain.parties import Actor, ActorKind, Alias, Body, BodyKind, Member, Role
from truce.domain.reports import parse_file_report

AGREEMENT_ID = "syria-ceasefire-2016"
DAMASCUS = timezone(timedelta(hours=2), "EET")

BODIES = (
    Body("gov", BodyKind.PARTY, "Government of the Syrian Arab Republic", {
        "ar": "حكومة الجمهورية العربية السورية",
        "ru": "Правительство Сирийской Арабской Республики"}),
    Body("opp", BodyKind.PARTY, "Syrian armed opposition",
         {"ar": "المعارضة السورية المسلحة", "tr": "Suriyeli silahlı muhalefet"}),
    Body("ru", BodyKind.GUARANTOR, "Russian Federation",
         {"ru": "Российская Федерация", "ar": "الاتحاد الروسي"}),
    Body("tr", BodyKind.GUARANTOR, "Republic of Turkey",
         {"tr": "Türkiye Cumhuriyeti", "ar": "الجمهورية التركية"}),
    Body("ir", BodyKind.GUARANTOR, "Islamic Republic of Iran",
         {"fa": "جمهوری اسلامی ایران", "ar": "الجمهورية الإسلامية الإيرانية"}),
    Body("un", BodyKind.MEDIATION, "Office of the UN Special Envoy for Syria",
         {"ar": "مكتب المبعوث الخاص للأمم المتحدة إلى سوريا"}),
    Body("kz", BodyKind.MEDIATION, "Republic of Kazakhstan (host)",
         {"ru": "Республика Казахстан (принимающая сторона)"}),
    Body("us", BodyKind.OBSERVER, "United States of America",
         {"ar": "الولايات المتحدة الأمريكية"}),
    Body("ae", BodyKind.OBSERVER, "United Arab Emirates",
         {"ar": "الإمارات العربية المتحدة"}),
    Body("mechanism", BodyKind.MECHANISM, "Ceasefire monitoring mechanism",
         {"ar": "آلية مراقبة وقف إطلاق النار"}),
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
)

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
