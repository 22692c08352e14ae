"""casedesk's settings file, config.toml in the config dir (or $CASEDESK_CONFIG).

Each area reads its own table from it: `[mail]`, `[smtp]`, `[imap]`, `[tui]`... This module
finds and parses the file (and checks [tui]); the other areas validate their own tables and
raise ConfigError.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from casedesk import paths
from casedesk.core.errors import CasedeskError
from casedesk.core.settings_check import not_


class ConfigError(CasedeskError):
    """config.toml is wrong; the message names the file and the setting."""


def config_file() -> Path:
    explicit = os.environ.get("CASEDESK_CONFIG")
    return Path(explicit).expanduser() if explicit else paths.config_dir() / "config.toml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The parsed settings, or {} when there is no file."""
    path = path or config_file()
    if not path.exists():
        return {}
    import tomllib  # only for a file there is: the console starts without it

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def section(name: str, path: Path | None = None) -> dict[str, Any]:
    """One table of the settings, {} when absent."""
    value = load_config(path).get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path or config_file()}: [{name}] must be a table")
    return value


# [tui] settings in config.toml, with their defaults. Checked here rather than in tui.py so
# the console (app.py) and its launcher (tui.py) need not import each other.
DEFAULTS: dict[str, Any] = {"bell": False}


def tui_settings(path: Path | None = None) -> dict[str, Any]:
    """The [tui] table, checked: unknown keys and wrong types are a ConfigError."""
    found = section("tui", path)
    for key, value in found.items():
        if key not in DEFAULTS:
            known = ", ".join(sorted(DEFAULTS))
            raise ConfigError(f"{path or config_file()}: [tui] has no setting {key!r} ({known})")
        if not isinstance(value, type(DEFAULTS[key])):
            default = DEFAULTS[key]
            kind = "true or false" if isinstance(default, bool) else type(default).__name__
            raise ConfigError(
                f"{path or config_file()}: [tui] {key} must be {kind} ({not_(value)})"
            )
    return {**DEFAULTS, **found}
