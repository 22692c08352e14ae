"""The stats screen: are customers kept in the loop? Four charts and the headline figures.

A standalone screen: push `StatsScreen(desk)` from anywhere. The figures come from the same report
as `casedesk report` (see `casedesk.core.reports`), computed in a worker thread on a connection
of its own, so a large store never blocks the UI. Each part is drawn as soon as it is ready, by
two workers side by side: the overdue chart (one grouped read of an index), and the report's
charts and figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from casedesk.core.reports import Report, Window, from_epoch
from casedesk.core.rules import humanize
from casedesk.core.safetext import one_line
from casedesk.desk.desk import Desk
from casedesk.store import Store

SPANS = (7, 30, 90)  # days the window can cover; `w` cycles through them
SERIES_POINTS = 30


@dataclass(frozen=True)
class StatsData:
    """Everything the screen shows, computed together in the worker."""

    report: Report
    overdue: list[tuple[int, int]]  # (epoch seconds, cases overdue then)


class StatsScreen(Screen[None]):
    """Charts of how customers are being treated over the last days."""

    CSS_PATH = "stats.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("w", "next_span", "Window"),
        Binding("r", "reload", "Refresh"),
    ]

    days: reactive[int] = reactive(SPANS[1], init=False)

    def __init__(self, desk: Desk, days: int = SPANS[1]) -> None:
        super().__init__()
        self.desk = desk
        self.set_reactive(StatsScreen.days, days)
        self.data: StatsData | None = None
        self._series: list[tuple[int, int]] | None = None
        self._report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="stats-summary")
        with Grid(id="stats-charts"):
            yield PlotextPlot(id="chart-overdue")
            yield PlotextPlot(id="chart-first-response")
            yield PlotextPlot(id="chart-agents")
            yield PlotextPlot(id="chart-silence")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def watch_days(self) -> None:
        self.load()

    def action_next_span(self) -> None:
        index = SPANS.index(self.days) if self.days in SPANS else 0
        self.days = SPANS[(index + 1) % len(SPANS)]

    def action_reload(self) -> None:
        self.load()

    def load(self) -> None:
        for plot in self.query(PlotextPlot):
            plot.loading = True
        self._series: list[tuple[int, int]] | None = None
        self._report: Report | None = None
        self._say(f"Working out the last {self.days} days…")
        self._load_overdue(self.days)

    def _say(self, words: str, style: str = "dim") -> None:
        self.query_one("#stats-summary", Static).update(Text(words, style=style))

    def _window(self, days: int) -> Window:
        now = self.desk.now()
        return Window(now - timedelta(days=days), now)

    @work(thread=True, exclusive=True, group="stats-overdue", exit_on_error=False)
    def _load_overdue(self, days: int) -> None:
        """Bring the report steps up to date (once for both workers), start the report's
        worker, and draw the overdue chart: one indexed read, the first thing shown. Each
        worker has a connection of its own (it must not share the desk's with the UI thread)."""
        from casedesk.store.reports import overdue_series, update_steps

        call = self.app.call_from_thread
        policy = self.desk.policy
        window = self._window(days)
        try:
            store = Store.open(self.desk.store.path)
            try:
                update_steps(store, policy, lambda done, total: call(self._folding, done, total))
                call(self._load_report, days)
                series = overdue_series(store, policy, window, SERIES_POINTS)
            finally:
                store.close()
        except Exception as exc:  # shown, not raised: a report must never take the console down
            call(self._failed, exc)
            return
        call(self._overdue_ready, days, window, series)

    @work(thread=True, exclusive=True, group="stats-report", exit_on_error=False)
    def _load_report(self, days: int) -> None:
        """The report behind the other charts and the headline figures, beside the overdue
        chart's worker."""
        from casedesk.store.reports import build_report

        call = self.app.call_from_thread
        try:
            store = Store.open(self.desk.store.path)
            try:
                report = build_report(store, self.desk.policy, self._window(days), top=0)
            finally:
                store.close()
        except Exception as exc:  # shown, not raised
            call(self._failed, exc)
            return
        call(self._report_ready, days, report)

    def _overdue_ready(self, days: int, window: Window, series: list[tuple[int, int]]) -> None:
        if days != self.days:  # a worker of the span shown before
            return
        self._series = series
        self._overdue_chart(window, series)
        self._both_ready()

    def _report_ready(self, days: int, report: Report) -> None:
        if days != self.days:
            return
        self._report = report
        self.query_one("#stats-summary", Static).update(summary_text(report, self.days))
        self._first_response_chart(report)
        self._agents_chart(report)
        self._silence_chart(report)
        self._both_ready()

    def _both_ready(self) -> None:
        if self._series is not None and self._report is not None:
            self.data = StatsData(self._report, self._series)

    def _folding(self, done: int, total: int) -> None:
        """A store never reported on (or after a policy change) is folded into report steps
        once, before any figure: say how far that got."""
        self._say(
            f"Preparing the reports (once): {done:,} of {total:,} cases folded into report steps…"
        )

    def _failed(self, exc: Exception) -> None:
        for plot in self.query(PlotextPlot):
            plot.loading = False
        self._say(f"Could not work out the figures: {one_line(str(exc), 200)}", style="red")

    # -- drawing ----------------------------------------------------------------------------

    def _plot(self, widget_id: str, title: str) -> PlotextPlot:
        widget = self.query_one(f"#{widget_id}", PlotextPlot)
        widget.loading = False
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        return widget

    def _overdue_chart(self, window: Window, overdue: list[tuple[int, int]]) -> None:
        """Drawn first: the other charts wait (loading) for the report."""
        widget = self._plot("chart-overdue", "Cases overdue for an update")
        plt = widget.plt
        days = [(t - window.u) / 86400 for t, _ in overdue]
        plt.plot(days, [n for _, n in overdue], marker="braille")
        plt.xlabel("days ago")
        widget.refresh()

    def _first_response_chart(self, report: Report) -> None:
        widget = self._plot("chart-first-response", "First response per week (median hours)")
        plt = widget.plt
        weeks = report.first_response_by_week
        if weeks:
            labels = [f"{start.astimezone():%d %b}" for start, _ in weeks]
            hours = [(spread.median or 0) / 3600 for _, spread in weeks]
            plt.bar(labels, hours)
        widget.refresh()

    def _agents_chart(self, report: Report) -> None:
        widget = self._plot("chart-agents", "Open cases per agent (and overdue)")
        plt = widget.plt
        agents = [a for a in report.agents if a.open_cases]
        if agents:
            plt.multiple_bar(
                [one_line(a.agent, 12) for a in agents],
                [[a.open_cases for a in agents], [a.overdue_cases for a in agents]],
                labels=["open", "overdue"],
            )
        widget.refresh()

    def _silence_chart(self, report: Report) -> None:
        widget = self._plot("chart-silence", "Open cases by longest silence")
        plt = widget.plt
        plt.bar(
            [label for label, _ in report.silence_histogram],
            [n for _, n in report.silence_histogram],
        )
        widget.refresh()


def summary_text(report: Report, days: int) -> Text:
    """The headline figures above the charts."""

    def duration(seconds: float | None) -> str:
        return "—" if seconds is None else humanize(timedelta(seconds=round(seconds)))

    share = report.overdue_share
    text = Text(f"Last {days} days", style="bold")
    text.append(f" (to {from_epoch(report.window.u).astimezone():%Y-%m-%d %H:%M})  ", style="dim")
    text.append(f"{report.cases_open_at_until} open · ")
    text.append(
        f"{'—' if share is None else f'{share * 100:.0f}%'} of open time overdue",
        style="bold red" if share and share > 0.25 else "",
    )
    text.append(
        f" · first response median {duration(report.first_response.median)}"
        f" · resolution median {duration(report.resolution.median)}"
        f" · {report.resolved_not_told} resolved but not told"
    )
    if report.calendar is not None:
        text.append("  (working time)", style="dim")
    return text
