"""The pure rules of signing in: throttle, token and session formats, one-time code steps, and
the audit entry's escaping for logs (SECURITY.md S12)."""

import unicodedata
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import START
from truce.domain.auth import (
    ACCOUNT_THROTTLE,
    ADDRESS_LENGTH,
    ADDRESS_THROTTLE,
    BIDI_CONTROLS,
    DEMO_PASSWORD,
    MAX_PASSWORD_LENGTH,
    MAX_TOKEN_DAYS,
    MIN_PASSWORD_LENGTH,
    RESOURCE_ID_LENGTH,
    SESSION_IDLE_TIMEOUT,
    SESSION_LIFETIME,
    TOTP_PERIOD_SECONDS,
    ApiToken,
    AuditEntry,
    Scope,
    ThrottleRule,
    TokenStatus,
    TooManyAttemptsError,
    account_key,
    batch_log_lines,
    check_password,
    escape_for_log,
    format_api_token,
    new_audit_entry,
    new_session,
    normalise_totp_code,
    parse_api_token,
    parse_scopes,
    retry_after,
    throttle_wait,
    token_lifetime,
    totp_candidate_steps,
    totp_step,
)
from truce.domain.errors import InvalidInputError

RULE = ThrottleRule(limit=3, window=timedelta(minutes=10))


def minutes(*offsets: float):
    return [START + timedelta(minutes=m) for m in offsets]


# --- the throttle -----------------------------------------------------------------------------


def test_fewer_failures_than_the_limit_are_no_reason_to_wait():
    assert retry_after(minutes(0, 1), START + timedelta(minutes=2), RULE) is None


def test_at_the_limit_the_wait_ends_when_the_oldest_failure_leaves_the_window():
    now = START + timedelta(minutes=5)
    assert retry_after(minutes(0, 1, 2), now, RULE) == timedelta(minutes=5)


def test_with_more_failures_than_the_limit_enough_of_them_must_leave():
    # Five failures, limit three: the third oldest (minute 2) must leave the window.
    now = START + timedelta(minutes=4)
    assert retry_after(minutes(0, 1, 2, 3, 4), now, RULE) == timedelta(minutes=8)


def test_failures_outside_the_window_do_not_count():
    now = START + timedelta(minutes=10)
    # Minute 0 is exactly one window old: it has left.
    assert retry_after(minutes(0, 1, 2), now, RULE) is None
    assert retry_after(minutes(0, 1, 2), now - timedelta(seconds=1), RULE) is not None


def test_failures_said_to_be_in_the_future_do_not_count():
    assert retry_after(minutes(1, 2, 3), START, RULE) is None


def test_the_account_and_the_address_are_throttled_separately_and_the_longer_wait_wins():
    now = START + timedelta(minutes=1)
    account = [START] * ACCOUNT_THROTTLE.limit
    address = [START + timedelta(seconds=30)] * ADDRESS_THROTTLE.limit
    assert throttle_wait(account[:-1], address[:-1], now) is None
    assert throttle_wait(account, [], now) == ACCOUNT_THROTTLE.window - timedelta(minutes=1)
    assert throttle_wait([], address, now) == ADDRESS_THROTTLE.window - timedelta(seconds=30)
    both = throttle_wait(account, address, now)
    assert both == ADDRESS_THROTTLE.window - timedelta(seconds=30)


def test_an_address_may_fail_more_often_than_an_account():
    assert ADDRESS_THROTTLE.limit > ACCOUNT_THROTTLE.limit


def test_the_wait_is_told_in_whole_seconds_rounded_up():
    assert TooManyAttemptsError(timedelta(seconds=1.2)).retry_after_seconds == 2
    assert TooManyAttemptsError(timedelta(0)).retry_after_seconds == 1


def test_the_throttle_key_of_a_username_ignores_case_width_and_spaces_but_hides_the_name():
    key = account_key("gov_liaison")
    assert account_key("  GOV_LIAISON ") == key
    assert account_key("ｇｏｖ_liaison") == key  # full-width letters fold by NFKC
    assert account_key("opposition_liaison") != key
    assert len(key) == 64
    assert "gov" not in key


# --- passwords --------------------------------------------------------------------------------


