"""Batches of workbooks through ``sscr regenerate``: skipping copies that are up to date (and only
those), a bad workbook or a dying worker process among good ones, exit statuses, --quiet, the
progress bar, and the same batch on a Dask distributed cluster giving the same results."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sys

import openpyxl
import pytest

from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from sscr.workbooks import batch
from sscr.workbooks.batch import MANIFEST_NAME
from sscr.workbooks.regenerate import Job, regenerate_many
from workbook_helpers import copy_templates, named_cell, values_by_name

#: The templates these tests run (named, so that a template added later does not change the counts).
TEMPLATE_FILES = ("aggregation.xlsx", "capital-servicing.xlsx", "contract-model.xlsx", "poco.xlsx", "profit-rate.xlsx")
RATES_HEADER = ("financial_year,fixed_capital_servicing_rate_pct,positive_working_capital_servicing_rate_pct,"
                "negative_working_capital_servicing_rate_pct\n")


def regenerate(*args: str) -> int:
    return main(["regenerate", *args])


def statuses(summary) -> dict[str, str]:
    return {os.path.basename(r["source"]): r["status"] for r in json.loads(summary.read_text())}


def snapshot(folder) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.xlsx"))}


def test_a_rerun_skips_every_copy_that_is_up_to_date(tmp_path, capsys):
    folder = copy_templates(tmp_path, *TEMPLATE_FILES)
    out, summary = tmp_path / "out", tmp_path / "s.json"
    assert regenerate(str(folder), "--out", str(out), "--workers", "2", "--summary", str(summary)) == EXIT_OK
    first = json.loads(summary.read_text())
    before = snapshot(out)
    capsys.readouterr()
    assert regenerate(str(folder), "--out", str(out), "--workers", "2", "--summary", str(summary)) == EXIT_OK
    text = capsys.readouterr().out
    assert "0 of 5 workbook(s) regenerated, 5 skipped as up to date" in text
    assert "SKIPPED  poco.xlsx [poco] -> " in text and "POCO_deduction=8.75" in text
    assert snapshot(out) == before  # not rewritten: same bytes, same modification times
    second = json.loads(summary.read_text())
    assert [r["status"] for r in second] == ["skipped"] * 5
    # a skipped workbook reports the figures recorded when it was regenerated, exactly
    assert [{**r, "status": None} for r in second] == [{**r, "status": None} for r in first]
    assert regenerate(str(folder), "--out", str(out), "--force", "--summary", str(summary), "--quiet") == EXIT_OK
    assert set(statuses(summary).values()) == {"ok"}
    assert "5 of 5 workbook(s) regenerated" in capsys.readouterr().out


def test_a_changed_source_is_regenerated_and_the_others_skipped(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx", "poco.xlsx")
    out, summary = tmp_path / "out", tmp_path / "s.json"
    assert regenerate(str(folder), "--out", str(out), "--quiet") == EXIT_OK
    assert values_by_name(out / "profit-rate.xlsx", ["CPR_2"])["CPR_2"] == pytest.approx(0.128, abs=5e-5)
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    named_cell(wb, "CRA_2").value = 0.0
    wb.save(folder / "profit-rate.xlsx")
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--summary", str(summary)) == EXIT_OK
    assert statuses(summary) == {"poco.xlsx": "skipped", "profit-rate.xlsx": "ok"}
    assert values_by_name(out / "profit-rate.xlsx", ["CPR_2"])["CPR_2"] != pytest.approx(0.128, abs=5e-5)


def test_a_changed_rates_file_regenerates(tmp_path):
    folder = copy_templates(tmp_path, "capital-servicing.xlsx", "profit-rate.xlsx")
    out, summary = tmp_path / "out", tmp_path / "s.json"
    rates = tmp_path / "rates.csv"
    rates.write_text(RATES_HEADER + "2030/31,3.5,3.2,1.7\n", encoding="utf-8")
    run = [str(folder), "--out", str(out), "--quiet", "--summary", str(summary), "--rates-file", str(rates)]
    assert regenerate(*run) == EXIT_OK
    assert regenerate(*run) == EXIT_OK
    assert set(statuses(summary).values()) == {"skipped"}
    rates.write_text(RATES_HEADER + "2030/31,3.6,3.2,1.7\n", encoding="utf-8")
    assert regenerate(*run) == EXIT_OK
    assert set(statuses(summary).values()) == {"ok"}
    # the packaged table alone is another rate table
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--summary", str(summary)) == EXIT_OK
    assert set(statuses(summary).values()) == {"ok"}


@pytest.mark.parametrize("damage", ["truncated", "deleted", "edited", "manifest lost", "manifest garbled"])
def test_a_damaged_or_missing_copy_is_regenerated(tmp_path, damage):
    folder = copy_templates(tmp_path, "profit-rate.xlsx", "poco.xlsx")
    out, summary = tmp_path / "out", tmp_path / "s.json"
    assert regenerate(str(folder), "--out", str(out), "--quiet") == EXIT_OK
    good = (out / "poco.xlsx").read_bytes()
    target = out / "poco.xlsx"
    if damage == "truncated":
        target.write_bytes(good[: len(good) // 2])
    elif damage == "deleted":
        target.unlink()
    elif damage == "edited":  # opened and saved by another program: no longer the copy that was written
        openpyxl.load_workbook(target).save(target)
    elif damage == "manifest lost":
        (out / MANIFEST_NAME).unlink()
    else:
        (out / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--summary", str(summary)) == EXIT_OK
    expected = "ok" if damage.startswith("manifest") else "skipped"
    assert statuses(summary) == {"poco.xlsx": "ok", "profit-rate.xlsx": expected}
    assert target.read_bytes() == good
    assert values_by_name(target, ["Price_after"])["Price_after"] == pytest.approx(304.408905)


def _bad_copy(folder, name, **cells):
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    for key, value in cells.items():
        named_cell(wb, key).value = value
    wb.save(folder / name)


def test_one_bad_workbook_among_good_ones_and_the_exit_statuses(tmp_path, capsys):
    folder = copy_templates(tmp_path, *TEMPLATE_FILES)
    _bad_copy(folder, "bad.xlsx", CRA_2=0.4)
    out, summary = tmp_path / "out", tmp_path / "s.json"
    assert regenerate(str(folder), "--out", str(out), "--workers", "2", "--summary", str(summary)) == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert "FAILED   bad.xlsx: CRA_2 0.4 is outside" in captured.err
    assert captured.out.rstrip().endswith("5 of 6 workbook(s) regenerated, 1 failed")
    assert len(list(out.glob("*.xlsx"))) == 5
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert "bad.xlsx" not in manifest["workbooks"] and len(manifest["workbooks"]) == 5
    # a failed workbook is tried again on the next run; the others are skipped
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--summary", str(summary)) == EXIT_PARTIAL
    assert sorted(statuses(summary).values()) == ["failed"] + ["skipped"] * 5
    assert "0 of 6 workbook(s) regenerated, 5 skipped as up to date, 1 failed" in capsys.readouterr().out
    # corrected, it is regenerated: everything up to date is success
    _bad_copy(folder, "bad.xlsx", CRA_2=0.1)
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--summary", str(summary)) == EXIT_OK
    assert statuses(summary)["bad.xlsx"] == "ok"
    assert regenerate(str(folder / "bad.xlsx"), str(tmp_path / "missing.xlsx"), "--out", str(out), "--quiet") == EXIT_PARTIAL
    (folder / "junk.xlsx").write_bytes(b"junk")
    assert regenerate(str(folder / "junk.xlsx"), "--out", str(out), "--quiet", "--force") == EXIT_FAILED


def test_quiet_prints_only_failures_and_the_status_line(tmp_path, capsys, monkeypatch):
    folder = copy_templates(tmp_path, "profit-rate.xlsx", "poco.xlsx")
    _bad_copy(folder, "bad.xlsx", CRA_2=0.4)
    _bad_copy(folder, "typed.xlsx", CPR_1=0.12)  # flagged: reported in the status line and the summary
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)  # even on a terminal
    assert regenerate(str(folder), "--out", str(tmp_path / "out"), "--quiet", "--workers", "1") == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert captured.out == "3 of 4 workbook(s) regenerated, 1 with flagged cells, 1 failed\n"
    assert len(captured.err.splitlines()) == 1 and captured.err.startswith("FAILED   bad.xlsx: CRA_2 0.4 is outside")


def test_a_progress_bar_on_a_terminal_only(tmp_path, capsys, monkeypatch):
    folder = copy_templates(tmp_path, "profit-rate.xlsx", "poco.xlsx")
    assert regenerate(str(folder), "--out", str(tmp_path / "a"), "--workers", "1") == EXIT_OK
    assert "regenerating" not in capsys.readouterr().err  # stderr is not a terminal here
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert regenerate(str(folder), "--out", str(tmp_path / "b"), "--workers", "1") == EXIT_OK
    assert "regenerating" not in capsys.readouterr().err  # a short batch: done before the bar appears
    monkeypatch.setattr(batch, "PROGRESS_DELAY", 0)
    assert regenerate(str(folder), "--out", str(tmp_path / "c"), "--workers", "1") == EXIT_OK
    err = capsys.readouterr().err
    assert "regenerating" in err and "2/2" in err


def _crashing(real, how):
    def regenerate_one(source, *args, **kwargs):
        if os.path.basename(source).startswith("crash"):
            if how == "exit":
                os._exit(70)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(source, *args, **kwargs)
    return regenerate_one


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the crashing stand-in reaches worker processes by fork")
@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_a_worker_process_that_dies_does_not_stop_the_batch(tmp_path, monkeypatch, how):
    folder = copy_templates(tmp_path, *TEMPLATE_FILES)
    for i in range(3):
        shutil.copy2(folder / "poco.xlsx", folder / f"poco-{i}.xlsx")
    shutil.copy2(folder / "profit-rate.xlsx", folder / "crash.xlsx")
    monkeypatch.setattr(batch, "regenerate_one", _crashing(batch.regenerate_one, how))
    jobs = [Job(p, p.relative_to(folder)) for p in sorted(folder.glob("*.xlsx"))]
    results = regenerate_many(jobs, tmp_path / "out", workers=2, skip_up_to_date=True)
    by_name = {os.path.basename(r.source): r for r in results}
    assert by_name["crash.xlsx"].status == "failed"
    assert "worker process regenerating it stopped unexpectedly" in by_name["crash.xlsx"].message
    assert sorted(n for n, r in by_name.items() if r.status == "ok") == sorted(
        p.name for p in folder.glob("*.xlsx") if p.name != "crash.xlsx")
    assert [r.source for r in results] == [str(j.source) for j in jobs]  # in the jobs' order
    assert not (tmp_path / "out" / "crash.xlsx").exists()
    assert len(json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())["workbooks"]) == 8


def test_an_unexpected_exception_fails_only_its_workbook(tmp_path, monkeypatch, capsys):
    folder = copy_templates(tmp_path, "profit-rate.xlsx", "poco.xlsx")
    real = batch.regenerate_one

    def regenerate_one(source, *args, **kwargs):
        if str(source).endswith("poco.xlsx"):
            raise ZeroDivisionError("division by zero")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(batch, "regenerate_one", regenerate_one)
    assert regenerate(str(folder), "--out", str(tmp_path / "out"), "--workers", "1") == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert "FAILED   poco.xlsx: failed unexpectedly (ZeroDivisionError: division by zero)" in captured.err
    assert "Traceback" not in captured.err and "1 of 2 workbook(s) regenerated, 1 failed" in captured.out


def test_an_interrupted_batch_resumes_where_it_stopped(tmp_path, monkeypatch, capsys):
    folder = copy_templates(tmp_path, *TEMPLATE_FILES)
    out, summary = tmp_path / "out", tmp_path / "s.json"
    real = batch.regenerate_one

    def regenerate_one(source, *args, **kwargs):
        if str(source).endswith("poco.xlsx"):  # the fourth in order: Ctrl-C while it runs
            raise KeyboardInterrupt
        return real(source, *args, **kwargs)

    monkeypatch.setattr(batch, "regenerate_one", regenerate_one)
    assert regenerate(str(folder), "--out", str(out), "--workers", "1") == 130
    assert "interrupted" in capsys.readouterr().err
    monkeypatch.setattr(batch, "regenerate_one", real)
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--summary", str(summary)) == EXIT_OK
    assert statuses(summary) == {"aggregation.xlsx": "skipped", "capital-servicing.xlsx": "skipped",
                                 "contract-model.xlsx": "skipped", "poco.xlsx": "ok", "profit-rate.xlsx": "ok"}


def test_dask_not_installed_is_a_clear_message(tmp_path, capsys, monkeypatch):
    folder = copy_templates(tmp_path, "poco.xlsx")
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    assert regenerate(str(folder), "--out", str(tmp_path / "out"), "--dask", "tcp://127.0.0.1:8786") == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--dask needs the Dask distributed package" in err and "pip install" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# --- the same batch on a Dask cluster (last: the cluster's threads outlive it in this process) ---

@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=40) as local:
        yield local


def test_a_dask_cluster_gives_the_same_results_as_the_local_pool(tmp_path, cluster, capsys):
    folder = copy_templates(tmp_path, *TEMPLATE_FILES)
    _bad_copy(folder, "bad.xlsx", CRA_2=0.4)
    _bad_copy(folder, "typed.xlsx", CPR_1=0.12)
    runs = {}
    for name, engine in (("local", ["--workers", "2"]), ("dask", ["--dask", cluster.scheduler_address])):
        out = tmp_path / name / "out"
        code = regenerate(str(folder), "--out", str(out), "--summary", str(tmp_path / name / "s.json"), *engine)
        captured = capsys.readouterr()
        summary = json.loads((tmp_path / name / "s.json").read_text())
        for r in summary:
            r["output"] = r["output"] and os.path.relpath(r["output"], out)
        stdout = captured.out.replace(str(out), "OUT")
        runs[name] = (code, summary, stdout, captured.err, {p.name: p.read_bytes() for p in out.glob("*.xlsx")})
    assert runs["dask"] == runs["local"]
    code, summary, stdout, _err, files = runs["local"]
    assert code == EXIT_PARTIAL and len(files) == 6 and "6 of 7 workbook(s) regenerated" in stdout
    names = ["CPR_1", "CPR_2"]
    assert values_by_name(tmp_path / "dask" / "out" / "typed.xlsx", names) == values_by_name(
        tmp_path / "local" / "out" / "typed.xlsx", names)
    # and a re-run on the cluster skips what is up to date
    out = tmp_path / "dask" / "out"
    assert regenerate(str(folder), "--out", str(out), "--quiet", "--dask", cluster.scheduler_address) == EXIT_PARTIAL
    assert "0 of 7 workbook(s) regenerated, 6 skipped as up to date" in capsys.readouterr().out


def test_an_unreachable_dask_scheduler_is_a_clear_message(tmp_path, capsys):
    pytest.importorskip("distributed")
    with pytest.raises(batch.BatchError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        batch.run_dask([], "tcp://127.0.0.1:9", lambda task, outcome: None, timeout=1)


def test_on_dask_a_failing_chunk_is_retried_workbook_by_workbook(tmp_path, cluster, monkeypatch):
    folder = copy_templates(tmp_path, *TEMPLATE_FILES)
    real = batch.run_task

    def run_task(task):
        if task.source.endswith("poco.xlsx"):
            raise RuntimeError("the worker lost its disk")
        return real(task)

    monkeypatch.setattr(batch, "run_task", run_task)  # the cluster's workers are threads of this process
    monkeypatch.setattr(batch, "chunk_size", lambda tasks, threads: 3)
    jobs = [Job(p, p.relative_to(folder)) for p in sorted(folder.glob("*.xlsx"))]
    results = regenerate_many(jobs, tmp_path / "out", dask=cluster.scheduler_address)
    by_name = {os.path.basename(r.source): r for r in results}
    assert by_name["poco.xlsx"].status == "failed"
    assert by_name["poco.xlsx"].message == "poco.xlsx: failed on the cluster (RuntimeError: the worker lost its disk)"
    assert sorted(n for n, r in by_name.items() if r.status == "ok") == sorted(set(TEMPLATE_FILES) - {"poco.xlsx"})


def test_a_dask_cluster_without_workers_is_a_clear_message(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    folder = copy_templates(tmp_path, "poco.xlsx")
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None, silence_logs=40) as empty:
        code = regenerate(str(folder), "--out", str(tmp_path / "out"), "--dask", empty.scheduler_address)
    assert code == EXIT_FAILED
    assert "has no workers to regenerate the workbooks; nothing was regenerated" in capsys.readouterr().err
