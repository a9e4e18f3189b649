"""Every label of the compliance report, in English and Arabic, in one place: when the app
gains its message catalogues (Babel/gettext), these strings move there as they are."""

from __future__ import annotations

from collections.abc import Mapping

from truce.domain.compliance import GOVERNORATE_BY_PCODE, NOT_STATED
from truce.domain.errors import FieldError, InvalidInputError

LANGUAGES = ("en", "ar")

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title.daily": "Daily compliance report",
        "title.weekly": "Weekly compliance summary",
        "title.monthly": "Monthly compliance summary",
        "edition.public": "Public edition",
        "edition.restricted": "Restricted edition for",
        "period": "Period",
        "generated": "Generated",
        "reported": "Reported violations",
        "total": "Total reported",
        "previous": "Previous period",
        "change": "Change",
        "by_governorate": "By governorate",
        "by_party": "By party accused",
        "by_type": "By type",
        "by_side": "By reporting side",
        "side_by_governorate": "What each side reported, by governorate",
        "governorate": "Governorate",
        "party": "Party accused",
        "type": "Type",
        "side": "Reporting side",
        "count": "Count",
        "confirmations": "Each side's confirmations of the other's reports",
        "confirming": "Confirming side",
        "reported_by": "Reports of",
        "reported_n": "Reported",
        "confirmed_n": "Confirmed",
        "no_confirmations": "No side stated confirmations for this period.",
        "trend": "Reported violations, earlier periods",
        "daily_totals": "Reported violations per day",
        "map": "Map: reported violations per governorate",
        "map.outlines": "Governorate outlines: OCHA COD-AB (2016).",
        "map.schematic": "Schematic map: governorate outlines not loaded.",
        "confirmed": "Confirmed violations",
        "confirmed_total": "Violations the board confirmed",
        "note.confirmed": (
            "An incident counts on the day of its earliest report this edition holds; a "
            "confirmed violation is a determination that found a violation, and the party "
            "accused is the party it was attributed to."
        ),
        "no_confirmed": "The board confirmed no violation among this period's incidents.",
        "guarantors": "Each guarantor's positions on the period's incidents",
        "guarantor": "Guarantor",
        "no_guarantors": "No determination of this period that this edition may show.",
        "determinations": "Notable incidents and their determinations",
        "no_determinations": (
            "No incident of this period has a determination this edition may show."
        ),
        "incident": "Incident",
        "finding": "Finding",
        "attributed": "Attributed to",
        "unattributed": "Not attributed",
        "clauses": "Clauses",
        "severity": "Severity",
        "votes": "Votes",
        "dissent": "Dissent",
        "no_dissent": "None",
        "excluded": "The perpetrator is a group the agreement leaves outside the truce",
        "unpublished": "Not yet published",
        "gaps": "Coverage gaps",
        "gaps.none": "The investigations of this period's incidents recorded no coverage gaps.",
        "gaps.edition": (
            "Coverage gaps come from the mechanism's investigations, which this edition does "
            "not include."
        ),
        "gap_kind": "What",
        "gap_area": "Where",
        "gap_note": "Why",
        "finding.violation": "Violation",
        "finding.no_violation": "No violation",
        "finding.not_established": "Not established",
        "vote.confirmed": "Violation confirmed",
        "vote.not_a_violation": "Not a violation",
        "vote.cannot_confirm": "Cannot confirm",
        "vote.abstain": "Abstained",
        "severity.minor": "Minor",
        "severity.serious": "Serious",
        "severity.grave": "Grave",
        "gap.access_denied": "Access denied",
        "gap.sensor_down": "Sensor down",
        "gap.not_observable": "Not observable",
        "note.counts": (
            "Counts are of reports as filed; a report is one source's account and is not a "
            "finding. Zero reports is not the same as no violations."
        ),
        "not_stated": "Not stated",
        "nothing": "No reports in this period.",
    },
    "ar": {
        "title.daily": "تقرير الامتثال اليومي",
        "title.weekly": "ملخص الامتثال الأسبوعي",
        "title.monthly": "ملخص الامتثال الشهري",
        "edition.public": "النسخة العامة",
        "edition.restricted": "نسخة مقيدة لـ",
        "period": "الفترة",
        "generated": "تاريخ الإعداد",
        "reported": "الانتهاكات المبلغ عنها",
        "total": "مجموع البلاغات",
        "previous": "الفترة السابقة",
        "change": "التغير",
        "by_governorate": "حسب المحافظة",
        "by_party": "حسب الطرف المتهم",
        "by_type": "حسب النوع",
        "by_side": "حسب الجانب المبلغ",
        "side_by_governorate": "بلاغات كل جانب حسب المحافظة",
        "governorate": "المحافظة",
        "party": "الطرف المتهم",
        "type": "النوع",
        "side": "الجانب المبلغ",
        "count": "العدد",
        "confirmations": "تأكيد كل جانب لبلاغات الجانب الآخر",
        "confirming": "الجانب المؤكد",
        "reported_by": "بلاغات",
        "reported_n": "المبلغ عنها",
        "confirmed_n": "المؤكدة",
        "no_confirmations": "لم يعلن أي جانب عن تأكيدات في هذه الفترة.",
        "trend": "الانتهاكات المبلغ عنها في الفترات السابقة",
        "daily_totals": "الانتهاكات المبلغ عنها يومياً",
        "map": "خريطة: الانتهاكات المبلغ عنها حسب المحافظة",
        "map.outlines": "حدود المحافظات: مكتب تنسيق الشؤون الإنسانية (2016).",
        "map.schematic": "خريطة تخطيطية: لم تحمّل حدود المحافظات.",
        "confirmed": "الانتهاكات المؤكدة",
        "confirmed_total": "الانتهاكات التي أكدها مجلس الضامنين",
        "note.confirmed": (
            "تحسب الحادثة في يوم أقدم بلاغ عنها تتضمنه هذه النسخة؛ والانتهاك المؤكد قرار "
            "انتهى إلى وقوع انتهاك، والطرف المتهم هو الطرف الذي نُسب إليه."
        ),
        "no_confirmed": "لم يؤكد المجلس أي انتهاك بين حوادث هذه الفترة.",
        "guarantors": "مواقف كل ضامن من حوادث الفترة",
        "guarantor": "الضامن",
        "no_guarantors": "لا قرار في هذه الفترة يمكن لهذه النسخة عرضه.",
        "determinations": "الحوادث البارزة والقرارات بشأنها",
        "no_determinations": "لا قرار بشأن حوادث هذه الفترة يمكن لهذه النسخة عرضه.",
        "incident": "الحادثة",
        "finding": "النتيجة",
        "attributed": "منسوب إلى",
        "unattributed": "غير منسوب",
        "clauses": "البنود",
        "severity": "الخطورة",
        "votes": "الأصوات",
        "dissent": "الرأي المخالف",
        "no_dissent": "لا يوجد",
        "excluded": "الفاعل جماعة يستثنيها الاتفاق من الهدنة",
        "unpublished": "لم يُنشر بعد",
        "gaps": "الثغرات في التغطية",
        "gaps.none": "لم تسجل تحقيقات حوادث هذه الفترة أي ثغرات في التغطية.",
        "gaps.edition": "تأتي الثغرات في التغطية من تحقيقات الآلية، ولا تتضمنها هذه النسخة.",
        "gap_kind": "النوع",
        "gap_area": "المكان",
        "gap_note": "السبب",
        "finding.violation": "انتهاك",
        "finding.no_violation": "لا انتهاك",
        "finding.not_established": "لم يثبت",
        "vote.confirmed": "تأكيد الانتهاك",
        "vote.not_a_violation": "ليس انتهاكاً",
        "vote.cannot_confirm": "تعذر التأكيد",
        "vote.abstain": "امتناع",
        "severity.minor": "طفيفة",
        "severity.serious": "جسيمة",
        "severity.grave": "بالغة الخطورة",
        "gap.access_denied": "منع الوصول",
        "gap.sensor_down": "تعطل أداة الرصد",
        "gap.not_observable": "تعذر الرصد",
        "note.counts": (
            "الأرقام عدد البلاغات كما قدمت؛ البلاغ رواية مصدر واحد وليس قراراً. "
            "انعدام البلاغات لا يعني انعدام الانتهاكات."
        ),
        "not_stated": "غير مذكور",
        "nothing": "لا بلاغات في هذه الفترة.",
    },
}

