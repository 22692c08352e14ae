"""Where casedesk keeps its files (XDG through platformdirs), and the overrides."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "casedesk"
SERVER_SCHEMES = ("postgresql", "postgres")


class ServerStore:
    """A store in a PostgreSQL database, named by a libpq URL. libpq itself fills in what the
    URL leaves out (PGHOST, PGUSER, PGPASSWORD…, ~/.pgpass)."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return redact_url(self.url)

    def __repr__(self) -> str:
        return f"ServerStore({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ServerStore) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)


StoreLocation = Path | ServerStore


def redact_url(url: str) -> str:
    """The URL without its password, for messages and listings."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo or "/" in userinfo:
        return url
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{host}"


def store_location(value: str | os.PathLike[str] | ServerStore) -> StoreLocation:
    """A PostgreSQL URL names a server store; anything else not shaped like a URL is a SQLite
    file. Any other URL is refused rather than taken for a folder called "scheme:"."""
    if isinstance(value, ServerStore):
        return value
    text = os.fspath(value)
    scheme, colon, rest = text.partition(":")
    if colon and scheme.lower() in SERVER_SCHEMES:
        if not rest.startswith("//"):
            _refuse(f"{text!r} is not a PostgreSQL URL: write postgresql://user@host/dbname")
        return ServerStore(text)
    if _is_scheme(scheme) and colon and rest.startswith("//"):
        _refuse(
            f"cannot use {redact_url(text)!r} as a store: casedesk knows postgresql:// URLs "
            "and SQLite file paths"
        )
    return Path(text).expanduser()


def _is_scheme(text: str) -> bool:
    return (
        text[:1].isascii()
        and text[:1].isalpha()
        and all(c.isascii() and (c.isalnum() or c in "+.-") for c in text)
    )


def _refuse(message: str) -> None:
    from casedesk.core.errors import InvalidInput

    raise InvalidInput(message)


def data_dir() -> Path:
    mine = _xdg_user_dir("XDG_DATA_HOME", "~/.local/share")
    if mine:
        return Path(mine)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def downloads_dir() -> Path:
    """Where the console offers to save attachments (the user's download folder)."""
    import platformdirs

    return Path(platformdirs.user_downloads_dir())


def config_dir() -> Path:
    mine = _xdg_user_dir("XDG_CONFIG_HOME", "~/.config")
    if mine:
        return Path(mine)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP))


def _xdg_user_dir(variable: str, default: str) -> str | None:
    """platformdirs' answer for casedesk's user folder on Linux, without loading platformdirs
    (it costs a read verb more than its query), in the cases where every platformdirs since
    4.2 agrees: $VARIABLE an absolute path, or unset with an absolute $HOME. None otherwise
    (a relative or blank $VARIABLE, no $HOME, another platform): ask platformdirs."""
    if (
        sys.platform != "linux"
        or hasattr(sys, "getandroidapilevel")
        or "ANDROID_DATA" in os.environ
    ):
        return None
    value = os.environ.get(variable, "")
    if value.startswith("/"):
        return os.path.join(value, APP)
    if value or not os.environ.get("HOME", "").startswith("/"):
        return None
    return os.path.join(os.path.expanduser(default), APP)


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
# The store this run was told of by --db, before or after the verb: printed commands carry it.
told_db: str | None = None


def command(words: str = "", *, reader: str | None = None) -> str:
    """`casedesk WORDS` for the user to run next, with the --db and --as this run was given
    (quoted for the shell): the store and the agent that CASEDESK_DB or the config name may be
    others. `words` must already be quoted where they carry text. Text another agent reads (a
    digest mail) names that `reader` instead where this run was given --as, never the agent who
    ran it; "" for a reader who is no agent (the triage address) names none."""
    import shlex  # not at import: the nag loads this module at every login

    from casedesk.core import identity

    parts = ["casedesk"]
    if told_db:
        parts += ["--db", shlex.quote(redact_url(told_db))]
    agent = identity.told_agent if reader is None or not identity.told_agent else reader
    if agent:
        parts += ["--as", shlex.quote(agent)]
    return " ".join([*parts, words] if words else parts)


def db_path(explicit: str | os.PathLike[str] | ServerStore | None = None) -> StoreLocation:
    """--db wins (after the verb or before it), then CASEDESK_DB, then [store] path in the
    user's config.toml, then in the host-wide one, then the default in the data dir. Each may
    be a file or a PostgreSQL URL."""
    if explicit and given_db and store_location(explicit) != store_location(given_db):
        from casedesk.core.errors import InvalidInput

        raise InvalidInput(
            f"two stores given: --db {redact_url(str(given_db))} and "
            f"--db {redact_url(str(explicit))}; give one"
        )
    explicit = explicit or given_db
    if explicit:
        global told_db
        told_db = explicit.url if isinstance(explicit, ServerStore) else os.fspath(explicit)
        return store_location(explicit)
    env = os.environ.get("CASEDESK_DB")
    if env:
        return store_location(env)
    user_config = Path(os.environ.get("CASEDESK_CONFIG") or config_dir() / "config.toml")
    for config in (user_config.expanduser(), site_config_file()):
        configured = _configured_store(config)
        if configured:
            return configured
    return default_db()


def missing_store(location: StoreLocation) -> str | None:
    """Why a verb that only reads cannot go on when nothing is at `location` (it must not
    create a store, nor its folders, by looking); None when a file is there or cannot be seen
    (then opening it says why)."""
    if not isinstance(location, Path):
        return None
    try:
        location.stat()
    except FileNotFoundError:
        return (
            f"no store at {location} (nothing was created): `{command('new')}` or "
            f"`{command('import')}` "
            "starts one there, or give --db or CASEDESK_DB for an existing store"
        )
    except OSError:
        return None
    return None


def _configured_store(config: Path) -> StoreLocation | None:
    if not config.exists():
        return None
    import tomllib  # only when there is a config file: nag runs at every login

    try:
        value = tomllib.loads(config.read_text(encoding="utf-8")).get("store", {}).get("path")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return None  # a broken config is reported by the commands that read all of it
    return store_location(value) if isinstance(value, str) and value else None


def policy_file(db: StoreLocation | None = None) -> Path:
    """policy.toml beside the store when there is one there (a shared store: every agent
    works to the same targets), else the user's in the config dir."""
    if isinstance(db, Path):
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
