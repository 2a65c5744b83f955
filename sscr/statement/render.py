"""The statement as HTML (Jinja2 templates), PDF (the same HTML printed by headless Chromium: A4,
page numbers), JSON and CSV tables, written together into one folder.

Everything is rendered before anything is written, and each file is written atomically, so a
failure leaves the folder as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from sscr.dates import long_date
from sscr.errors import PricingInputError
from sscr.workbooks.package import write_atomic
from sscr.workbooks.safety import inert_text

from . import charts
from .build import APPENDIX_B_FIGURES
from .formats import money, rate, show

FORMATS = ("html", "pdf", "json", "csv")
DEFAULT_FORMATS = ("html", "pdf", "json")
#: Environment variable naming the Chromium (or Chrome) executable that prints the PDF.
CHROMIUM_ENV = "SSCR_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class RenderError(PricingInputError):
    """The statement cannot be rendered in a format asked for (for example, no browser for the PDF)."""


def _resource(name: str) -> str:
    return resources.files("sscr.statement").joinpath("templates", name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _template() -> Any:
    """The statement's Jinja2 template, compiled once."""
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    return env.from_string(_resource("statement.html.j2"))


def html(statement: Mapping[str, Any]) -> str:
    """The statement as one self-contained HTML page: styles and charts inline, no script, no network."""
    by_pointer = {e["pointer"]: e for e in statement["audit_trail"]}

    def figure(pointer: str, signed: bool = False) -> Markup:
        entry = by_pointer.get(pointer)
        if entry is None:  # every figure shown has an audit entry: a template defect otherwise
            raise KeyError(f"the statement shows {pointer} but its audit trail has no entry for it")
        value = entry["value"]
        text = rate(value, signed=True) if signed and entry["unit"] == "rate" and value is not None else show(
            value, entry["unit"])
        tip = entry["formula"] or ("input " + (f"{entry['sheet']}!{entry['cell']}" if entry["sheet"] else entry["id"]))
        return Markup('<a class="fig" href="#a-{0}" title="{1}">{2}</a>').format(entry["id"], tip, text)

    def show_any(value: Any) -> str:
        if isinstance(value, float):
            return format(value, ",.10g")
        return "(empty)" if value is None else str(value)

    drawn = {
        "cpr": {c["number"]: Markup(charts.cpr_waterfall(c)) for c in statement["components"] if c["steps"]},
        "parts": Markup(charts.allowable_costs_by_part(statement["allowable_costs_by_part"]["parts"])),
        "risk": Markup(charts.risk_distribution(statement["risk_contingency"]["simulation"],
                                                statement["risk_contingency"]["expected_value"])),
    }
    appendix_b = [(field, label) for field, _name, label, _unit in APPENDIX_B_FIGURES]
    return _template().render(s=statement, css=Markup(_resource("statement.css")), f=figure, show=show,
                           appendix_b=appendix_b, annex=_audit_annex(statement["audit_trail"]),
                           show_any=show_any, money=money, charts=drawn,
                           long_date=lambda iso: long_date(dt.date.fromisoformat(iso)))


#: The tables whose rows each carry the same figures (a cost line's claimed and allowable amounts, a
#: risk's probability, mean impact and expected value): Annex B shows their derivations row by row,
#: each formula once, so that a model of thousands of cost lines prints in a few pages per thousand.
ROW_TABLES = (("/cost_lines/", "Cost lines", "Line"), ("/risk_contingency/risks/", "Risk register", "Risk"))
_ROW_NUMBER = re.compile(r"_(\d+)$")