EVENT_TYPES: Mapping[str, Mapping[str, str]] = {
    "battle": {"en": "Battle", "ar": "اشتباك"},
    "explosion_remote_violence": {"en": "Explosion / remote violence", "ar": "تفجير / عنف عن بعد"},
    "violence_against_civilians": {"en": "Violence against civilians", "ar": "عنف ضد المدنيين"},
    "strategic_development": {"en": "Strategic development", "ar": "تطور استراتيجي"},
    "shelling": {"en": "Shelling", "ar": "قصف مدفعي"},
    "air_strike": {"en": "Air strike", "ar": "غارة جوية"},
    "heavy_weapons_movement": {"en": "Heavy weapons movement", "ar": "تحريك أسلحة ثقيلة"},
    "humanitarian_obstruction": {"en": "Humanitarian obstruction", "ar": "عرقلة العمل الإنساني"},
    "attack_on_protected_infrastructure": {
        "en": "Attack on protected infrastructure",
        "ar": "هجوم على بنية تحتية محمية",
    },
    "incursion": {"en": "Incursion", "ar": "توغل"},
    "protests": {"en": "Protests", "ar": "احتجاجات"},
    "riots": {"en": "Riots", "ar": "أعمال شغب"},
    "other": {"en": "Other / not stated", "ar": "أخرى / غير محدد"},
}

# The bulletins' sides (domain/compliance_bulletins.py SIDE_NAMES) in Arabic.
SIDES: Mapping[str, str] = {
    "Russian reconciliation centre": "مركز المصالحة الروسي",
    "Russian side": "الجانب الروسي",
    "Turkish side": "الجانب التركي",
    "Russia-Turkey commission (sides not split)": "اللجنة الروسية التركية (دون تمييز الجانب)",
}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InvalidInputError([FieldError("lang", f"must be one of: {', '.join(LANGUAGES)}")])
    return lang


def message(lang: str, key: str) -> str:
    return MESSAGES[lang].get(key) or MESSAGES["en"][key]


def governorate_label(pcode: str, lang: str) -> str:
    if pcode == NOT_STATED:
        return message(lang, "not_stated")
    governorate = GOVERNORATE_BY_PCODE.get(pcode)
    return pcode if governorate is None else governorate.name(lang)


def type_label(kind: str, lang: str) -> str:
    return EVENT_TYPES.get(kind, {}).get(lang) or kind


def party_label(party: str, lang: str) -> str:
    return message(lang, "not_stated") if party == NOT_STATED else party


def side_label(side: str, names: Mapping[str, Mapping[str, str]], lang: str) -> str:
    if lang == "ar" and side in SIDES:
        return SIDES[side]
    known = names.get(side, {})
    return known.get(lang) or known.get("en") or side