def test_a_long_enough_password_is_accepted():
    check_password("correct horse battery", "monitor")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("x" * (MIN_PASSWORD_LENGTH - 1), "at least"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "at most"),
        ("Observer_US_1", "differ from the username"),
        (DEMO_PASSWORD, "demo password is public"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(password, why):
    with pytest.raises(InvalidInputError, match=why):
        check_password(password, "observer_us_1")


def test_the_demo_password_is_accepted_in_demo_mode_only():
    check_password(DEMO_PASSWORD, "monitor", demo=True)
    with pytest.raises(InvalidInputError):
        check_password(DEMO_PASSWORD, "monitor", demo=False)


# --- API tokens -------------------------------------------------------------------------------

TOKEN_ID = "0123456789abcdef"
SECRET = "Ab-_" * 10


def test_a_token_reads_back_as_its_id_and_secret():
    token = format_api_token(TOKEN_ID, SECRET)
    assert token.startswith("truce_0123456789abcdef_")
    assert parse_api_token(token) == (TOKEN_ID, SECRET)
    assert parse_api_token(f"  {token}\n") == (TOKEN_ID, SECRET)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "truce",
        "truce__secret",
        f"other_{TOKEN_ID}_{SECRET}",
        f"truce_{TOKEN_ID.upper()}_{SECRET}",
        f"truce_{TOKEN_ID[:-1]}_{SECRET}",
        f"truce_{TOKEN_ID}_",
        f"truce_{TOKEN_ID}_{'a' * 101}",
        f"truce_{TOKEN_ID}_abc def",
        f"truce_{TOKEN_ID}_ابجد",
        f"Bearer truce_{TOKEN_ID}_{SECRET}",
    ],
)
def test_anything_not_issued_here_is_not_a_token(text):
    assert parse_api_token(text) is None


def test_scopes_are_known_names_and_at_least_one():
    assert parse_scopes(["reports:read", " admin "]) == {Scope.REPORTS_READ, Scope.ADMIN}
    with pytest.raises(InvalidInputError, match="unknown scope reports:delete"):
        parse_scopes(["reports:read", "reports:delete"])
    with pytest.raises(InvalidInputError, match="at least one"):
        parse_scopes([" "])


def test_a_token_lives_between_a_day_and_a_year():
    assert token_lifetime(1) == timedelta(days=1)
    assert token_lifetime(MAX_TOKEN_DAYS) == timedelta(days=MAX_TOKEN_DAYS)
    for days in (0, -1, MAX_TOKEN_DAYS + 1):
        with pytest.raises(InvalidInputError):
            token_lifetime(days)


def a_token(**overrides):
    fields = {
        "id": TOKEN_ID,
        "member_id": "member-monitor",
        "label": "import job",
        "secret_hash": "f" * 64,
        "scopes": frozenset({Scope.REPORTS_READ}),
        "created_at": START,
        "expires_at": START + timedelta(days=30),
    }
    return ApiToken(**{**fields, **overrides})


def test_a_token_is_active_until_it_expires_or_is_revoked():
    token = a_token()
    assert token.status(START + timedelta(days=29)) is TokenStatus.ACTIVE
    assert token.status(START + timedelta(days=30)) is TokenStatus.EXPIRED
    revoked = a_token(revoked_at=START + timedelta(days=1))
    assert revoked.status(START + timedelta(days=2)) is TokenStatus.REVOKED


def test_a_token_never_shows_its_digest_when_printed():
    assert "f" * 64 not in repr(a_token())


# --- sessions ---------------------------------------------------------------------------------


def test_a_session_ends_after_an_idle_hour():
    session = new_session("h", "member-monitor", START, "192.0.2.1")
    assert session.is_live(START + SESSION_IDLE_TIMEOUT - timedelta(seconds=1))
    assert not session.is_live(START + SESSION_IDLE_TIMEOUT)


def test_a_session_ends_at_its_lifetime_however_active():
    session = new_session("h", "member-monitor", START, None)
    end = START + SESSION_LIFETIME
    busy = replace(session, last_seen_at=end - timedelta(minutes=1))
    assert busy.is_live(end - timedelta(seconds=1))
    assert not busy.is_live(end)


def test_a_revoked_session_is_over():
    session = replace(new_session("h", "m", START, None), revoked_at=START)
    assert not session.is_live(START + timedelta(seconds=1))


def test_a_session_records_activity_at_most_once_a_minute():
    session = new_session("h", "m", START, None)
    assert not session.needs_touch(START + timedelta(seconds=59))
    assert session.needs_touch(START + timedelta(seconds=60))


# --- one-time codes ---------------------------------------------------------------------------


def test_codes_one_step_either_side_are_candidates():
    now = START + timedelta(seconds=7)
    step = totp_step(now)
    assert step == int(START.timestamp()) // TOTP_PERIOD_SECONDS
    assert totp_candidate_steps(now, None) == (step - 1, step, step + 1)


def test_a_used_step_and_any_before_it_are_never_candidates_again():
    step = totp_step(START)
    assert totp_candidate_steps(START, step) == (step + 1,)
    assert totp_candidate_steps(START, step - 1) == (step, step + 1)
    assert totp_candidate_steps(START, step + 1) == ()


@pytest.mark.parametrize(
    ("typed", "code"),
    [("123456", "123456"), ("123 456", "123456"), (" 012345 ", "012345"), ("12345", None)],
)
def test_a_typed_code_is_read_as_six_digits(typed, code):
    assert normalise_totp_code(typed) == code


