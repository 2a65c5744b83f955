"""Failures the operating system produces, at every command and option that names a file, each with
its own message: the file (as given), the system's reason and the rule it breaks, never "failed
unexpectedly" or a traceback, and nothing half-written.

The classes, for every input and output of ``sscr price``, ``sscr rates template``/``check``/``show``,
``sscr regenerate`` (the workbooks, ``--out``, ``--summary``, ``--rates-file``), ``sscr statement``
(the model, ``--out``) and ``sscr new contract`` (``OUT``, ``--from``):

- a name longer than the file system allows (ENAMETOOLONG);
- a path through a file, as if it were a folder (ENOTDIR);
- a folder, or a device, named as the file to write;
- a folder this user may not write (EACCES). The suite runs as root in CI, where a read-only folder
  refuses nothing, so those commands run as an unprivileged user (``setpriv``), and as the user
  running the suite when it is not root;
- a file this user may not read.

Also: the memory a large sheet takes is bounded, and a workbook whose sheets would take more than
a workbook may is refused naming the sheet, its cells and the limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sscr.cli import EXIT_FAILED, EXIT_USAGE

from cells import template_path

CLI = [sys.executable, "-m", "sscr.cli"]
LONG = "n" * 300  # more than the 255 bytes a name may be on every common file system
UNPRIVILEGED = 65534  # nobody


def run(args, timeout=120, user=None, cwd=None):
    cmd = [*CLI, *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    env = {**os.environ, "HOME": str(cwd or "/tmp"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def told(done: subprocess.CompletedProcess, *names: str, rule: tuple[str, ...] = ()) -> str:
    """The run ended with a usage or failure status and a message naming ``names`` (and one of the
    words of ``rule``), with no traceback and no unexpected failure."""
    text = done.stdout + done.stderr
    assert done.returncode in (EXIT_USAGE, EXIT_FAILED), (done.returncode, text)
    assert "Traceback" not in text and 'File "' not in text, text
    assert "unexpectedly" not in text and "could not calculate" not in text, text
    for name in names:
        assert name in text, (name, text)
    if rule:
        assert any(word in text for word in rule), (rule, text)
    return text


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("messages")
    os.chmod(root, 0o755)
    (root / "portfolio.csv").write_text("allowable_costs,cra,ia,bpr,csa\n100,0,0,0.0824,0.01\n")
    (root / "rates.csv").write_text("financial_year,baseline_profit_rate_pct\n2026/27,8.6\n")
    shutil.copy(template_path("profit_rate"), root / "profit-rate.xlsx")
    shutil.copy(template_path("contract_model"), root / "model.xlsx")
    (root / "a-file").write_text("not a folder")
    (root / "a-folder.csv").mkdir()
    (root / "a-folder.xlsx").mkdir()
    (root / "out").mkdir()
    for p in root.iterdir():
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return root


def _inputs(root: Path) -> dict[str, list[str]]:
    """Each command, with ``{IN}`` where a file it reads goes and ``{OUT}`` where one it writes goes."""
    return {
        "price portfolio": ["price", "{IN}", "--out", str(root / "out" / "priced.csv"), "--overwrite"],
        "price --rates-file": ["price", str(root / "portfolio.csv"), "--out", str(root / "out" / "p.csv"),
                               "--overwrite", "--rates-file", "{IN}"],
        "rates check": ["rates", "check", "{IN}"],
        "rates show --rates-file": ["rates", "show", "--rates-file", "{IN}"],
        "regenerate workbook": ["regenerate", "{IN}", "--out", str(root / "out" / "rg"), "--quiet", "--workers", "1"],
        "regenerate --rates-file": ["regenerate", str(root / "profit-rate.xlsx"), "--out", str(root / "out" / "rg"),
                                    "--quiet", "--workers", "1", "--rates-file", "{IN}"],
        "statement model": ["statement", "{IN}", "--out", str(root / "out" / "st"), "--format", "json"],
        "new --from": ["new", "contract", str(root / "out" / "grown.xlsx"), "--overwrite", "--from", "{IN}"],
    }


def _outputs(root: Path) -> dict[str, tuple[list[str], str]]:
    """Each command, with ``{OUT}`` where a file or folder it writes goes, and that output's suffix."""
    return {
        "price --out": (["price", str(root / "portfolio.csv"), "--out", "{OUT}", "--overwrite"], ".csv"),
        "rates template --out": (["rates", "template", "2026/27", "--out", "{OUT}", "--overwrite"], ".csv"),
        "regenerate --out": (["regenerate", str(root / "profit-rate.xlsx"), "--out", "{OUT}", "--quiet",
                              "--workers", "1"], ""),
        "regenerate --summary": (["regenerate", str(root / "profit-rate.xlsx"), "--out", str(root / "out" / "rs"),
                                  "--quiet", "--workers", "1", "--summary", "{OUT}"], ".json"),
        "statement --out": (["statement", str(root / "model.xlsx"), "--out", "{OUT}", "--format", "json"], ""),
        "new OUT": (["new", "contract", "{OUT}", "--overwrite"], ".xlsx"),
    }


