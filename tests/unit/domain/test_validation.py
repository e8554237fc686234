"""Texts are refused for control characters below space other than tab and newline, whatever else they hold."""

from hypothesis import given
from hypothesis import strategies as st

from domain.model.validation import Checks

REFUSED = {chr(code) for code in range(0x20)} - {"\t", "\n"}


@given(st.text(max_size=40))
def test_a_text_is_refused_exactly_when_it_holds_a_control_character_other_than_tab_and_newline(text: str) -> None:
    checks = Checks()
    clean = checks.text("name", text, max_length=100, required=False)
    refused = bool(set(text.strip()) & REFUSED)
    assert [problem.message for problem in checks.problems] == (
        ["must not contain control characters"] if refused else []
    )
    assert clean == (text.strip() or None)
