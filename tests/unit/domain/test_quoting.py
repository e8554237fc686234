from domain.model.quoting import QUOTED_MAX, quoted


def test_a_short_value_is_quoted_whole() -> None:
    assert quoted("EURO") == "'EURO'"


def test_a_long_value_is_cut_with_an_ellipsis() -> None:
    shown = quoted("x" * 10_000)
    assert len(shown) == QUOTED_MAX + 2
    assert shown.endswith("\u2026'")