def _fill(args: list[str], **values: str) -> list[str]:
    return [a.format(**values) if "{" in a else a for a in args]


def _suffix(case: str) -> str:
    return ".xlsx" if case.split()[0] in ("regenerate", "statement", "new") and "rates" not in case else ".csv"


INPUT_CASES = list(_inputs(Path("/")))
OUTPUT_CASES = list(_outputs(Path("/")))


@pytest.mark.reliability("operating system failures: inputs")
@pytest.mark.parametrize("case", INPUT_CASES)
@pytest.mark.parametrize("kind", ["name too long", "path through a file"])
def test_an_input_the_system_cannot_open_is_named_with_the_reason(files, case, kind):
    suffix = _suffix(case)
    path = files / (LONG + suffix) if kind == "name too long" else files / "a-file" / ("x" + suffix)
    done = run(_fill(_inputs(files)[case], IN=str(path)), cwd=files)
    told(done, LONG[:40] if kind == "name too long" else "x" + suffix,
         rule=("too long", "255") if kind == "name too long" else ("Not a directory", "not a folder", "does not exist",
                                                                  "no such", "No such file"))


@pytest.mark.reliability("operating system failures: outputs")
@pytest.mark.parametrize("case", OUTPUT_CASES)
@pytest.mark.parametrize("kind", ["name too long", "path through a file"])
def test_an_output_the_system_cannot_create_is_named_with_the_reason(files, case, kind):
    args, suffix = _outputs(files)[case]
    out = files / "out"
    out.mkdir(exist_ok=True)
    path = out / (LONG + suffix) if kind == "name too long" else files / "a-file" / ("x" + suffix)
    done = run(_fill(args, OUT=str(path)), cwd=files)
    told(done, LONG[:40] if kind == "name too long" else "a-file",
         rule=("too long", "255") if kind == "name too long" else ("Not a directory", "not a folder", "does not exist",
                                                                  "is a file"))
    assert not any(p.name.endswith(".tmp") for p in out.rglob("*")), list(out.rglob("*"))


@pytest.mark.reliability("operating system failures: outputs")
@pytest.mark.parametrize("case, kind", [(case, "a folder") for case in ("rates template --out", "new OUT", "price --out",
                                                                        "regenerate --summary")]
                         + [("rates template --out", "a device")])
def test_a_folder_or_a_device_named_as_the_file_to_write_is_refused(files, case, kind):
    args, suffix = _outputs(files)[case]
    target = (files / ("a-folder" + (suffix if suffix in (".csv", ".xlsx") else ".csv"))) if kind == "a folder" \
        else Path("/dev/full")
    if case == "regenerate --summary" and kind == "a folder":
        target = files / "a-folder.csv"
    done = run(_fill(args, OUT=str(target)), cwd=files)
    told(done, target.name, rule=("folder", "directory", "device", "not a file", "not a regular file",
                                  "No space", "disk is full"))
    assert Path("/dev/full").exists() and not Path("/dev/full").is_file()  # the device is still a device
    assert target.exists()


