"""Regenerate template workbooks without Excel: read each one's inputs, compute with the core, and
write a regenerated copy (or replace the file atomically with ``in_place``).

:func:`regenerate_one` does one workbook and never raises for a problem with that workbook: it
returns a :class:`RegenerationResult` whose ``status`` is ``ok``, ``flagged`` (written, with cells
flagged for review) or ``failed`` (nothing written; ``message`` says why). :func:`regenerate_many`
runs it over a batch, on a process pool or a Dask cluster, skipping copies already up to date
(:mod:`sscr.workbooks.batch`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from sscr.errors import PricingInputError
from sscr.rates import default_table

from .adapter import FileBook
from .fill import fill, headline_text
from .package import PackageError
from .safety import inert_text, not_regular

OK, FLAGGED, FAILED = "ok", "flagged", "failed"


@dataclass
class RegenerationResult:
    """The outcome for one workbook."""

    source: str
    output: str | None
    status: str
    template: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    flags: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    message: str | None = None
    headline_text: str = ""


@dataclass(frozen=True)
class Job:
    """One workbook to regenerate: its path and the name its copy takes under the output folder."""

    source: Path
    relative: Path


def collect(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Job], list[RegenerationResult]]:
    """The .xlsx files named, or found in the folders named (not recursing), each once.

    Paths that do not exist or are not .xlsx come back as failed results, so that the batch goes
    on with the others. Only regular files are read: a FIFO, a device or a socket (named, or in a
    folder under an .xlsx name) is reported, never opened, and so is a symbolic link to nothing.
    """
    jobs: list[Job] = []
    problems: list[RegenerationResult] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = []
            try:
                entries = sorted(path.iterdir())
            except OSError as exc:
                problems.append(RegenerationResult(str(path), None, FAILED,
                                                   message=f"{path} cannot be listed: {exc.strerror or exc}"))
                continue
            for p in entries:
                if p.suffix.lower() != ".xlsx" or p.name.startswith(("~$", ".")):
                    continue
                why = not_regular(p)
                if why is None:
                    found.append(p)
                elif not p.is_dir():  # a folder named x.xlsx is passed over, as before
                    problems.append(RegenerationResult(str(p), None, FAILED, message=(
                        f"{p.name} {why}: only workbook files are read, so it was not regenerated")))
            if not found and not any(Path(r.source).parent == path for r in problems):
                problems.append(RegenerationResult(str(path), None, FAILED, message=f"{path} holds no .xlsx files"))
            candidates = found
        else:
            why = not_regular(path)
            if why is not None:
                message = f"{path} does not exist" if why == "does not exist" else (
                    f"{path.name} {why}: only workbook files are read")
                problems.append(RegenerationResult(str(path), None, FAILED, message=message))
                continue
            if path.suffix.lower() != ".xlsx":
                problems.append(RegenerationResult(str(path), None, FAILED,
                                                   message=f"{path.name} is not an .xlsx workbook"))
                continue
            candidates = [path]
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                jobs.append(Job(p, Path(p.name)))
    return jobs, problems


def lock_file(workbook: Path) -> Path | None:
    """The lock file a spreadsheet application keeps beside a workbook it has open: Excel's
    ``~$NAME.xlsx``, LibreOffice's ``.~lock.NAME.xlsx#``; None when there is none."""
    for candidate in (workbook.with_name("~$" + workbook.name), workbook.with_name(f".~lock.{workbook.name}#")):
        if os.path.lexists(candidate):
            return candidate
    return None


def regenerate_one(source: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None, *,
                   in_place: bool = False, rates_file: str | os.PathLike[str] | None = None,
                   output_name: str | None = None) -> RegenerationResult:
    """Regenerate one workbook into ``out_dir`` (or in place). Never raises for the workbook's own
    problems: a bad input, a file that is not a template, a missing defined name all give a failed
    result naming the problem."""
    src = Path(source)
    if in_place:
        # a symbolic link is kept: the workbook it points to is the one regenerated
        dest = Path(os.path.realpath(src)) if src.is_symlink() else src
        try:
            read_only = dest.is_file() and not dest.stat().st_mode & stat.S_IWUSR
        except OSError:
            read_only = False
        if read_only:  # as a spreadsheet application would, leave a read-only workbook as it is
            return RegenerationResult(str(src), None, FAILED, message=(
                f"{src.name}: the workbook is read-only, so --in-place leaves it as it is; make it writable, or "
                f"give --out a folder for the regenerated copy"))
        lock = lock_file(dest) or (lock_file(src) if dest != src else None)
        if lock is not None:  # open in Excel or LibreOffice: replacing it would lose what is typed there
            return RegenerationResult(str(src), None, FAILED, message=(
                f"{src.name}: the workbook is open in a spreadsheet application (its lock file {lock.name} is "
                f"beside it), so --in-place leaves it as it is; close it there and run again, or give --out a "
                f"folder for the regenerated copy"))
    else:
        if out_dir is None:
            raise ValueError("regenerate_one needs out_dir unless in_place")
        dest = Path(out_dir) / (output_name or src.name)
        if dest.resolve() == src.resolve():
            return RegenerationResult(str(src), None, FAILED, message=(
                f"{src.name}: the output would replace the source; give another --out folder or use --in-place"))
    book = None
    try:
        book = FileBook.open(src)
        result = fill(book, rates=default_table(rates_file))
        dest.parent.mkdir(parents=True, exist_ok=True)
        book.save(dest)
    except (PricingInputError, PackageError) as exc:
        return RegenerationResult(str(src), None, FAILED, message=f"{src.name}: {exc}")
    except OSError as exc:
        return RegenerationResult(str(src), None, FAILED,
                                  message=f"{src.name}: cannot write {dest}: {exc.strerror or exc}")
    finally:
        if book is not None:
            book.package.close()
    return RegenerationResult(
        str(src), str(dest), FLAGGED if result.flags else OK, result.template, dict(result.headline),
        [{"where": f.where, "message": f.message} for f in result.flags], list(result.notes),
        headline_text=headline_text(result))


