"""Template specs kept on disk between runs, for the add-in's Refresh.

What the fill needs to know about a template (:class:`~sscr.workbooks.layout.TemplateSpec`: its
inputs and computed cells by name) comes from laying the template out, which takes longer than the
rest of a Refresh. Each Refresh starts a new Python, so the spec is kept in a file, named by the
template, its version, the sizes of its tables (a contract model of 2,000 cost lines is another
layout than the blank one) and a digest of the installed sscr code and data: any change to sscr (an
upgrade, an edit) names another file, and a file that cannot be read is laid out again and rewritten.
Files named by another digest are removed when a new one is written, and at most
:data:`KEPT_SIZES` sizes of one template are kept (the most recently laid out).
Only the add-in turns this on (:func:`enable`); ``sscr addin install`` fills it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

#: The folder, once enabled; None keeps specs in memory only (the command line, the tests).
FOLDER: Path | None = None
#: Sizes of one template kept at once (a user works on a few contract models at a time).
KEPT_SIZES = 8

Size = tuple[tuple[str, int], ...]


def default_folder() -> Path:
    """The user's cache folder for sscr-pricing."""
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "sscr-pricing" / "template-specs"


def enable(folder: Path | None = None) -> Path:
    global FOLDER
    FOLDER = Path(folder) if folder else default_folder()
    return FOLDER


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the installed sscr package's code and data."""
    import sscr

    root = Path(sscr.__file__).resolve().parent
    digest = hashlib.sha256(sscr.__version__.encode())
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".csv") and p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _stem(key: str, version: int, size: Size) -> str:
    """``contract_model-v2`` and, for a sized layout, its sizes: ``contract_model-v2-lines50-risks20-components10``."""
    return f"{key}-v{version}" + "".join(f"-{name}{rows}" for name, rows in size)


def _path(key: str, version: int, size: Size = ()) -> Path:
    assert FOLDER is not None
    return FOLDER / f"{_stem(key, version, size)}-{code_digest()}.pickle"


def load(key: str, version: int, size: Size = ()) -> Any | None:
    """The kept spec, or None (not enabled, not kept yet, or unreadable)."""
    if FOLDER is None:
        return None
    try:
        with open(_path(key, version, size), "rb") as f:
            return pickle.load(f)
    except Exception:  # a missing or damaged file: lay the template out again
        return None


def store(key: str, version: int, spec: Any, size: Size = ()) -> None:
    """Keep ``spec``; a folder that cannot be written only means the next run lays it out again."""
    if FOLDER is None:
        return
    try:
        FOLDER.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=FOLDER, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(spec, f, protocol=pickle.HIGHEST_PROTOCOL)
        target = _path(key, version, size)
        os.replace(tmp, target)
        _prune(key, version, target)
    except OSError:
        pass


def _prune(key: str, version: int, kept: Path) -> None:
    """Remove this template's files of another digest (an earlier install), and its sizes beyond
    :data:`KEPT_SIZES`, the least recently written first."""
    assert FOLDER is not None
    stem = f"{key}-v{version}"
    current, sized = f"-{code_digest()}.pickle", []
    for path in FOLDER.glob(f"{stem}*.pickle"):
        rest = path.name[len(stem):]
        if rest and rest[0] != "-" or path == kept:
            continue  # another template whose key starts the same, or the file just written
        if not path.name.endswith(current):
            path.unlink(missing_ok=True)
        elif not rest.startswith("-" + code_digest()):
            sized.append(path)
    sized.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for path in sized[KEPT_SIZES - 1:]:
        path.unlink(missing_ok=True)
