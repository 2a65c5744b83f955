"""``sscr rates show|template|check``, ``sscr --version`` and ``python -m sscr``, run as a user runs them."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import types

import pytest

import sscr
from sscr.cli import main
from sscr.rates import default_table, read_rates_file

SSCR = [sys.executable, "-m", "sscr"]


def run(*args):
    """The command line in this process (as the ``sscr`` script calls it), its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # --help and --version exit through argparse
            code = exc.code
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def test_version_and_python_dash_m():
    done = subprocess.run([*SSCR, "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"sscr {sscr.__version__}"
    shown = subprocess.run([*SSCR, "rates", "show", "2024/25"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "fixed capital servicing rate: 3.26%" in shown.stdout


def test_help_lists_the_rates_commands_with_examples():
    done = run("--help")
    assert done.returncode == 0
    assert "rates" in done.stdout and "sscr rates template 2026/27 --out my-rates.csv" in done.stdout
    assert "sscr rates check my-rates.csv" in done.stdout
    sub = run("rates", "--help")
    assert sub.returncode == 0 and all(a in sub.stdout for a in ("show", "template", "check", "examples:"))


def test_show_prints_every_year_with_its_evidence():
    done = run("rates", "show")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(l.startswith("2014/15") and "10.70%" in l and "official" in l for l in lines)
    assert any(l.startswith("2024/25") and "8.24%" in l and "3.26%" in l and "guidance" in l for l in lines)
    assert any(l.startswith("2019/20") and "mixed" in l for l in lines)
    assert len([l for l in lines if l[:4].isdigit()]) == len(default_table().years)


def test_show_a_year_gives_each_figure_its_evidence_and_source():
    done = run("rates", "show", "2025/26")
    assert done.returncode == 0
    assert "baseline profit rate: 8.56%  [official] SSRO recommendation fact sheet 2025" in done.stdout
    assert "fixed capital servicing rate: not known" in done.stdout
    assert "SSRO funding adjustment: does not exist from 1 April 2024" in done.stdout
    assert "sscr rates template 2025/26" in done.stdout
    assert "zero until 31 March 2017" in run("rates", "show", "2014-12-18").stdout


def test_show_a_year_not_held_says_how_to_add_it():
    done = run("rates", "show", "2026/27")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "no rates for 2026/27" in done.stderr and "SSCR_RATES_FILE" in done.stderr


def test_template_then_fill_then_check_then_price(tmp_path):
    target = tmp_path / "my-rates.csv"
    done = run("rates", "template", "2026/27", "--out", str(target))
    assert done.returncode == 0, done.stderr
    assert "baseline_profit_rate_pct" in done.stderr and "London Gazette" in done.stderr
    header, row = target.read_text(encoding="utf-8").splitlines()
    assert row.startswith("2026/27,2026-04-01,") and row.endswith(",user,")
    # the template as written is a valid rates file with nothing in it yet
    checked = run("rates", "check", str(target))
    assert checked.returncode == 0 and "no figures yet" in checked.stdout
    # filled as a user would (figures invented for the test, per cent)
    target.write_text(header + "\n2026/27,2026-04-01,8.90,,3.50,3.20,1.70,,user,London Gazette notice 9999999\n",
                      encoding="utf-8")
    checked = run("rates", "check", str(target))
    assert checked.returncode == 0
    assert "add 2026/27: baseline profit rate 8.90%" in checked.stdout and "fixed capital servicing rate 3.50%" in checked.stdout
    year = default_table(target).lookup("2026/27")
    assert year.baseline_profit_rate == 0.089 and year.evidence("baseline_profit_rate") == "user"
    assert read_rates_file(target).lookup("2026/27").source("baseline_profit_rate") == "London Gazette notice 9999999"


def test_template_fills_only_what_the_package_lacks():
    done = run("rates", "template", "2025/26")
    assert done.returncode == 0
    assert "fixed capital servicing rate" in done.stderr and "baseline profit rate (" not in done.stderr
    assert done.stdout.splitlines()[1].startswith("2025/26,2025-04-01,,")


def test_template_never_overwrites_without_asking(tmp_path):
    target = tmp_path / "mine.csv"
    target.write_text("my own work\n", encoding="utf-8")
    done = run("rates", "template", "2026/27", "--out", str(target))
    assert done.returncode == 2 and target.read_text(encoding="utf-8") == "my own work\n"
    assert run("rates", "template", "2026/27", "--out", str(target), "--overwrite").returncode == 0


def test_check_says_what_changes_and_flags_a_published_figure_overridden(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("financial_year,baseline_profit_rate_pct,fixed_capital_servicing_rate_pct\n"
                    "2024/25,8.30,3.26\n2025/26,,3.40\n", encoding="utf-8")
    done = run("rates", "check", str(path))
    assert done.returncode == 0
    assert "change 2024/25 baseline profit rate: 8.24% (guidance) -> 8.30% (user); check this" in done.stdout
    assert "keep 2024/25 fixed capital servicing rate: 3.26%" in done.stdout
    assert "fill 2025/26 fixed capital servicing rate: 3.40%" in done.stdout


@pytest.mark.parametrize("text, message", [
    ("financial_year,baseline_profit_rate_pct\n2026/27,0.089\n", "looks like a fraction"),
    ("financial_year,bpr\n2026/27,8.9\n", "is not known"),
    ("financial_year,baseline_profit_rate_pct\n2026-27x,8.9\n", "must be written like"),
])
def test_check_refuses_a_bad_file_with_its_line_and_rule(tmp_path, text, message):
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    done = run("rates", "check", str(path))
    assert done.returncode == 3 and message in done.stderr and "Traceback" not in done.stderr


def test_rates_without_an_action_shows_its_usage():
    done = run("rates")
    assert done.returncode == 2 and "show" in done.stderr
