"""A real PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder, as an
unprivileged user (the server refuses to run as root), on a free port, its socket in that
folder. Each test gets its own schema in the one database, so tests start in milliseconds."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

SERVER_USER = "postgres"  # the Debian package's system user; created when missing
DATABASE = "casedesk"


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="casedesk-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = _server_user()
            self._as_user = ["runuser", "-u", user, "--"]
            uid, gid = pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid
            os.chown(self.folder, uid, gid)
        self.folder.chmod(0o755)  # the socket must be reachable by the tests' own user
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            DATABASE,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.start()
        self.admin_url = self.url(schema=None, database="postgres")
        self.sql(f"CREATE DATABASE {DATABASE}", database="postgres")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self._as_user, str(self.bindir / tool), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=100"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, schema: str | None, database: str = DATABASE) -> str:
        query = f"host={quote(str(self.folder))}&port={self.port}"
        if schema:
            query += "&options=" + quote(f"-csearch_path={schema}")
        return f"postgresql://{DATABASE}@/{database}?{query}"

    def sql(self, statement: str, database: str = DATABASE) -> None:
        import psycopg

        with psycopg.connect(self.url(None, database), autocommit=True) as conn:
            conn.execute(statement)

    def new_store(self) -> str:
        """A URL naming a fresh, empty store (its own schema)."""
        schema = "t" + uuid.uuid4().hex[:12]
        self.sql(f"CREATE SCHEMA {schema}")
        return self.url(schema)

    def drop_store(self, url: str) -> None:
        self.sql(f"DROP SCHEMA IF EXISTS {url.rpartition('search_path%3D')[2]} CASCADE")

    def close(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _server_user() -> str:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
        )
    return SERVER_USER
