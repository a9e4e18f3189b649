from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import START, report_fields
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.reports import fingerprint, parse_file_report


def errors_of(fields: dict[str, object], **kwargs: bool) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as caught:
        parse_file_report(fields, now=START, **kwargs)
    return {e.field: e.message for e in caught.value.errors}


def test_a_monitor_observation_parses_into_a_command():
    command = parse_file_report(report_fields(), now=START)
    assert command.event_type == "shelling"
    assert command.occurred_from == datetime(2017, 1, 2, 4, 10, tzinfo=UTC)
    assert command.confidentiality is Confidentiality.MECHANISM
    assert (command.latitude, command.longitude) == (33.6539, 36.1022)


def test_every_bad_field_is_named_at_once():
    errors = errors_of(
        report_fields(
            source_kind="rumour",
            credibility=9,
            latitude=123,
            event_type="",
            narrative=None,
            killed=-1,
        )
    )
    assert set(errors) == {
        "source_kind",
        "credibility",
        "latitude",
        "event_type",
        "narrative",
        "killed",
    }
    assert "must be one of" in errors["source_kind"]
    assert errors["narrative"] == "is required"
    assert errors["killed"] == "must not be negative"


def test_a_time_without_offset_is_refused_unless_the_form_states_utc():
    fields = report_fields(occurred_from="2017-01-02T06:10", occurred_to=None)
    assert "time zone" in errors_of(fields)["occurred_from"]
    command = parse_file_report(fields, now=START, assume_utc=True)
    assert command.occurred_from == datetime(2017, 1, 2, 6, 10, tzinfo=UTC)


def test_a_report_about_the_future_is_refused():
    assert errors_of(report_fields(occurred_from="2017-02-01T00:00Z", occurred_to=None)) == {
        "occurred_from": "lies in the future"
    }


def test_a_window_that_ends_before_it_starts_is_refused():
    errors = errors_of(report_fields(occurred_to="2017-01-01T00:00Z"))
    assert errors == {"occurred_to": "must not be before occurred_from"}


def test_a_place_needs_a_name_or_both_coordinates():
    assert "go together" in errors_of(report_fields(longitude=None))["longitude"]
    no_place = report_fields(place_text=None, latitude=None, longitude=None)
    assert errors_of(no_place) == {"place_text": "give a place name or coordinates"}


def test_form_strings_are_read_as_numbers():
    command = parse_file_report(
        report_fields(credibility="3", killed="5", latitude="33.5", longitude="36.3"), now=START
    )
    assert (command.credibility, command.killed, command.latitude) == (3, 5, 33.5)


def test_blank_strings_count_as_absent():
    command = parse_file_report(report_fields(perpetrator="   ", target=""), now=START)
    assert command.perpetrator is None
    assert command.target is None


def test_booleans_are_not_counts():
    assert errors_of(report_fields(killed=True)) == {"killed": "must be a whole number"}


def test_the_fingerprint_ignores_the_idempotency_key_but_not_the_content():
    first = parse_file_report(report_fields(idempotency_key="a"), now=START)
    retry = parse_file_report(report_fields(idempotency_key="b"), now=START)
    changed = parse_file_report(report_fields(killed=2), now=START)
    assert fingerprint(first) == fingerprint(retry)
    assert fingerprint(first) != fingerprint(changed)


@given(
    st.dictionaries(
        st.sampled_from(list(report_fields())), st.none() | st.text() | st.integers() | st.floats()
    )
)
def test_parsing_arbitrary_input_either_succeeds_or_names_fields(garbage):
    fields = {**report_fields(), **garbage}
    errors: tuple[FieldError, ...] = ()
    try:
        parse_file_report(fields, now=START)
    except InvalidInputError as error:
        errors = error.errors
    # Whatever went wrong is named by a field the client sent or could send.
    assert all(e.field in report_fields() for e in errors)
    if garbage == {}:
        assert errors == ()
