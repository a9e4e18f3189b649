"""The shortcuts intake takes for speed give exactly what the long ways give: ASCII search
text folded directly, a FileReport amended without dataclasses.replace, a CSV row's raw text
written only when it is quarantined."""

from __future__ import annotations

import csv
import io
import re
import string
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import START, report_fields
from truce.domain.intake import MAX_RAW, SourceRow
from truce.domain.reports import amended, fingerprint, parse_file_report
from truce.domain.search import _DIACRITICS, _FOLD, _TATWEEL, normalise


def _long_way(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _DIACRITICS.sub("", folded).replace(_TATWEEL, "").translate(_FOLD)
    return " ".join(re.findall(r"\w+", folded))


@given(st.text(alphabet=string.printable))
def test_ascii_text_folds_as_the_long_way_folds_it(text):
    assert normalise(text) == _long_way(text)


@given(st.text() | st.text(alphabet="قصفٌ على إدلب ـ ة ى ی ک ’ ﬁ É"))
def test_any_text_folds_as_the_long_way_folds_it(text):
    assert normalise(text) == _long_way(text)


def test_text_that_is_not_ascii_still_takes_the_long_way():
    assert normalise("Ma’la ﬁre") == "ma la fire"
    assert normalise("قصفٌ على إدلب") == "قصف علي ادلب"


def test_an_amended_report_equals_the_replaced_one_and_keeps_its_fingerprint():
    command = parse_file_report(report_fields(confidentiality="public"), now=START)
    changes = {"agreement_id": "astana", "supersedes": "r1", "excluded_actor": True}
    assert amended(command, **changes) == replace(command, **changes)
    assert fingerprint(amended(command)) == fingerprint(command)
    with pytest.raises(TypeError):
        amended(command, no_such_field=1)


def test_a_rows_raw_text_is_written_back_only_when_asked():
    cells = ("1", 'say "hello", twice', "x" * MAX_RAW)
    row = SourceRow(2, {}, "", read=cells)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    assert row.raw_text() == out.getvalue()[:MAX_RAW]
    assert SourceRow(3, {}, "as read").raw_text() == "as read"
