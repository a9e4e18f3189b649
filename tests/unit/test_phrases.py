"""What the domain composes in English, said in each language (entrypoints/web/phrases.py):
the endorsement status, a diff's words, the procedure's refusals, time windows, casualties
and the sources' precision codes, with numbers and moments in the language's writing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from truce.application.record import CHECKPOINT_FAULTS, FAULT_MESSAGES, Fault, Problem
from truce.domain.auth import AuthenticationError
from truce.domain.commands import Casualty
from truce.domain.errors import (
    AccessDeniedError,
    FieldError,
    InvalidInputError,
    ProcedureError,
    Refusal,
)
from truce.domain.geo.places import Precision
from truce.domain.intake import ACLED_RADIUS_M, UCDP_DATE_PRECISIONS, UCDP_RADIUS_M
from truce.domain.languages import LANGUAGES
from truce.domain.procedure import DEFAULT_PROCEDURE, Facts, Stage, Step, check_step
from truce.domain.procedure_records import ReplyStatus
from truce.domain.talks_text import (
    BodyDecision,
    Change,
    StatusKind,
    endorsement_parts,
    endorsement_status,
)
from truce.entrypoints.web import phrases
from truce.entrypoints.web.i18n import Speaker
from truce.entrypoints.web.phrases import (
    CHANGE_LABELS,
    PLACE_PRECISIONS,
    PRECISION_LABELS,
    TIME_PRECISIONS,
    casualty_text,
    changes_text,
    claim_text,
    endorsement_text,
    field_name,
    precision_text,
    problem_text,
    record_problem_text,
    refusal_text,
    window_text,
)
from truce.entrypoints.web.procedure_labels import FIELDS

EN, AR, RU, TR, FA = (Speaker(language) for language in ("en", "ar", "ru", "tr", "fa"))
LABELS = {"ru": "Russia", "tr": "Turkey", "ir": "Iran", "opp": "the opposition"}
ORDER = ("ru", "tr", "ir", "opp")
START = datetime(2017, 1, 2, 5, 0, tzinfo=UTC)
END = datetime(2017, 1, 2, 7, 30, tzinfo=UTC)


def _communique() -> list[BodyDecision]:
    return [
        BodyDecision("ru", "endorse"),
        BodyDecision("tr", "endorse"),
        BodyDecision("ir", "endorse"),
        BodyDecision("opp", "counter_proposal"),
    ]


# --- endorsement status ------------------------------------------------------------------------


def test_the_status_is_given_clause_by_clause_and_the_english_sentence_is_unchanged():
    parts = endorsement_parts(_communique(), LABELS, ORDER)
    assert [p.kind for p in parts] == [
        StatusKind.ENDORSED,
        StatusKind.REJECTED,
        StatusKind.COUNTER_PROPOSAL_ATTACHED,
    ]
    assert parts[0].bodies == ("Russia", "Turkey", "Iran")
    assert endorsement_status(_communique(), LABELS, ORDER) == (
        "endorsed by Russia, Turkey and Iran; rejected by the opposition; counter-proposal attached"
    )


def test_the_status_in_english_and_arabic():
    parts = endorsement_parts(_communique(), LABELS, ORDER)
    assert endorsement_text(EN, parts) == (
        "endorsed by Russia, Turkey, and Iran; rejected by the opposition; "
        "counter-proposal attached"
    )
    arabic = endorsement_text(AR, parts)
    assert arabic == "أيّدته Russia وTurkey وIran؛ رفضته the opposition؛ أُرفق اقتراح مضاد"


def test_a_decision_on_a_superseded_version_is_named_apart_in_every_language():
    stale = [BodyDecision("ru", "endorse", on_superseded_version=True)]
    parts = endorsement_parts(stale, LABELS, ORDER)
    assert endorsement_text(EN, parts) == (
        "no endorsement of the current version; on a superseded version: endorsed by Russia"
    )
    assert endorsement_text(AR, parts) == "لا تأييد للنسخة الحالية؛ على نسخة سابقة: أيّدته Russia"
    assert endorsement_text(RU, parts) == (
        "текущая версия не одобрена; по устаревшей версии: одобрено: Russia"
    )
    assert endorsement_text(FA, endorsement_parts([], LABELS)) == "هنوز تأییدی نیست"
    assert endorsement_text(TR, endorsement_parts([], LABELS)) == "henüz onay yok"


# --- a diff --------------------------------------------------------------------------------------


def test_every_change_has_a_label_and_the_count_takes_the_plural_of_the_language():
    assert set(CHANGE_LABELS) == {change.value for change in Change}
    assert AR.gettext(CHANGE_LABELS[Change.ADDED]) == "أُضيف"
    assert changes_text(EN, 1) == "1 clause changed"
    assert changes_text(EN, 3) == "3 clauses changed"
    assert changes_text(AR, 0) == "لم يتغيّر أي بند"
    assert changes_text(AR, 1) == "تغيّر بند واحد"
    assert changes_text(AR, 2) == "تغيّر بندان"
    assert changes_text(AR, 3) == "تغيّرت 3 بنود"
    assert changes_text(AR, 11) == "تغيّر 11 بندًا"
    assert changes_text(AR, 100) == "تغيّر 100 بند"
    assert changes_text(RU, 1) == "изменён 1 пункт"
    assert changes_text(RU, 3) == "изменено 3 пункта"
    assert changes_text(RU, 5) == "изменено 5 пунктов"
    assert changes_text(FA, 1234) == "1٬234 بند تغییر کرد"  # Persian separator


# --- the procedure's refusals --------------------------------------------------------------------


def _refused(stage: Stage, step: Step) -> ProcedureError:
    with pytest.raises(ProcedureError) as caught:
        check_step(stage, step, Facts(procedure=DEFAULT_PROCEDURE, guarantors=3), None)
    return caught.value


@pytest.mark.parametrize("code", list(Refusal))
def test_every_refusal_has_words_in_every_language(code):
    """A code the domain adds without a msgid would fall back to English on the pages."""
    error = ProcedureError(
        code,
        "in English",
        step=Step.PUBLISH,
        stage=Stage.REPORTED,
        status=ReplyStatus.ANSWERED,
        due_at=START,
        gates=("no party is accused",),
    )
    for language in LANGUAGES:
        text = refusal_text(Speaker(language), error)
        assert text != "in English", (code, language)
        assert "%(" not in text


def test_a_refusal_of_the_clock_names_the_step_in_arabic():
    error = _refused(Stage.REPORTED, Step.TRIAGE)
    assert error.code == Refusal.STEP_BY_A_MEMBER
    assert error.params == {"step": Step.TRIAGE}
    assert str(error) == "triage is taken by a member, not by the clock"
    assert refusal_text(EN, error) == "“Triage” is taken by a member, not by the clock"
    assert refusal_text(AR, error) == "خطوة «الفرز» يتخذها عضو، لا الساعة"


def test_a_refusal_says_its_moment_its_status_and_its_gates_in_the_language():
    closed = ProcedureError(Refusal.REPLY_WINDOW_CLOSED, "closed", due_at=START)
    assert refusal_text(EN, closed) == "the reply window closed at Jan 2, 2017 05:00"
    assert refusal_text(AR, closed).startswith("أُغلقت مهلة الرد في ")
    assert "2017 05:00" in refusal_text(AR, closed)
    answered = ProcedureError(Refusal.REQUEST_NOT_OPEN, "answered", status=ReplyStatus.ANSWERED)
    assert refusal_text(TR, answered) == "bu talebin durumu: " + TR.gettext("answered")
    gates = ("no party is accused", "no investigation report has been filed")
    shut = ProcedureError(Refusal.GATES_SHUT, "; ".join(gates), gates=gates)
    assert refusal_text(EN, shut) == (
        "not yet: no party is accused; no investigation report has been filed"
    )
    assert refusal_text(AR, shut) == "ليس بعد: " + "؛ ".join(AR.gettext(g) for g in gates)


def test_a_refusal_without_its_values_is_said_as_the_domain_said_it():
    bare = ProcedureError(Refusal.STEP_NOT_FROM_STAGE, "publish cannot be taken from reported")
    assert refusal_text(AR, bare) == "publish cannot be taken from reported"


def test_other_refusals_of_the_panel_in_arabic():
    assert problem_text(AR, AccessDeniedError("not a guarantor")) == "غير مسموح"
    assert problem_text(AR, AuthenticationError()) == "رُفضت كلمة المرور."
    invalid = InvalidInputError([FieldError("note", "is required")])
    assert problem_text(AR, invalid) == "ملاحظة: مطلوب"
    assert problem_text(EN, invalid) == "Note: is required"


def test_a_refused_form_of_the_panel_names_its_fields_in_the_language():
    invalid = InvalidInputError(
        [
            FieldError("step", "is not one of the choices"),
            FieldError("note", "must be at most 8000 characters"),
            FieldError("clauses", "not clauses of the agreement: 9.9"),
        ]
    )
    assert problem_text(RU, invalid) == (
        "Шаг: не из предложенных вариантов; Примечание: не длиннее 8000 символов; "
        "Пункты (идентификаторы): не пункты соглашения: 9.9"
    )
    assert "note" not in problem_text(FA, invalid)
    assert "step" not in problem_text(TR, invalid)


def test_a_field_the_table_does_not_know_is_shown_by_its_name():
    invalid = InvalidInputError([FieldError("procedure.quorum", "is required")])
    assert problem_text(AR, invalid) == "procedure.quorum: مطلوب"


@pytest.mark.parametrize("say", [AR, RU, TR, FA], ids=lambda say: say.language)
def test_every_field_of_the_panel_has_a_name_in_every_language(say):
    for field, msgid in FIELDS.items():
        assert field_name(say, field) != msgid, (say.language, field)


# --- time, casualties, precision ----------------------------------------------------------------


def test_a_window_is_between_two_moments_in_the_languages_writing():
    assert window_text(EN, START, END) == "between Jan 2, 2017 05:00 and Jan 2, 2017 07:30"
    assert window_text(EN, START, None) == "Jan 2, 2017 05:00"
    arabic = window_text(AR, START, END)
    assert arabic.startswith("بين ")
    assert " و" in arabic
    assert "05:00" in arabic
    assert "ژانویه" in window_text(FA, START, END)
    assert window_text(RU, START, END).startswith("с 2 янв")


def test_casualties_take_the_plural_and_the_range_of_the_language():
    civilians = Casualty("killed", "civilians", 12, 10, 15)
    assert casualty_text(EN, civilians) == "12 killed (civilians), between 10 and 15"
    assert casualty_text(AR, civilians) == "12 قتيلًا (مدنيون)، بين 10 و15"
    assert casualty_text(AR, Casualty("killed", "unknown", 1)) == "قتيل واحد (غير معروف)"
    assert casualty_text(AR, Casualty("injured", "side_a", 2)) == "جريحان (الطرف أ)"
    assert casualty_text(AR, Casualty("killed", "all", 5, 3)) == ("5 قتلى (كل الفئات)، على الأقل 3")
    assert casualty_text(RU, Casualty("killed", "civilians", 1)) == ("1 погибший (мирные жители)")
    assert casualty_text(RU, Casualty("killed", "civilians", 5, None, 9)) == (
        "5 погибших (мирные жители), не более 9"
    )
    assert casualty_text(EN, Casualty("killed", "a new category", 3)) == (
        "3 killed (a new category)"
    )


def test_every_native_precision_code_is_described_in_every_language():
    time_codes = {f"acled:{n}" for n in (1, 2, 3)} | {f"ucdp:{n}" for n in UCDP_DATE_PRECISIONS}
    place_codes = {f"acled:{n}" for n in ACLED_RADIUS_M} | {f"ucdp:{n}" for n in UCDP_RADIUS_M}
    assert time_codes | {"bulletin:day"} == set(TIME_PRECISIONS)
    assert place_codes == set(PLACE_PRECISIONS)
    assert {p.value for p in Precision} == set(PRECISION_LABELS)
    for language in LANGUAGES:
        say = Speaker(language)
        for code in time_codes:
            assert precision_text(say, TIME_PRECISIONS, code) != code
        for code in place_codes:
            assert precision_text(say, PLACE_PRECISIONS, code) != code


def test_a_precision_code_in_english_and_arabic():
    assert precision_text(EN, TIME_PRECISIONS, "acled:2") == (
        "ACLED: only the week is known (the date is mid-week)"
    )
    assert precision_text(AR, TIME_PRECISIONS, "ACLED:2") == (
        "ACLED: الأسبوع وحده معروف (التاريخ منتصف الأسبوع)"
    )
    assert precision_text(AR, PLACE_PRECISIONS, "ucdp:4") == (
        "UCDP: وحدة إدارية من المستوى الأول (محافظة)"
    )
    assert precision_text(AR, PLACE_PRECISIONS, "gdelt:9") == "gdelt:9"
    assert precision_text(AR, PLACE_PRECISIONS, None) == ""


def test_claims_write_figures_windows_and_event_types_in_the_language():
    assert claim_text(FA, "killed", 1234) == "1٬234"
    assert claim_text(EN, "killed", 1234) == "1,234"
    assert claim_text(AR, "time", (START, END)).startswith("بين ")
    assert claim_text(AR, "event_type", "shelling") == AR.gettext("shelling")
    assert claim_text(AR, "perpetrator", "Jaish al-Islam") == "Jaish al-Islam"
    assert claim_text(AR, "killed", None) == "—"


# --- what verifying the record found wrong ---------------------------------------------------

EXAMPLES = {
    Fault.MISPLACED: Problem(Fault.MISPLACED, 12, 11, (("expected", 11),)),
    Fault.CONTENT_ALTERED: Problem(Fault.CONTENT_ALTERED, 7, 7, (("kind", "report.filed"),)),
    Fault.SIGNATURE_INVALID: Problem(Fault.SIGNATURE_INVALID, 40, None, (("error", "bad key"),)),
    Fault.COSIGNATURE_INVALID: Problem(
        Fault.COSIGNATURE_INVALID, 40, None, (("witness", "witness.tr"),)
    ),
}


def example(fault: Fault) -> Problem:
    plain = Problem(fault, 40) if fault in CHECKPOINT_FAULTS else Problem(fault, 7, 7)
    return EXAMPLES.get(fault, plain)


@pytest.mark.parametrize("fault", list(Fault))
def test_every_fault_is_said_in_english_as_the_console_says_it(fault: Fault) -> None:
    problem = example(fault)
    assert record_problem_text(EN, problem) == f"{problem.where}: {problem.message}"


@pytest.mark.parametrize("fault", list(Fault))
def test_every_fault_is_said_in_every_language_with_its_values(fault: Fault) -> None:
    problem = example(fault)
    english = record_problem_text(EN, problem)
    for say in (AR, RU, TR, FA):
        text = record_problem_text(say, problem)
        assert text != english, (say.language, text)
        for _name, value in problem.values:
            if isinstance(value, str):  # numbers are written in the language's own way
                assert value in text


def test_where_names_the_entry_or_the_checkpoint_with_the_languages_numbers() -> None:
    assert record_problem_text(AR, example(Fault.LEAF_MISMATCH)).startswith("القيد 7:")
    checkpoint = record_problem_text(RU, example(Fault.ROOT_MISMATCH))
    assert checkpoint.startswith("контрольная точка при размере 40:")
    far = Problem(Fault.MISPLACED, 12_345, 12_344, (("expected", 12_344),))
    for say in (EN, AR, RU, TR, FA):
        text = record_problem_text(say, far)
        assert say.number(12_345) in text
        assert say.number(12_344) in text


def test_the_web_says_the_consoles_words() -> None:
    """The web's msgids are the application's English, so a change to one shows in the other."""
    assert dict(phrases._FAULTS) == dict(FAULT_MESSAGES)  # noqa: SLF001 - the table itself
