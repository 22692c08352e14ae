"""The read verbs on a PostgreSQL store through libpq (`store.postgres_rows.LibpqRows`): what
they cannot answer is said exactly as the full path (psycopg) says it, in one line.
`test_fast_reads_equal.py` compares their output."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

from casedesk import paths
from casedesk.store import postgres_schema
from casedesk.store.postgres_rows import LibpqRows
from test_fast_reads_equal import HUGE, _run

LATEST = postgres_schema.LATEST


def _psycopg(url: str, statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def _both(args: list[str], monkeypatch) -> tuple[tuple, tuple, list]:
    """(the fast path's answer, the full path's, psycopg connections the fast path made)."""
    from casedesk.store.postgres import PgConnection

    connects: list = []
    with monkeypatch.context() as patch:
        opened = PgConnection._connect
        patch.setattr(PgConnection, "_connect", lambda self: connects.append(1) or opened(self))
        quick = _run(args, False, monkeypatch)
    return quick, _run(args, True, monkeypatch), connects


def _one_line(answer: tuple, *words: str) -> str:
    code, out, err = answer
    assert code == 1 and out == "", answer
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casedesk: "), err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _tried_libpq(monkeypatch) -> list:
    """Each LibpqRows.open the fast path made."""
    tried: list = []
    opened = LibpqRows.open.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        LibpqRows, "open", classmethod(lambda cls, where: tried.append(where) or opened(cls, where))
    )
    return tried


@pytest.fixture
def server_store(pg_url, monkeypatch, clock, cli):
    """A small store on the server, with an overdue case."""
    monkeypatch.setenv("CASEDESK_DB", pg_url)
    new = cli("new", "--customer", "Ann <ann@example.com>", "--title", "printer jams")
    assert new.exit_code == 0, new.stderr
    clock.advance(days=3)
    return pg_url


def test_a_read_only_role_reads_through_libpq(server_store, pg_server, monkeypatch) -> None:
    """A role that may only SELECT: nothing on the way writes, so the fast path answers."""
    schema = server_store.rpartition("search_path%3D")[2]
    role = f"{schema}_reader"
    _psycopg(server_store, f"CREATE ROLE {role} LOGIN")
    _psycopg(server_store, f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    _psycopg(server_store, f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    try:
        monkeypatch.setenv("CASEDESK_DB", server_store.replace("casedesk@", f"{role}@", 1))
        for args in (["list", "--json"], ["show", "1", "--json"], ["search", "printer", "--json"]):
            quick, full, connects = _both(args, monkeypatch)
            assert quick == full and quick[0] == 0 and not connects, args
        # A policy changed since: this role may not write the due times again, so both paths
        # read them as they are (as on a store file it may only read).
        policy = paths.policy_file(paths.ServerStore(server_store))
        policy.parent.mkdir(parents=True, exist_ok=True)
        policy.write_text('check_in = "2d"\n')
        quick, full, connects = _both(["list", "--json"], monkeypatch)
        assert quick == full and quick[0] == 0 and connects
        quick, full, _ = _both(["note", "1", "hello"], monkeypatch)
        _one_line(quick, "is read-only for you")
    finally:
        _psycopg(server_store, f"DROP OWNED BY {role}")
        _psycopg(server_store, f"DROP ROLE {role}")


def test_a_store_at_an_older_schema_is_left_to_the_full_path(server_store, monkeypatch) -> None:
    """The full path migrates it first (the fast path would read columns it may not have)."""
    older = f"UPDATE casedesk_schema SET version = {LATEST - 1}"  # the last migration can rerun
    _psycopg(server_store, older)
    tried = _tried_libpq(monkeypatch)
    quick = _run(["list", "--json"], False, monkeypatch)
    assert tried and _psycopg(server_store, "SELECT version FROM casedesk_schema") == [(LATEST,)]
    _psycopg(server_store, older)
    assert quick == _run(["list", "--json"], True, monkeypatch) and quick[0] == 0


def test_without_a_libpq_to_load_psycopg_answers(server_store, monkeypatch) -> None:
    """No libpq.so.5 and no wheel's copy: the verbs still answer, through psycopg."""
    from casedesk.store import libpq

    monkeypatch.setattr(libpq, "load", lambda: None)
    tried = _tried_libpq(monkeypatch)
    quick, full, connects = _both(["list", "--overdue", "--json"], monkeypatch)
    assert quick == full and quick[0] == 0 and '"id": 1' in quick[1]
    assert tried and connects


