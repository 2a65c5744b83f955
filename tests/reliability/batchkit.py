"""Folders of workbooks for the batch, kill and race tests: good ones with varied inputs (and the
figures the core gives for them), and damaged ones, made from the committed templates at test time."""

from __future__ import annotations

import hashlib
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sscr.rates import rates_for
from sscr.workbooks.fill import excel_precision
from sscr.workbooks.package import XlsxPackage

from cells import template_path, write_inputs
from damage import (billion_laughs, bomb_ratio, empty, encrypted, external_entity, not_a_template, not_a_zip,
                    truncated_half, _drop_name)

DAMAGE_KINDS = [
    (truncated_half, "truncated or damaged"),
    (not_a_zip, "not an xlsx file"),
    (encrypted, "encrypted or legacy .xls"),
    (empty, "is empty (0 bytes)"),
    (bomb_ratio, "zip bomb"),
    (billion_laughs, "document type declaration"),
    (external_entity, "document type declaration"),
    (_drop_name("CRA_2"), "lacks the defined name(s) CRA_2"),
    (not_a_template, "not an sscr template"),
]
BAD_INPUTS = [({"CRA_1": 5.0}, "did you mean 0.05"), ({"IA_2": 2.0}, "is not a rate"),
              ({"Financial_year_1": "2031/32"}, "not in the rate table"), ({"CSA_1": "3%"}, "stored as text")]
YEARS = ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]


@dataclass
class Made:
    """A folder of workbooks: the expected CPRs of each good one, the reason words of each bad one."""

    folder: Path
    good: dict[str, tuple[float, float]]
    bad: dict[str, str]

    def checksums(self) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in self.folder.iterdir() if p.is_file()}


def profit_rate_inputs(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i in (1, 2):
        values[f"Financial_year_{i}"] = rng.choice(YEARS)
        values[f"CRA_{i}"] = round(rng.uniform(-0.25, 0.25), 4)
        values[f"IA_{i}"] = round(rng.uniform(0, 0.02), 4)
        values[f"CSA_{i}"] = round(rng.uniform(-0.01, 0.05), 5)
    return values


def expected_cprs(values: dict[str, Any]) -> tuple[float, float]:
    out = []
    for i in (1, 2):
        bpr = rates_for(values[f"Financial_year_{i}"]).baseline_profit_rate
        out.append(bpr + bpr * values[f"CRA_{i}"] + values[f"IA_{i}"] + values[f"CSA_{i}"])
    return out[0], out[1]


def make_folder(folder: Path, count: int, damaged_share: float, seed: int) -> Made:
    """``count`` workbooks, about ``damaged_share`` of them damaged or with a bad input."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    template = template_path("profit_rate").read_bytes()
    made = Made(folder, {}, {})
    n_bad = round(count * damaged_share)
    bad_at = set(rng.sample(range(count), n_bad))
    for k in range(count):
        name = f"wb{k:04d}.xlsx"
        if k in bad_at:
            kind = rng.randrange(len(DAMAGE_KINDS) + len(BAD_INPUTS))
            if kind < len(DAMAGE_KINDS):
                maker, words = DAMAGE_KINDS[kind]
                maker(template, folder / name)
            else:
                values, words = BAD_INPUTS[kind - len(DAMAGE_KINDS)]
                package = XlsxPackage(template, name)
                write_inputs(package, values)
                package.save(folder / name)
            made.bad[name] = words
            continue
        values = profit_rate_inputs(rng)
        package = XlsxPackage(template, name)
        write_inputs(package, values)
        package.save(folder / name)
        made.good[name] = expected_cprs(values)
    return made


def output_figures(path: Path) -> tuple[Any, Any]:
    """CPR_1 and CPR_2 as the file caches them, read without openpyxl (fast) after checking the
    whole zip (every part's CRC)."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None, f"{path.name}: a damaged part"
    package = XlsxPackage.open(path)
    out = []
    for name in ("CPR_1", "CPR_2"):
        area = package.area(name)
        out.append(package.read(area.sheet, area.ref()).value)
    return out[0], out[1]


def figures_match(got: tuple[Any, Any], want: tuple[float, float]) -> bool:
    return all(g == excel_precision(w) for g, w in zip(got, want))