@pytest.mark.parametrize("typed", ["1234567", "12345a", "١٢٣٤٥٦", "12345\n", ""])
def test_what_is_not_six_ascii_digits_is_not_a_code(typed):
    assert normalise_totp_code(typed) is None


# --- the audit entry --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a\r\nforged=1", "a\\x0d\\x0aforged=1"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte C1 form of ESC [
        ("\x00\x7f", "\\x00\\x7f"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("\u200fx\u061c", "\\u200fx\\u061c"),
        ("one\u2028two", "one\\u2028two"),
        ('say "hi"', 'say \\"hi\\"'),
        ("C:\\x0a", "C:\\\\x0a"),
    ],
)
def test_control_and_direction_characters_are_shown_not_obeyed(raw, escaped):
    assert escape_for_log(raw) == escaped


def test_text_in_every_language_of_the_case_passes_unchanged():
    # Persian needs the zero-width non-joiner; it is not a direction control.
    for text in ("قصف مدفعي على وادي بردى", "می‌خواهم", "Российская Федерация", "Türkiye", "🕊"):
        assert escape_for_log(text) == text


DANGEROUS = {"Cc"}


@given(st.text())
def test_no_escaped_text_holds_a_control_a_direction_mark_or_a_line_break(text):
    out = escape_for_log(text)
    assert not any(unicodedata.category(c) in DANGEROUS for c in out)
    assert not any(c in BIDI_CONTROLS or c in "\u2028\u2029" for c in out)
    assert out.splitlines() in ([], [out])


@given(st.text(), st.text())
def test_two_different_texts_never_escape_alike(first, second):
    if first != second:
        assert escape_for_log(first) != escape_for_log(second)


def an_entry(**overrides):
    fields = {
        "at": START,
        "actor_member_id": "member-gov_liaison",
        "action": "read",
        "resource_kind": "report",
        "resource_id": "r1",
        "allowed": False,
        "reason": "party_liaison may not read report 'r1' here",
        "address": "192.0.2.7",
    }
    return AuditEntry(**{**fields, **overrides})


def test_a_log_line_names_who_what_when_where_and_the_outcome():
    line = an_entry().log_line()
    assert line.startswith("audit 2017-01-10T09:00:00+00:00 denied ")
    for part in ('actor="member-gov_liaison"', 'action="read"', 'resource="report:r1"'):
        assert part in line
    assert 'address="192.0.2.7"' in line
    assert "may not read report 'r1' here" in line


def test_a_forged_field_cannot_start_a_new_log_line_or_colour_the_terminal():
    line = an_entry(
        resource_id='r1" allowed="yes\r\naudit forged', address="\x1b]0;pwned\x07"
    ).log_line()
    assert "\n" not in line
    assert "\r" not in line
    assert "\x1b" not in line
    assert 'resource="report:r1\\" allowed=\\"yes\\x0d\\x0aaudit forged"' in line


def a_round(*viewers):
    return [
        an_entry(
            actor_member_id=actor,
            address=address,
            action="list",
            resource_kind="message",
            resource_id="stream",
            allowed=True,
            reason="listed 1 message items in stream",
        )
        for actor, address in viewers
    ]


def test_a_round_logs_one_line_naming_every_viewer_and_how_many_entries_are_theirs():
    entries = a_round(*[("member-gov_liaison", "192.0.2.7")] * 3, ("member-un", "192.0.2.9"))
    (line,) = batch_log_lines(entries)
    assert line.startswith(
        'audit 2017-01-10T09:00:00+00:00 allowed action="list" resource="message:stream" entries=4 '
    )
    assert '[actor="member-gov_liaison" address="192.0.2.7" ' in line
    assert 'reason="listed 1 message items in stream" count=3]' in line
    assert '[actor="member-un" address="192.0.2.9" ' in line


def test_a_viewer_field_cannot_pass_for_another_viewer_or_a_new_line():
    forged = 'x" count=1] [actor="member-admin\r\naudit forged\x1b[31m'
    (line,) = batch_log_lines(a_round(("member-gov_liaison", forged)))
    assert "\n" not in line
    assert "\r" not in line
    assert "\x1b" not in line
    assert line.count('[actor="') == 1
    assert 'address="x\\" count=1] [actor=\\"member-admin' in line


def test_entries_of_different_moments_or_outcomes_log_apart():
    entries = [*a_round(("a", "1")), replace(a_round(("b", "2"))[0], at=START + timedelta(1))]
    assert len(batch_log_lines(entries)) == 2
    assert batch_log_lines([]) == []


def test_a_new_entry_is_cut_to_what_the_store_holds():
    entry = new_audit_entry(
        START,
        None,
        "read",
        "report",
        "x" * 1000,
        allowed=False,
        reason="guessed id",
        address="y" * 1000,
    )
    assert entry.resource_id == "x" * RESOURCE_ID_LENGTH
    assert entry.address == "y" * ADDRESS_LENGTH
    assert entry.outcome == "denied"