def regenerate_many(jobs: Sequence[Job], out_dir: str | os.PathLike[str] | None, *, workers: int = 1,
                    in_place: bool = False, rates_file: str | os.PathLike[str] | None = None,
                    dask: str | None = None, skip_up_to_date: bool = False,
                    progress: bool = False) -> list[RegenerationResult]:
    """Regenerate every job, on a pool of ``workers`` processes (or on the Dask distributed cluster
    whose scheduler is at ``dask``); results in the jobs' order. With ``skip_up_to_date``, a copy
    already regenerated from the same source bytes, rate table and sscr version (and unchanged
    since) is not regenerated again: its result comes back with the status ``skipped``. One
    workbook, even one that kills its worker process, never stops the others.
    See :mod:`sscr.workbooks.batch`."""
    from .batch import regenerate_batch
    return regenerate_batch(jobs, out_dir, workers=workers, in_place=in_place, rates_file=rates_file, dask=dask,
                            skip_up_to_date=skip_up_to_date, progress=progress)


# --- the summary ---------------------------------------------------------------------------------

SUMMARY_COLUMNS = ("file", "output", "template", "status", "name", "value", "message")


def summary_rows(results: Sequence[RegenerationResult]) -> list[dict[str, Any]]:
    """One row per headline figure, flag, note or failure."""
    rows = []
    for r in results:
        base = {"file": r.source, "output": r.output or "", "template": r.template or "", "status": r.status}
        if r.status == FAILED:
            rows.append({**base, "name": "", "value": "", "message": r.message or ""})
            continue
        for name, value in r.headline.items():
            rows.append({**base, "name": name, "value": "" if value is None else repr(float(value)), "message": ""})
        for flag in r.flags:
            rows.append({**base, "name": flag["where"], "value": "", "message": "flagged: " + flag["message"]})
        for note in r.notes:
            rows.append({**base, "name": "", "value": "", "message": "note: " + note})
    return rows


def write_summary(path: str | os.PathLike[str], results: Sequence[RegenerationResult]) -> None:
    """The summary as CSV (one row per figure, flag or failure) or JSON (one object per workbook)."""
    from .package import write_atomic
    p = Path(path)
    if p.suffix.lower() == ".json":
        data = json.dumps([{k: v for k, v in asdict(r).items() if k != "headline_text"} for r in results],
                          indent=2, ensure_ascii=False) + "\n"
    elif p.suffix.lower() == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        # every cell but the figures is text that may come from a user (file names, messages):
        # written so that a spreadsheet opening the summary never takes it for a formula
        writer.writerows({k: v if k == "value" else inert_text(str(v)) for k, v in row.items()}
                         for row in summary_rows(results))
        data = buf.getvalue()
    else:
        raise PricingInputError(f"summary file {p.name} must end in .csv or .json")
    p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(p, data.encode("utf-8"))


def summary_lines(results: Sequence[RegenerationResult]) -> list[str]:
    """The summary as the terminal shows it."""
    lines = []
    for r in results:
        name = Path(r.source).name
        if r.status == FAILED:
            lines.append(f"FAILED   {name}: {(r.message or '').removeprefix(name + ': ')}")
            continue
        lines.append(f"{r.status.upper():<8} {name} [{r.template}] -> {r.output}")
        if r.headline_text:
            lines.append(f"         {r.headline_text}")
        for flag in r.flags:
            lines.append(f"  FLAG   {flag['message']}")
        for note in r.notes:
            lines.append(f"  note   {note}")
    return lines
