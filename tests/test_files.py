"""Files casedesk writes beside a store: never over another file, never through a symlink, never
readable by users outside the store's group (issue 11, defects 3, 4 and 5)."""

from __future__ import annotations

import grp
import os
import shutil
import stat
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casedesk.desk.desk import Desk
from casedesk.store import Store
from casedesk.store.shared import init_shared


def _kept_names(store: Path, seconds: int = 4) -> list[Path]:
    """The names restore's kept copy may get in the next few seconds."""
    start = datetime.now(UTC)
    return [
        store.with_name(
            f"{store.stem}.before-restore-"
            f"{(start + timedelta(seconds=n)).strftime('%Y%m%dT%H%M%SZ')}.db"
        )
        for n in range(seconds)
    ]


def _case_titles(path: Path) -> list[str]:
    with Store.open(path) as store:
        return [row.case.title for row in store.list_cases(statuses=None, limit=None)]


def test_a_restore_never_overwrites_an_earlier_kept_copy(cli, db_path, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "first")
    backup = tmp_path / "backup.db"
    assert cli("backup", str(backup)).exit_code == 0
    cli("new", "--customer", "b@example.com", "--title", "second")
    # An earlier restore's kept copy at every name this restore could choose.
    earlier = _kept_names(db_path)
    for name in earlier:
        shutil.copy(db_path, name)
    done = cli("restore", str(backup), "--force")
    assert done.exit_code == 0, done.stderr
    for name in earlier:
        assert sorted(_case_titles(name)) == ["first", "second"]
    kept = Path(done.stderr.rsplit("kept at ", 1)[1].strip())
    assert kept not in earlier and kept.exists()
    assert sorted(_case_titles(kept)) == ["first", "second"]


def test_two_restores_in_a_row_keep_two_copies(cli, db_path, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "first")
    backup = tmp_path / "backup.db"
    assert cli("backup", str(backup)).exit_code == 0
    outs = [cli("restore", str(backup), "--force") for _ in range(3)]
    kept = {out.stderr.rsplit("kept at ", 1)[1].strip() for out in outs}
    assert len(kept) == 3 and all(Path(name).exists() for name in kept)


def test_restoring_the_store_onto_itself_is_refused(cli, db_path):
    cli("new", "--customer", "a@example.com", "--title", "t")
    result = cli("restore", str(db_path), "--force")
    assert result.exit_code == 1
    assert "is the store itself" in result.stderr
    assert not list(db_path.parent.glob("*.before-restore-*"))
    assert _case_titles(db_path) == ["t"]


def test_a_planted_symlink_at_the_kept_copys_name_is_refused_by_name(cli, db_path, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "t")
    backup = tmp_path / "backup.db"
    assert cli("backup", str(backup)).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("private")
    planted = _kept_names(db_path)
    for name in planted:
        name.symlink_to(victim)
    result = cli("restore", str(backup), "--force")
    assert result.exit_code == 1
    assert "is a symbolic link" in result.stderr and ".before-restore-" in result.stderr
    assert victim.read_text() == "private"


@pytest.mark.parametrize("verb", ["backup", "export"])
def test_backup_and_export_never_write_through_a_symlink(cli, tmp_path, verb):
    cli("new", "--customer", "a@example.com", "--title", "t")
    victim = tmp_path / "victim.txt"
    victim.write_text("private")
    target = tmp_path / "out"
    target.symlink_to(victim)
    for force in ([], ["--force"]):
        result = cli(verb, str(target), *force)
        assert result.exit_code == 1
        assert f"{target} is a symbolic link" in result.stderr
        assert victim.read_text() == "private" and target.is_symlink()
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    assert cli(verb, str(dangling)).exit_code == 1
    assert not (tmp_path / "nowhere").exists()


def test_export_never_overwrites_without_force(cli, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "t")
    target = tmp_path / "dump.jsonl"
    target.write_text("keep me")
    refused = cli("export", str(target))
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert target.read_text() == "keep me"
    assert cli("export", str(target), "--force").exit_code == 0
    assert target.read_text().startswith('{"casedesk_export"')
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("part", ["-wal", "-shm"])
def test_a_planted_wal_or_shm_symlink_is_refused_by_name(cli, db_path, tmp_path, part):
    cli("new", "--customer", "a@example.com", "--title", "t")
    victim = tmp_path / "victim.txt"
    victim.write_text("private")
    for leftover in ("-wal", "-shm"):
        Path(f"{db_path}{leftover}").unlink(missing_ok=True)
    planted = Path(f"{db_path}{part}")
    planted.symlink_to(victim)
    for verb in (["list"], ["nag"], ["note", "1", "hi"]):
        result = cli(*verb)
        assert result.exit_code == 1, verb
        assert f"{planted} is a symbolic link" in result.stderr, verb
    assert victim.read_text() == "private"


