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


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db wins, then CASEDESK_DB, then the default in the data dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CASEDESK_DB")
    if env:
        return Path(env).expanduser()
    return default_db()


def policy_file() -> Path:
    return config_dir() / "policy.toml"


def file_signature(path: Path) -> str:
    """Changes when the file is edited, without reading it: mtime and size ('none' if absent)."""
    try:
        stat = path.stat()
    except OSError:
        return "none"
    return f"{stat.st_mtime_ns}:{stat.st_size}"