# -- what it cannot answer, said as the full path says it -------------------------------------


def test_a_server_that_is_down_is_one_line_from_both_paths(cli, monkeypatch) -> None:
    monkeypatch.setenv("CASEDESK_DB", "postgresql://nobody:secret@127.0.0.1:1/casedesk")
    tried = _tried_libpq(monkeypatch)
    for args in (["list", "--overdue", "--json"], ["show", "1", "--json"]):
        quick, full, _ = _both(args, monkeypatch)
        assert quick == full
        line = _one_line(quick, "cannot connect to postgresql://nobody:***@127.0.0.1:1/casedesk")
        assert "secret" not in line
    assert len(tried) == 2


def test_a_wrong_password_is_one_line_from_both_paths(pg_server, cli, monkeypatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to change the test server's pg_hba.conf")
    role = "casedesk_password"
    hba = pg_server.data / "pg_hba.conf"
    rule = f"host all {role} 127.0.0.1/32 scram-sha-256\n"
    if rule not in hba.read_text():
        hba.write_text(rule + hba.read_text())
    admin = pg_server.url(None)
    _psycopg(admin, f"DROP ROLE IF EXISTS {role}")
    _psycopg(admin, f"CREATE ROLE {role} LOGIN PASSWORD 'right'")
    _psycopg(admin, "SELECT pg_reload_conf()")
    url = f"postgresql://{role}:wrong@127.0.0.1:{pg_server.port}/casedesk"
    monkeypatch.setenv("CASEDESK_DB", url)
    tried = _tried_libpq(monkeypatch)
    quick, full, _ = _both(["customer", "show", "1", "--json"], monkeypatch)
    assert quick == full and tried
    assert "wrong" not in _one_line(quick, "password authentication failed", ":***@")


def test_a_case_that_is_not_there_is_said_without_psycopg(server_store, monkeypatch) -> None:
    quick, full, connects = _both(["show", "999999", "--json"], monkeypatch)
    assert quick == full and not connects
    _one_line(quick, "999999")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["show", HUGE], f"no case #{HUGE}"),  # the server compares it with every id
        (["list", "--limit", HUGE], "too large"),
        (["search", "printer", "--limit", HUGE], "too large"),
    ],
    ids=["show", "list", "search"],
)
def test_a_number_too_large_for_the_server_is_one_line(
    server_store, monkeypatch, args, said
) -> None:
    for words in (args, [*args, "--json"]):
        quick, full, _ = _both(words, monkeypatch)
        assert quick == full
        _one_line(quick, said)


def test_a_server_that_never_answers_is_said_once_not_waited_for_twice(tmp_path) -> None:
    """Connected, but no answer within the connect timeout: the fast path says what psycopg
    would, without handing over to psycopg to wait as long again. Both run at once."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(silent.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    url = f"postgresql://nobody@127.0.0.1:{silent.getsockname()[1]}/casedesk"
    probe = (
        "import sys; from casedesk.cli import fast; from casedesk.entry import main\n"
        "if sys.argv[1] == 'full': fast.main = lambda args: False\n"
        "try:\n    main(['list', '--json'])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print('LOADED', 'psycopg' in sys.modules, code)"
    )
    env = {**os.environ, "CASEDESK_DB": url}
    runs = {
        way: subprocess.Popen(
            [sys.executable, "-c", probe, way],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for way in ("fast", "full")
    }
    try:
        answers = {way: run.communicate(timeout=60) for way, run in runs.items()}
    finally:
        silent.close()
        for connection in held:
            connection.close()
    fast_out, fast_err = answers["fast"]
    assert answers["full"][1] == fast_err
    assert fast_err == f"casedesk: cannot connect to {url}: connection timeout expired\n"
    assert fast_out.strip() == "LOADED False 1"
