"""Shared fixtures of the reliability suites, and the tally behind RELIABILITY.md.

Every reliability test carries ``@pytest.mark.reliability("category")``. A parametrised case counts
as one case; a test that drives many cases itself (a batch, a series of kills) records how many
with ``tally(cases=..., lost=...)``. At the end of the run the figures per category (cases,
survived, lost) are printed under the test summary and, when ``SSCR_RELIABILITY_FIGURES`` names a
file, written there as a Markdown table.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # the shared workbook helpers live beside the other test modules
    sys.path.insert(0, str(TESTS))

_FIGURES: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # cases, survived, lost


def pytest_configure(config):
    config.addinivalue_line("markers", "reliability(category): counted in the reliability figures under category")
    config.addinivalue_line("markers", "slow: takes more than a minute; runs by default")


@pytest.fixture
def tally(request):
    """``tally(cases=n, lost=k)``: this test drove n cases itself, k of which were lost."""
    def record(*, cases: int, lost: int = 0) -> None:
        request.node.user_properties.append(("cases", cases))
        request.node.user_properties.append(("lost", lost))
    return record


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    marker = item.get_closest_marker("reliability")
    if marker is None or report.when != "call" or report.skipped:
        return
    props = dict(item.user_properties)
    cases = int(props.get("cases", 1))
    lost = int(props.get("lost", 0))
    if report.failed:
        lost = max(lost, 1)
    figures = _FIGURES[marker.args[0]]
    figures[0] += cases
    figures[1] += cases - lost
    figures[2] += lost


def figures_table() -> str:
    lines = ["| Category | Cases | Survived | Lost |", "|---|---:|---:|---:|"]
    total = [0, 0, 0]
    for category, (cases, survived, lost) in sorted(_FIGURES.items()):
        lines.append(f"| {category} | {cases:,} | {survived:,} | {lost:,} |")
        total = [total[0] + cases, total[1] + survived, total[2] + lost]
    lines.append(f"| **Total** | **{total[0]:,}** | **{total[1]:,}** | **{total[2]:,}** |")
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write(figures_table())
    target = os.environ.get("SSCR_RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(figures_table(), encoding="utf-8")
