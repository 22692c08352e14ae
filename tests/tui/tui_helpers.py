"""Driving the console headless in tests (imported by the tui tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from casedesk.app import CasedeskApp


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


Scenario = Callable[[Any], Awaitable[None]]


def drive(app: CasedeskApp, scenario: Scenario, size: tuple[int, int] = (100, 30)) -> None:
    """Run the app headless at `size` and play `scenario(pilot)` against it."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())


async def submit_search(pilot: Any, text: str) -> None:
    """Type `text` into the queue's search box and press enter; the box is made by the first
    `/`, and a box already focused is typed into again."""
    if not any(box.has_focus for box in pilot.app.screen.query("#search")):
        await pilot.press("slash")
        await pilot.pause()
    box = pilot.app.screen.query_one("#search", Input)
    assert box.has_focus
    box.value = text
    await pilot.press("enter")


def messages(app: CasedeskApp) -> list[str]:
    return [n.message for n in app._notifications]


def smtp_config(tmp_path: Path, monkeypatch: Any, port: int) -> None:
    """A config.toml (named by CASEDESK_CONFIG) that sends through the SMTP server on `port`."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[mail]\nfrom = "Help Desk <help@example.com>"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = 5\n'
    )
    monkeypatch.setenv("CASEDESK_CONFIG", str(path))
