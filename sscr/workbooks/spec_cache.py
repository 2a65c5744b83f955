"""Template specs kept on disk between runs, for the add-in's Refresh.

What the fill needs to know about a template (:class:`~sscr.workbooks.layout.TemplateSpec`: its
inputs and computed cells by name) comes from laying the template out, which takes longer than the
rest of a Refresh. Each Refresh starts a new Python, so the spec is kept in a file, named by the
template, its version and a digest of the installed sscr code and data: any change to sscr (an
upgrade, an edit) names another file, and a file that cannot be read is laid out again and rewritten.
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


def _path(key: str, version: int) -> Path:
    assert FOLDER is not None
    return FOLDER / f"{key}-v{version}-{code_digest()}.pickle"


def load(key: str, version: int) -> Any | None:
    """The kept spec, or None (not enabled, not kept yet, or unreadable)."""
    if FOLDER is None:
        return None
    try:
        with open(_path(key, version), "rb") as f:
            return pickle.load(f)
    except Exception:  # a missing or damaged file: lay the template out again
        return None


def store(key: str, version: int, spec: Any) -> None:
    """Keep ``spec``; a folder that cannot be written only means the next run lays it out again."""
    if FOLDER is None:
        return
    try:
        FOLDER.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=FOLDER, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(spec, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, _path(key, version))
    except OSError:
        pass
