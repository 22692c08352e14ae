"""Fixtures for the mail tests: config files, the shared real mail, a real SMTP server."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mail_helpers import (
    DOVECOT_CONF,
    SHARED_MAIL,
    Capture,
    Dovecot,
    SmtpServer,
    free_port,
    self_signed_cert,
    wait_for_port,
    write_config,
)

from casedesk.mail.settings import MailSettings, load_mail_settings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], MailSettings]:
    """`config('[mail]\\nfrom = ...')`: writes config.toml, points CASEDESK_CONFIG at it."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CASEDESK_CONFIG", str(path))

    def write(text: str) -> MailSettings:
        write_config(path, text)
        return load_mail_settings()

    return write


@pytest.fixture
def real_mail() -> Path:
    folder = (SHARED_MAIL / "mail-parser").resolve()
    if not folder.is_dir():
        pytest.skip(f"the shared real mail is absent ({folder}); clone shared/ beside the repo")
    return folder


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(Capture()) as server:
        yield server


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def dovecot(require_tool, tls_cert) -> Iterator[Dovecot]:
    """A real dovecot IMAP server on loopback: throwaway config and passwd-file, no service.

    Run as a normal user, every dovecot process is that user. Run as root (CI containers),
    dovecot refuses root for its login and mail processes, so those run as the dovecot
    package's own users and the mail folder belongs to them.
    """
    binary = require_tool("dovecot")
    # Not under pytest's tmp_path: its 0700 folders would shut out dovecot's unprivileged users.
    root = Path(tempfile.mkdtemp(prefix="casedesk-dovecot-"))
    root.chmod(0o755)
    home = root / "home" / "help"
    home.mkdir(parents=True)
    if os.geteuid() == 0:
        login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
        uid, gid = pwd.getpwnam("dovecot").pw_uid, pwd.getpwnam("dovecot").pw_gid
        os.chown(home, uid, gid)
    else:
        login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
        internal_group = grp.getgrgid(os.getgid()).gr_name
        uid, gid = os.getuid(), os.getgid()
    (root / "passwd").write_text(f"help:{{PLAIN}}s3cret:{uid}:{gid}::{home}::\n")
    imap_port, imaps_port = free_port(), free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
            cert=tls_cert[0],
            key=tls_cert[1],
            imap_port=imap_port,
            imaps_port=imaps_port,
            uid=uid,
        )
    )
    log = root / "dovecot.log"

    def start() -> subprocess.Popen[bytes]:
        started = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(root / "stderr.log").open("ab"),
        )
        if not (wait_for_port(imap_port) and wait_for_port(imaps_port)):
            details = (root / "stderr.log").read_text() + (log.read_text() if log.exists() else "")
            started.kill()
            pytest.fail(f"dovecot did not start:\n{details}")
        return started

    def stop(running: subprocess.Popen[bytes]) -> None:
        running.terminate()
        try:
            running.wait(timeout=10)
        except subprocess.TimeoutExpired:
            running.kill()
            running.wait()

    processes = [start()]

    def restart(down_for: float = 0.0) -> None:
        stop(processes[-1])
        time.sleep(down_for)
        processes.append(start())

    try:
        yield Dovecot(
            "127.0.0.1", imap_port, imaps_port, "help", "s3cret", tls_cert[0], log, restart
        )
    finally:
        stop(processes[-1])
        if not os.environ.get("CASEDESK_KEEP_DOVECOT"):
            shutil.rmtree(root, ignore_errors=True)
