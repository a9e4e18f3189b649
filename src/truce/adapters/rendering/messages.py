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
        "not_available": "Not available yet",
        "pending.confirmed_violations": "Confirmed violations",
        "pending.determinations": "Notable incidents and determinations",
        "pending.coverage_gaps": "Coverage gaps",
        "note.counts": (
            "Counts are of reports as filed; a report is one source's account and is not a "
            "finding. Zero reports is not the same as no violations."
        ),
        "not_stated": "Not stated",
        "nothing": "No reports in this period.",
        "reason.confirmed_violations": (
            "confirmed violations come from determinations (issues 7 and 8), not merged yet"
        ),
        "reason.determinations": (
            "incidents and their determinations (issues 7 and 8) are not merged yet"
        ),
        "reason.coverage_gaps": (
            "no coverage gaps are recorded yet: a count of zero is not a clean day"
        ),
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
        "not_available": "غير متاح بعد",
        "pending.confirmed_violations": "الانتهاكات المؤكدة",
        "pending.determinations": "الحوادث البارزة والقرارات بشأنها",
        "pending.coverage_gaps": "الثغرات في التغطية",
        "note.counts": (
            "الأرقام عدد البلاغات كما قدمت؛ البلاغ رواية مصدر واحد وليس قراراً. "
            "انعدام البلاغات لا يعني انعدام الانتهاكات."
        ),
        "not_stated": "غير مذكور",
        "nothing": "لا بلاغات في هذه الفترة.",
        "reason.confirmed_violations": "تأتي الانتهاكات المؤكدة من القرارات، ولم تدمج بعد",
        "reason.determinations": "الحوادث والقرارات بشأنها لم تدمج بعد",
        "reason.coverage_gaps": "لا تسجَّل الثغرات في التغطية بعد: الصفر لا يعني يوماً خالياً",
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