def test_copies_of_a_private_store_are_0600(cli, tmp_path):
    cli("new", "--customer", "a@example.com", "--title", "t")
    old = os.umask(0o022)
    try:
        assert cli("backup", str(tmp_path / "b.db")).exit_code == 0
        assert cli("export", str(tmp_path / "e.jsonl")).exit_code == 0
    finally:
        os.umask(old)
    for name in ("b.db", "e.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_a_new_private_store_and_its_wal_and_shm_are_0600(tmp_path):
    path = tmp_path / "new" / "casedesk.db"
    old = os.umask(0o022)
    try:
        desk = Desk.open(path, "ann")
        desk.new_case("a@example.com", "held open: the -wal and -shm files exist")
        parts = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
        modes = {part.name: stat.S_IMODE(part.stat().st_mode) for part in parts}
        desk.close()
    finally:
        os.umask(old)
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_link_to_nothing_at_the_store_path_is_refused_and_nothing_is_created(cli, tmp_path):
    planted = tmp_path / "casedesk.db"
    target = tmp_path / "elsewhere" / "victim.db"
    target.parent.mkdir()
    planted.symlink_to(target)
    result = cli("--db", str(planted), "new", "--customer", "a@example.com", "--title", "t")
    assert result.exit_code == 1
    assert f"{planted} is a symbolic link to a missing file" in result.stderr
    assert not target.exists()


def test_an_existing_stores_mode_is_left_as_it_is(tmp_path):
    path = tmp_path / "casedesk.db"
    Desk.open(path, "ann").close()
    path.chmod(0o640)
    Desk.open(path, "ann").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.fixture
def shared_store(two_users, cli_as):
    """A store made by `init --shared` for a real group of two real users, in a folder of /tmp
    that those users can reach; and the folder their private files live in."""
    group, users = two_users
    base = Path(tempfile.mkdtemp(prefix="casedesk-files-", dir="/tmp"))
    base.chmod(0o755)
    homes = base / "homes"
    homes.mkdir()
    homes.chmod(0o1777)
    path = init_shared(base / "team", group)
    desk = Desk.open(path, "seed")
    desk.new_case("a@example.com", "shared case")
    desk.close()
    yield path, group, users, homes
    shutil.rmtree(base, ignore_errors=True)


def test_backups_exports_and_kept_copies_of_a_shared_store_stay_in_its_group(shared_store, cli_as):
    path, group, (alice, _), homes = shared_store
    out = homes / alice
    out.mkdir()
    shutil.chown(out, alice)
    made = [out / "b.db", out / "e.jsonl", path.parent / "b.db"]
    assert cli_as(alice, "backup", str(made[0]), "--db", str(path)).exit_code == 0
    assert cli_as(alice, "export", str(made[1]), "--db", str(path)).exit_code == 0
    assert cli_as(alice, "backup", str(made[2]), "--db", str(path)).exit_code == 0
    restored = cli_as(alice, "restore", str(made[2]), "--force", "--db", str(path))
    assert restored.exit_code == 0, restored.stderr
    made.append(Path(restored.stderr.rsplit("kept at ", 1)[1].strip()))  # the kept copy
    gid = grp.getgrnam(group).gr_gid
    for made_file in made:
        info = made_file.stat()
        assert stat.S_IMODE(info.st_mode) == 0o660, made_file  # was 0644 (umask 022)
        assert info.st_gid == gid, made_file


def test_a_group_member_cannot_make_anothers_restore_overwrite_their_files(
    shared_store, cli_as, as_user
):
    path, _, (mallory, victim), homes = shared_store
    private = homes / victim
    private.mkdir()
    shutil.chown(private, victim)
    private.chmod(0o755)
    precious = private / "casedesk.db"
    assert as_user(victim, lambda: Desk.open(precious, victim).close()) == 0
    before = precious.read_bytes()
    backup = homes / "team-backup.db"
    assert cli_as(victim, "backup", str(backup), "--db", str(path)).exit_code == 0

    def plant() -> None:
        for name in _kept_names(path, seconds=6):
            name.symlink_to(precious)

    assert as_user(mallory, plant) == 0
    result = cli_as(victim, "restore", str(backup), "--force", "--db", str(path))
    assert result.exit_code == 1
    assert "is a symbolic link" in result.stderr
    assert precious.read_bytes() == before