def _unprivileged() -> int | None:
    """The user id to run a permission case as: nobody when the suite runs as root (root may write
    anywhere), or the suite's own user."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: no unprivileged user to test a read-only folder with")
    return UNPRIVILEGED


@pytest.fixture()
def public(files):
    """A folder an unprivileged user may enter and read (the suite's own temporary folders are
    private to it), holding copies of the inputs."""
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="sscr-messages-", dir="/tmp"))
    os.chmod(top, 0o755)
    for name in ("portfolio.csv", "rates.csv", "profit-rate.xlsx", "model.xlsx"):
        shutil.copy(files / name, top / name)
        os.chmod(top / name, 0o644)
    yield top
    for p in top.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    shutil.rmtree(top)


@pytest.fixture()
def read_only(public):
    """A folder no one but root may write, inside a folder anyone may read."""
    user = _unprivileged()
    folder = public / "read-only"
    folder.mkdir()
    os.chmod(folder, 0o555)
    return folder, user


@pytest.mark.reliability("disk and permission failures")
@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_an_output_in_a_read_only_folder_is_refused_naming_it(public, read_only, case):
    folder, user = read_only
    args, suffix = _outputs(public)[case]
    if case == "regenerate --summary":
        # the regenerated copies may be written; only the summary's folder is read-only
        (public / "out").mkdir()
        os.chmod(public / "out", 0o777)
    target = folder / ("result" + suffix)
    done = run(_fill(args, OUT=str(target)), user=user, cwd=folder.parent)
    told(done, "read-only" if "read-only" in str(target) else target.name,
         rule=("ermission denied", "may not", "cannot be written", "not allowed"))
    assert list(folder.iterdir()) == [], list(folder.iterdir())  # nothing, not even a temporary file


@pytest.mark.reliability("disk and permission failures")
def test_in_place_in_a_read_only_folder_leaves_the_workbook_and_names_the_folder(public, read_only):
    folder, user = read_only
    os.chmod(folder, 0o755)
    book = folder / "profit-rate.xlsx"
    shutil.copy(public / "profit-rate.xlsx", book)
    os.chmod(book, 0o666)  # the workbook itself is writable; its folder is not (no temporary file there)
    os.chmod(folder, 0o555)
    before = book.read_bytes()
    done = run(["regenerate", str(book), "--in-place", "--quiet", "--workers", "1"], user=user, cwd=folder.parent)
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    assert "Traceback" not in text and "unexpectedly" not in text, text
    assert "profit-rate.xlsx" in text and ("ermission denied" in text or "may not" in text), text
    assert book.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["profit-rate.xlsx"]


@pytest.mark.reliability("disk and permission failures")
@pytest.mark.parametrize("case", ["price portfolio", "rates check", "regenerate workbook", "statement model",
                                  "new --from", "regenerate --rates-file"])
def test_an_input_this_user_may_not_read_is_named(public, case):
    user = _unprivileged()
    (public / "out").mkdir()
    os.chmod(public / "out", 0o777)  # outputs may be written; the input may not be read
    suffix = _suffix(case)
    source = public / ("model.xlsx" if case in ("statement model", "new --from") else
                      "profit-rate.xlsx" if suffix == ".xlsx" else
                      "rates.csv" if "rates" in case else "portfolio.csv")
    secret = public / ("secret" + suffix)
    shutil.copy(source, secret)
    os.chmod(secret, 0o000)
    done = run(_fill(_inputs(public)[case], IN=str(secret)), user=user, cwd=public)
    told(done, "secret" + suffix, rule=("ermission denied", "may not"))


# --- memory ------------------------------------------------------------------------------------------

def _with_rows(path: Path, rows: int, columns: int = 10, *, sheet: str | None = None) -> None:
    """The profit-rate template with ``rows`` rows of numbers below its inputs (``sheet`` None), or
    on a sheet of their own."""
    with zipfile.ZipFile(template_path("profit_rate")) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{chr(65 + j)}{r}"><v>{r * 7 + j}</v></c>' for j in range(columns))
                   + "</row>" for r in range(1000, 1000 + rows)).encode()
    name = "xl/worksheets/sheet1.xml"
    parts[name] = parts[name].replace(b"</sheetData>", body + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part, data in parts.items():
            out.writestr(part, data)


@pytest.mark.reliability("memory and row bounds")
def test_a_sheet_whose_reading_would_take_too_much_memory_is_refused_naming_it(tmp_path, monkeypatch):
    from sscr.workbooks import safety
    from sscr.workbooks.regenerate import FAILED, regenerate_one

    book = tmp_path / "large.xlsx"
    _with_rows(book, 20_000)
    # over the limit by its cells (200,000 of them), not by its bytes alone
    monkeypatch.setattr(safety, "MAX_WORKBOOK_MEMORY", 14 * 1024 * 1024)
    result = regenerate_one(book, tmp_path / "out")
    assert result.status == FAILED
    message = result.message
    assert "large.xlsx" in message and "'Contract profit rate'" in message, message
    assert "200,0" in message and "cells" in message, message  # the cells the sheet holds
    assert "14 MB" in message and "memory" in message, message
    assert not (tmp_path / "out" / "large.xlsx").exists()
    monkeypatch.setattr(safety, "MAX_WORKBOOK_MEMORY", 1024 * 1024 * 1024)
    assert regenerate_one(book, tmp_path / "out").status != FAILED


MEASURE = """
import sys
from sscr.workbooks.regenerate import regenerate_one
def hwm():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) * 1024
before = hwm()
r = regenerate_one(sys.argv[1], sys.argv[2])
assert r.status in ("ok", "flagged"), r.message
print(hwm() - before)
"""


@pytest.mark.reliability("memory and row bounds")
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
def test_a_large_sheet_costs_at_most_four_times_its_size_and_an_unread_one_nothing(tmp_path):
    book = tmp_path / "large.xlsx"
    _with_rows(book, 30_000)  # 300,000 cells, about 10 MB of sheet XML
    with zipfile.ZipFile(book) as zf:
        size = zf.getinfo("xl/worksheets/sheet1.xml").file_size
    growth = int(run_python(MEASURE, book, tmp_path / "out"))
    assert growth <= 4 * size, (growth, size)
    small = int(run_python(MEASURE, template_path("profit_rate"), tmp_path / "small"))
    assert growth > small  # the measure sees the sheet at all


def run_python(code: str, *args) -> str:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