def _audit_annex(trail: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], list[dict[str, Any]]]:
    """The audit trail split for Annex B: the figures shown one by one, and the row tables, each
    with its figures' formulas given once (the row number as ``n``) and one line per row."""
    singles: list[Mapping[str, Any]] = []
    tables: dict[str, dict[str, Any]] = {}
    for e in trail:
        prefix = next((t for t in ROW_TABLES if e["pointer"].startswith(t[0])), None)
        number = _ROW_NUMBER.search(e["id"])
        if prefix is None or number is None:
            singles.append(e)
            continue
        n = number.group(1)
        table = tables.setdefault(prefix[0], {"title": prefix[1], "fields": {}, "rows": {}})
        field = e["pointer"].rsplit("/", 1)[-1]
        row_label, _, what = e["label"].partition(": ")
        pattern = re.compile(rf"(?<=[A-Za-z])_{n}\b")
        if field not in table["fields"]:
            table["fields"][field] = {"field": field, "label": what or e["label"],
                                      "id": pattern.sub("_n", e["id"]), "formula": pattern.sub("_n", e["formula"] or ""),
                                      "guidance": e["guidance"], "sheet": e["sheet"]}
        row = table["rows"].setdefault(e["pointer"].rsplit("/", 2)[-2], {"label": row_label, "cells": {},
                                                                         "inputs": {}})
        row["cells"][field] = e
        for operand in e["inputs"]:
            row["inputs"].setdefault(operand["name"], operand)
    out = []
    for table in tables.values():
        fields = list(table["fields"].values())
        rows = []
        for row in table["rows"].values():
            own = {c["id"] for c in row["cells"].values()}
            n = _ROW_NUMBER.search(next(iter(own))).group(1)
            pattern = re.compile(rf"(?<=[A-Za-z])_{n}\b")
            rows.append({"label": row["label"], "n": n, "cells": [row["cells"].get(f["field"]) for f in fields],
                         "inputs": [dict(i, name=pattern.sub("_n", name)) for name, i in row["inputs"].items()
                                    if name not in own]})
        out.append({"title": table["title"], "fields": fields, "rows": rows})
    return singles, out


def to_json(statement: Mapping[str, Any]) -> str:
    return json.dumps(statement, indent=2, ensure_ascii=False) + "\n"


# --- CSV tables ------------------------------------------------------------------------------------

def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        # text may come from the model's users: written so a spreadsheet never takes it for a formula
        writer.writerow(["" if v is None else inert_text(v) if isinstance(v, str) else repr(float(v))
                         if isinstance(v, float) else v for v in row])
    return buf.getvalue()


def csv_tables(statement: Mapping[str, Any]) -> dict[str, str]:
    """The statement's tables as CSV files, by file suffix: components, steps, allowable costs by
    Part, cost lines, risks and the audit trail. Figures unrounded."""
    comps = statement["components"]
    parts = statement["allowable_costs_by_part"]["parts"]
    return {
        "components": _csv(("number", "name", "pricing_method", "method_kind", "allowable_costs",
                            "contract_profit_rate", "profit", "price"),
                           [(c["number"], c["name"], c["pricing_method"], c["method_kind"], c["allowable_costs"],
                             c["contract_profit_rate"], c["profit"], c["price"]) for c in comps]),
        "steps": _csv(("component", "step", "name", "regulation", "factor", "factor_unit", "adjustment",
                       "running_total"),
                      [(c["name"], s["step"], s["name"], s["regulation"], s["factor"], s["factor_unit"],
                        s["adjustment"], s["running_total"]) for c in comps for s in c["steps"]]),
        "allowable-costs-by-part": _csv(
            ("part", "heading", "claimed", "agreed", "pending", "not_agreed", "excluded", "lines", "excluded_by"),
            [(p["part"], p["heading"], p["claimed"], p["agreed"], p["pending"], p["not_agreed"], p["excluded"],
              p["lines"], "; ".join(f"{x['line']} ({x['paragraph']})" for x in p["excluded_by"])) for p in parts]),
        "cost-lines": _csv(("id", "description", "component", "cost_type", "part", "treatment", "paragraph",
                            "status", "claimed", "allowable"),
                           [(l["id"], l["description"], l["component"], l["cost_type"], l["part"], l["treatment"],
                             l["paragraph"], l["status"], l["claimed"], l["allowable"])
                            for l in statement["cost_lines"]]),
        "risks": _csv(("id", "description", "component", "probability", "mean_impact", "expected_value"),
                      [(k["id"], k["description"], k["component"], k["probability"], k["mean_impact"],
                        k["expected_value"]) for k in statement["risk_contingency"]["risks"]]),
        "audit-trail": _csv(("id", "label", "value", "unit", "kind", "formula", "inputs", "guidance", "sheet", "cell",
                             "pointer"),
                            [(e["id"], e["label"], e["value"] if not isinstance(e["value"], bool) else str(e["value"]),
                              e["unit"], e["kind"], e["formula"],
                              "; ".join(i["name"] for i in e["inputs"]), e["guidance"], e["sheet"], e["cell"],
                              e["pointer"]) for e in statement["audit_trail"]]),
    }


