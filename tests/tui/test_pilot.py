"""Pilot tests: the console driven by keys against a real store file."""

from __future__ import annotations

import asyncio

from casedesk.widgets.case_list import CaseList


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def drive(app, scenario, size=(120, 40)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(main())


def test_queue_lists_my_cases_overdue_first(make_app, seeded):
    app = make_app()

    async def scenario(pilot):
        cases = app.screen.query_one(CaseList)
        assert cases.total == 3
        assert cases.row_at(0) is not None

    drive(app, scenario)
