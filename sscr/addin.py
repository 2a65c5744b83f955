"""The Excel add-in: installing it in one step, and its Refresh button.

:func:`install` copies ``sscr_pricing.xlam`` into Excel's startup folder (Excel opens it with every
workbook) and writes the add-in's settings file, naming the Python that runs this code, so that
Excel runs the Python where sscr-pricing is installed. A setting the user wrote in that file is kept.

:func:`refresh` is what the ribbon's Refresh button runs (``SSCRPricingRibbon.Refresh`` in the
add-in's VBA). It imports only what a refresh needs, when it needs it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADDIN_NAME = "sscr_pricing.xlam"
#: xlwings' PROJECT_NAME in the add-in's VBA: the settings sheet and file are named after it.
SETTINGS_NAME = "sscr_pricing"


NOT_INSTALLED = ("Refresh needs sscr-pricing's excel extra in the Python that xlwings runs ({error}). "
                 "Install it with: pip install \"sscr-pricing[excel]\"")


def refresh() -> None:
    """The Refresh button: refresh the workbook Excel is showing (see
    :func:`sscr.workbooks.xlwings_adapter.refresh_caller`).

    The cyclic garbage collector is paused while it runs: a Refresh makes tens of thousands of small
    objects (a template's spec, every cell's figure) and frees them by reference counting, and each
    of the collector's passes over them would cost more than they could reclaim. It is turned back
    on afterwards, for a Python that goes on running (xlwings' UDF server)."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            from sscr.workbooks import spec_cache

            spec_cache.enable()  # each Refresh is a new Python: keep the templates' layouts between them
            from sscr.workbooks.xlwings_adapter import refresh_caller
        except ImportError as exc:  # the Python Excel runs lacks the "excel" extra
            import xlwings as xw

            xw.Book.caller().app.alert(NOT_INSTALLED.format(error=exc), title="SSCR pricing")
            return
        refresh_caller()
    finally:
        if collecting:
            gc.enable()


def prepare_refresh(folder: Path | None = None) -> int:
    """Lay every template out once and keep what Refresh needs to know of it (see
    :mod:`sscr.workbooks.spec_cache`), so that the first Refresh is as quick as the next."""
    from sscr.workbooks import layout, spec_cache
    from sscr.workbooks.templates import TEMPLATES

    before = spec_cache.FOLDER
    spec_cache.enable(folder)
    try:
        for template in TEMPLATES.values():
            layout._SPECS.pop((template.key, template.version, template.size), None)
            template.spec()
    finally:
        spec_cache.FOLDER = before
    return len(TEMPLATES)


class InstallError(Exception):
    """The add-in could not be installed; the message says why and what to do."""


def addin_file() -> Path:
    """The built add-in: beside the package in a source checkout, or where the wheel put it."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "addin" / ADDIN_NAME, Path(sys.prefix) / "share" / "sscr-pricing" / ADDIN_NAME):
        if candidate.is_file():
            return candidate
    raise InstallError(f"{ADDIN_NAME} is not in this installation of sscr-pricing (looked beside the package "
                       f"and in {Path(sys.prefix) / 'share' / 'sscr-pricing'}): reinstall sscr-pricing")


def default_startup_dir(platform: str = sys.platform) -> Path:
    """Excel's startup folder for the user: every workbook in it opens with Excel."""
    if platform.startswith("win"):
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return (Path.home() / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
                / "Startup.localized" / "Excel")
    raise InstallError("Excel runs on Windows and macOS; on this system name the folders with --startup-dir "
                       "and --settings-dir")


def default_settings_file(platform: str = sys.platform) -> Path:
    """The settings file the add-in reads (xlwings' GetConfigFilePath with PROJECT_NAME sscr_pricing)."""
    if platform.startswith("win"):
        return Path(os.environ.get("USERPROFILE", Path.home())) / f".{SETTINGS_NAME}" / f"{SETTINGS_NAME}.conf"
    if platform == "darwin":  # Excel's sandbox home
        return Path.home() / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{SETTINGS_NAME}.conf"
    raise InstallError("Excel runs on Windows and macOS; on this system name the folders with --startup-dir "
                       "and --settings-dir")


def interpreter_keys(platform: str = sys.platform) -> tuple[str, ...]:
    if platform.startswith("win"):
        return ("INTERPRETER_WIN",)
    if platform == "darwin":
        return ("INTERPRETER_MAC",)
    return ("INTERPRETER_WIN", "INTERPRETER_MAC")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def settings_text(existing: str, values: dict[str, str]) -> str:
    """The settings file (xlwings.conf format: ``"KEY","value"`` a line) with ``values`` set and
    every other line kept as it was."""
    lines = existing.splitlines()
    out, done = [], set()
    for line in lines:
        key = line.split(",", 1)[0].strip().strip('"').upper() if line.strip() else ""
        if key in values:
            if key not in done:
                out.append(f'"{key}","{values[key]}"')
                done.add(key)
            continue
        out.append(line)
    out += [f'"{key}","{value}"' for key, value in values.items() if key not in done]
    return "\n".join(out) + "\n"


#: What Refresh imports beyond the core (the "excel" extra).
REFRESH_NEEDS = ("openpyxl", "defusedxml")


@dataclass(frozen=True)
class Installed:
    addin: Path
    settings: Path
    interpreter: str
    missing: tuple[str, ...] = ()

    def message(self) -> str:
        text = (f"Installed {self.addin}; Excel opens it with every workbook.\n"
                f"Settings: {self.settings} names the Python to run: {self.interpreter}\n"
                f"Restart Excel: the SSCR pricing tab and the worksheet functions (=CPR(...), =CSA(...), ...) "
                f"are then there.")
        if self.missing:
            text += (f"\nRefresh needs {', '.join(self.missing)}, which this Python lacks: "
                     f"pip install 'sscr-pricing[excel]'")
        return text


def install(startup_dir: Path | None = None, settings_dir: Path | None = None, interpreter: str | None = None,
            platform: str = sys.platform, spec_dir: Path | None = None) -> Installed:
    """Copy the add-in into Excel's startup folder and write its settings file."""
    source = addin_file()
    target_dir = Path(startup_dir) if startup_dir else default_startup_dir(platform)
    settings = (Path(settings_dir) / f"{SETTINGS_NAME}.conf") if settings_dir else default_settings_file(platform)
    interpreter = interpreter or sys.executable
    if platform.startswith("win"):
        # pythonw.exe runs Refresh without a console window flashing up, as xlwings recommends
        windowless = Path(interpreter).with_name("pythonw.exe")
        interpreter = str(windowless) if windowless.is_file() else interpreter
    target = target_dir / ADDIN_NAME
    try:
        _atomic_write(target, source.read_bytes())
    except PermissionError as exc:
        raise InstallError(f"could not write {target} ({exc.strerror}): if Excel is running, quit it and run "
                           f"this again") from None
    except OSError as exc:
        raise InstallError(f"could not write {target}: {exc.strerror or exc}") from None
    try:
        existing = settings.read_text(encoding="utf-8") if settings.exists() else ""
        values = {key: interpreter for key in interpreter_keys(platform)}
        _atomic_write(settings, settings_text(existing, values).encode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallError(f"could not write the settings file {settings}: {exc}") from None
    if platform == "darwin":  # lets Excel start Python (xlwings' own step of its add-in install)
        from xlwings import cli

        cli.runpython_install(None)
    import importlib.util

    missing = tuple(m for m in REFRESH_NEEDS if importlib.util.find_spec(m) is None)
    if not missing:
        prepare_refresh(spec_dir)
    return Installed(target, settings, interpreter, missing)
