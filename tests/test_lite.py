"""The worksheet functions in xlwings Lite (addin/lite/): Python in the browser, where the file-format
packages are neither available nor needed.

The functions must import without openpyxl, pyarrow, tqdm, defusedxml and dask: a fresh Python with
those imports refused imports ``udfs`` and runs Lite's main.py, which must then hold every worksheet
function with the add-in's name, arguments, help and figures.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from udfs.edge import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "addin" / "lite"
BLOCKED = ("openpyxl", "pyarrow", "tqdm", "defusedxml", "dask")

CHILD = textwrap.dedent("""
    import importlib.abc, inspect, json, runpy, sys
    BLOCKED = set(sys.argv[1].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (refused)", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    import udfs
    main = runpy.run_path(sys.argv[2], run_name="main")
    functions = {name: {"args": list(inspect.signature(fn).parameters), "doc": fn.__doc__}
                 for name, fn in main.items() if name in udfs.REGISTRY}
    figures = {"CPR": main["CPR"](0.0824, -0.25, 0.01, 0.0301),
               "PRICE_FROM_CPR": main["PRICE_FROM_CPR"](100.0, 0.0861),
               "CSA": main["CSA"](3000000.0, 1000000.0, 6000000.0, "2024/25"),
               "BAD": main["CPR"](0.0824, 5.0, 0.01, 0.0301)}
    loaded = sorted({m.split(".")[0] for m in sys.modules} & BLOCKED)
    print(json.dumps({"functions": functions, "figures": figures, "loaded": loaded}))
""")


@pytest.fixture(scope="module")
def lite_run():
    done = subprocess.run([sys.executable, "-c", CHILD, ",".join(BLOCKED), str(LITE / "main.py")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_worksheet_functions_import_without_the_file_format_packages(lite_run):
    assert lite_run["loaded"] == []


def test_lite_holds_every_worksheet_function_with_the_same_arguments_and_help(lite_run):
    assert set(lite_run["functions"]) == set(REGISTRY)
    for name, fn in REGISTRY.items():
        assert lite_run["functions"][name] == {"args": list(inspect.signature(fn).parameters), "doc": fn.__doc__}


def test_lite_gives_the_same_figures_and_messages(lite_run):
    import udfs

    figures = lite_run["figures"]
    assert figures["CPR"] == udfs.CPR(0.0824, -0.25, 0.01, 0.0301) == pytest.approx(0.1019, abs=1e-12)
    assert figures["PRICE_FROM_CPR"] == udfs.PRICE_FROM_CPR(100.0, 0.0861)
    assert figures["CSA"] == udfs.CSA(3000000.0, 1000000.0, 6000000.0, "2024/25")
    assert figures["BAD"] == udfs.CPR(0.0824, 5.0, 0.01, 0.0301) and figures["BAD"].startswith("Error: ")


def test_main_uses_xlwings_lites_decorators_and_no_server_or_pro_code():
    source = (LITE / "main.py").read_text(encoding="utf-8")
    assert "from xlwings import arg, func, ret" in source
    for text in [source, (ROOT / "udfs" / "edge.py").read_text(encoding="utf-8")]:
        assert "xlwings.pro" not in text and "xlwings.server" not in text and "from xlwings import server" not in text


def _project() -> dict:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; @]", requirement.strip(), maxsplit=1)[0].lower()


def test_requirements_are_the_packages_core_dependencies():
    """micropip installs sscr-pricing's own dependencies: they must be only what Lite can have."""
    project = _project()
    core = project["dependencies"]
    assert {_name(r) for r in core} & {*BLOCKED, "pandas"} == set()
    lines = [line.strip() for line in (LITE / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    names = {_name(line): line for line in lines}
    assert set(names) == {_name(r) for r in core} | {"sscr-pricing"}
    assert names["sscr-pricing"] == f"sscr-pricing=={project['version']}"
    xlwings_pin = next(r for r in core if _name(r) == "xlwings").split("#")[0].strip()
    assert names["xlwings"] == xlwings_pin
    extras = project["optional-dependencies"]
    assert {"openpyxl", "defusedxml"} == {_name(r) for r in extras["excel"]}  # Refresh, without pandas
    assert {"sscr-pricing", "pandas", "pyarrow", "tqdm"} <= {_name(r) for r in extras["workbooks"]}
    assert "sscr-pricing[excel]" in extras["workbooks"]
    assert "dask" in {_name(r) for r in extras["dask"]}
    assert "sscr-pricing[workbooks,dask]" in extras["test"]  # the Quick start's install brings the command line