# --- PDF -------------------------------------------------------------------------------------------

def find_chromium() -> str | None:
    """The browser that prints the PDF: ``SSCR_CHROMIUM``, else chromium (or Chrome) on the PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if Path(named).is_file() or shutil.which(named) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(browser: str, profile: str) -> list[str]:
    """Headless Chromium's command line, with a throwaway profile and nothing fetched from outside."""
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--metrics-recording-only", "--mute-audio", f"--user-data-dir={profile}"]


def pdf(html_text: str, *, timeout: float = 180.0) -> bytes:
    """The HTML printed to PDF by headless Chromium: A4 with page numbers (the CSS @page rules)."""
    browser = find_chromium()
    if browser is None:
        raise RenderError(f"the PDF is printed by Chromium, which is not installed here: install it (Debian: "
                          f"apt-get install chromium) or name it in {CHROMIUM_ENV}, or leave pdf out of --format")
    with tempfile.TemporaryDirectory(prefix="sscr-statement-") as tmp:
        page = Path(tmp) / "statement.html"
        page.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "statement.pdf"
        command = chromium_command(browser, str(Path(tmp) / "profile")) + [
            "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise RenderError(f"Chromium did not print the PDF within {timeout:.0f} seconds") from None
        except OSError as exc:
            raise RenderError(f"Chromium ({browser}) could not be started: {exc.strerror or exc}") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise RenderError(f"Chromium did not print the PDF (exit status {done.returncode}: {tail[0]})")
        return out.read_bytes()


# --- writing ---------------------------------------------------------------------------------------

def parse_formats(text: str | None) -> tuple[str, ...]:
    """``html,pdf,json,csv`` (any order, any case) as a tuple; an unknown format is refused by name."""
    if text is None:
        return DEFAULT_FORMATS
    chosen = [t.strip().lower() for t in text.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in FORMATS]
    if unknown or not chosen:
        raise RenderError(f"--format {text!r}: {'unknown format ' + ', '.join(unknown) if unknown else 'no format'}"
                          f"; choose from {', '.join(FORMATS)}, separated by commas")
    return tuple(dict.fromkeys(chosen))


def render(statement: Mapping[str, Any], stem: str, formats: Sequence[str]) -> dict[str, bytes]:
    """Every file of the statement, by file name, in memory."""
    files: dict[str, bytes] = {}
    page = html(statement) if ("html" in formats or "pdf" in formats) else None
    if "html" in formats:
        files[f"{stem}.html"] = page.encode("utf-8")
    if "json" in formats:
        files[f"{stem}.json"] = to_json(statement).encode("utf-8")
    if "csv" in formats:
        for suffix, text in csv_tables(statement).items():
            files[f"{stem}-{suffix}.csv"] = text.encode("utf-8")
    if "pdf" in formats:
        files[f"{stem}.pdf"] = pdf(page)
    return files


def write(files: Mapping[str, bytes], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the files atomically into ``out_dir`` (created if need be)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = out / name
        write_atomic(path, data)
        written.append(path)
    return written


__all__ = ["FORMATS", "RenderError", "csv_tables", "find_chromium", "html", "parse_formats", "pdf", "render",
           "to_json", "write"]
