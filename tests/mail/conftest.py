"""Fixtures for the mail tests: config files, the shared real mail, a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mail_helpers import SHARED_MAIL, Capture, SmtpServer, self_signed_cert, write_config

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
