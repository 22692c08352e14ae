"""How a setting's value is checked and named in its one-line error, for every settings file
(config.toml's tables, policy.toml): the same words whichever file holds the mistake."""

from __future__ import annotations


def number_in(value: object, low: float, high: float, *, whole: bool = False) -> float | None:
    """`value` if it is a number from `low` to `high` (an int where `whole`), else None: a
    string, true/false, NaN and infinity (TOML has both) never are."""
    kinds = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        return None
    return value


def not_(value: object) -> str:
    """'not -1', 'not true', 'not nan': the value as it was written in the TOML file."""
    return f"not {str(value).lower() if isinstance(value, bool) else repr(value)}"
