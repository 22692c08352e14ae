"""Where casedesk keeps its files (XDG through platformdirs), and the overrides."""

from __future__ import annotations

import os
from pathlib import Path

APP = "casedesk"


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP))


def default_db() -> Path:
    return data_dir() / "casedesk.db"


def demo_db() -> Path:
    """The demo store lives in its own file, never over the user's real store."""
    return data_dir() / "demo.db"


def site_config_file() -> Path:
    """The host-wide settings, read before the user's (e.g. /etc/xdg/casedesk/config.toml)."""
    import platformdirs

    return Path(platformdirs.site_config_dir(APP)) / "config.toml"


# `casedesk --db PATH VERB`: the store for this run, set by the entry point (entry.py).
given_db: str | None = None


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db wins (after the verb or before it), then CASEDESK_DB, then [store] path in the
    user's config.toml, then in the host-wide one, then the default in the data dir."""
    if explicit and given_db and Path(explicit).expanduser() != Path(given_db).expanduser():
        from casedesk.core.errors import InvalidInput

        raise InvalidInput(f"two stores given: --db {given_db} and --db {explicit}; give one")
    explicit = explicit or given_db
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CASEDESK_DB")
    if env:
        return Path(env).expanduser()
    user_config = Path(os.environ.get("CASEDESK_CONFIG") or config_dir() / "config.toml")
    for config in (user_config.expanduser(), site_config_file()):
        configured = _configured_store(config)
        if configured:
            return configured
    return default_db()


def _configured_store(config: Path) -> Path | None:
    if not config.exists():
        return None
    import tomllib  # only when there is a config file: nag runs at every login

    try:
        value = tomllib.loads(config.read_text(encoding="utf-8")).get("store", {}).get("path")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return None  # a broken config is reported by the commands that read all of it
    return Path(value).expanduser() if isinstance(value, str) and value else None


def policy_file(db: Path | None = None) -> Path:
    """policy.toml beside the store when there is one there (a shared store: every agent
    works to the same targets), else the user's in the config dir."""
    if db is not None:
        beside = db.parent / "policy.toml"
        if beside.exists():
            return beside
    return config_dir() / "policy.toml"


def file_signature(path: Path) -> str:
    """Changes when the file is edited, without reading it: mtime and size ('none' if absent)."""
    try:
        stat = path.stat()
    except OSError:
        return "none"
    return f"{stat.st_mtime_ns}:{stat.st_size}"
