"""Charts for the statement as inline SVG, drawn in Python from the statement's own figures (no
script, no network): the contract profit rate built up step by step (a waterfall), the allowable
costs by Part of the guidance by agreement status, and the simulated distribution of the risks.
Each scales to the width of the page (a viewBox, width 100%)."""

from __future__ import annotations

from html import escape
from typing import Any, Sequence

from .formats import money, money_short, rate

BLUE, LIGHT, AMBER, RED, GREY, INK, GRID = "#1f3864", "#8ea9c1", "#d99a1e", "#b23a3a", "#9a9a9a", "#222", "#d9d9d9"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _svg(width: int, height: int, body: Sequence[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>' + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "middle", fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}" {FONT}>{escape(text)}</text>')


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}"/>'


def cpr_waterfall(component: dict[str, Any]) -> str:
    """The four (or six) steps as a waterfall: each step's adjustment from the running total before
    it, then the contract profit rate as a whole bar."""
    steps = component["steps"]
    width, height, left, top, bottom = 640, 250, 50, 24, 54
    labels = [f"Step {s['step']}" for s in steps] + ["CPR"]
    short = {"Baseline profit rate": "Baseline profit rate", "Cost risk adjustment": "Cost risk",
             "Incentive adjustment": "Incentive", "Capital servicing adjustment": "Capital servicing",
             "POCO adjustment": "POCO", "SSRO funding adjustment": "SSRO funding"}
    names = [short.get(s["name"], s["name"]) for s in steps] + ["Contract profit rate"]
    totals = [0.0] + [s["running_total"] for s in steps]
    hi = max(max(totals), component["contract_profit_rate"], 1e-9)
    lo = min(0.0, min(totals))
    span = hi - lo
    plot_h = height - top - bottom
    y = lambda v: top + (hi - v) / span * plot_h  # noqa: E731
    n = len(labels)
    slot = (width - left - 10) / n
    bar = slot * 0.62
    body = [f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - 10}" y2="{y(0):.1f}" stroke="{INK}" stroke-width="1"/>']
    for k in range(n):
        x = left + k * slot + (slot - bar) / 2
        if k < len(steps):
            start, end = totals[k], totals[k + 1]
            colour = BLUE if k == 0 else (LIGHT if end >= start else RED)
            value = steps[k]["adjustment"]
            shown = rate(value, signed=k > 0)
        else:
            start, end, colour = 0.0, component["contract_profit_rate"], BLUE
            shown = rate(end)
        y0, y1 = sorted((y(start), y(end)))
        body.append(_rect(x, y0, bar, max(y1 - y0, 1.0), colour))
        if k < len(steps) - 1 or k == n - 2:
            nxt = left + (k + 1) * slot + (slot - bar) / 2
            body.append(f'<line x1="{x + bar:.1f}" y1="{y(end):.1f}" x2="{nxt:.1f}" y2="{y(end):.1f}" '
                        f'stroke="{GREY}" stroke-dasharray="3,2"/>')
        body.append(_text(x + bar / 2, y0 - 5, shown, size=11, weight="bold" if k == n - 1 else "normal"))
        body.append(_text(x + bar / 2, height - bottom + 16, labels[k], size=11, weight="bold"))
        body.append(_text(x + bar / 2, height - bottom + 31, names[k], size=9))
    body.append(_text(left - 6, y(hi) + 4, rate(hi), size=9, anchor="end"))
    body.append(_text(left - 6, y(0) + 4, "0%", size=9, anchor="end"))
    return _svg(width, height, body, f"{component['name']}: contract profit rate build-up")


def allowable_costs_by_part(parts: Sequence[dict[str, Any]]) -> str:
    """One bar per Part with costs claimed: agreed, pending, not agreed and excluded, side by side."""
    shown = [p for p in parts if p["claimed"]]
    keys = (("agreed", "agreed", BLUE), ("pending", "pending", AMBER), ("not_agreed", "not agreed", RED),
            ("excluded", "excluded", GREY))
    width, left, right, row_h, top = 640, 78, 96, 24, 30
    height = top + row_h * max(len(shown), 1) + 20
    most = max([p["claimed"] for p in shown] or [1.0])
    scale = (width - left - right) / most
    body = []
    lx = left
    for _k, label, colour in keys:
        body.append(_rect(lx, 8, 10, 10, colour))
        body.append(_text(lx + 14, 17, label, size=10, anchor="start"))
        lx += 14 + 8 * len(label) + 18
    for j, p in enumerate(shown):
        y = top + j * row_h
        body.append(_text(left - 8, y + 15, f"Part {p['part']}" if p["part"] != "General" else "General",
                          size=10, anchor="end"))
        x = left
        for key, _label, colour in keys:
            w = p[key] * scale
            if w > 0:
                body.append(_rect(x, y + 3, w, row_h - 8, colour))
                x += w
        body.append(_text(x + 6, y + 15, money_short(p["claimed"]), size=10, anchor="start"))
    return _svg(width, height, body, "Allowable costs by Part of the guidance")


def risk_distribution(simulation: dict[str, Any], expected_value: float) -> str:
    """The histogram of the simulated total of the risks, with the expected value and the P50, P80
    and P90 marked."""
    bins = simulation["histogram"]
    width, height, left, top, bottom = 640, 240, 56, 28, 40
    if not bins:
        return _svg(width, 60, [_text(width / 2, 34, "No risks in the register: nothing was simulated.")],
                    "Risk distribution")
    lo, hi = bins[0]["from"], bins[-1]["to"]
    span = (hi - lo) or 1.0
    most = max(b["trials"] for b in bins) or 1
    plot_w, plot_h = width - left - 12, height - top - bottom
    x = lambda v: left + (v - lo) / span * plot_w  # noqa: E731
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{INK}"/>']
    for b in bins:
        h = b["trials"] / most * plot_h
        body.append(_rect(x(b["from"]) + 0.5, top + plot_h - h, x(b["to"]) - x(b["from"]) - 1, h, LIGHT))
    marks = (("EV", expected_value, BLUE), ("P50", simulation["p50"], INK), ("P80", simulation["p80"], AMBER),
             ("P90", simulation["p90"], RED))
    for k, (label, value, colour) in enumerate(marks):
        if value is None:
            continue
        xv = min(max(x(value), left), left + plot_w)
        body.append(f'<line x1="{xv:.1f}" y1="{top - 4}" x2="{xv:.1f}" y2="{top + plot_h}" stroke="{colour}" '
                    f'stroke-width="1.5" stroke-dasharray="4,2"/>')
        body.append(_text(xv + 3, top + 8 + 12 * k, f"{label} {money_short(value)}", size=10, anchor="start",
                          fill=colour))
    body.append(_text(left, height - 16, money_short(lo), size=9, anchor="start"))
    body.append(_text(left + plot_w, height - 16, money_short(hi), size=9, anchor="end"))
    body.append(_text(left + plot_w / 2, height - 4, "simulated total of the risks (£); bars: trials in each bin",
                      size=9))
    body.append(_text(left - 6, top + 8, f"{most:,}", size=9, anchor="end"))
    return _svg(width, height, body, f"Risk distribution: {simulation['trials']:,} trials, seed "
                                     f"{simulation['seed']}; expected value {money(expected_value)}")
