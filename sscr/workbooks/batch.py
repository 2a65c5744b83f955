"""Regenerating many workbooks: on a process pool on this machine, or on an existing Dask
distributed cluster, with the same per-workbook function (:func:`regenerate_one`) and the same
results either way.

- A workbook whose regenerated copy is up to date is skipped. The output folder holds a manifest,
  ``sscr-regenerated.json`` (written atomically), with one entry per regenerated copy: the SHA-256
  of the source's bytes, of the rate table in use (the packaged rates and the user's rates file)
  and of the sscr code with its version, the SHA-256 of the copy as written, and the result
  reported for it. A copy is up to date only when all of these still match: a changed source, a
  changed rates file, a new sscr version, or a copy that is missing, damaged or edited since it was
  written is regenerated. With ``in_place`` every workbook is regenerated (the workbook is both the
  input and the output; regenerating a regenerated workbook gives the same figures).
- One workbook never stops the batch: its failure, an unexpected exception, or a worker process
  that dies (crash, out-of-memory kill) becomes a failed result for that workbook only. After a
  worker dies, the workbooks that were in flight are retried one at a time in a fresh process, so
  the one that kills its worker is identified and the others complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sscr.rates import RATES_FILE_ENV

from .regenerate import FAILED, FLAGGED, OK, Job, RegenerationResult, regenerate_one

SKIPPED = "skipped"
MANIFEST_NAME = "sscr-regenerated.json"
MANIFEST_FORMAT = 1
#: Workbooks queued per worker process: enough that a worker never waits for its next workbook,
#: few enough that a worker's death puts only a handful of workbooks under suspicion.
QUEUED_PER_WORKER = 2
#: At most this many workbooks go to a Dask worker as one task (a cluster's cost per task is a few
#: milliseconds of scheduling and messages, comparable with regenerating one workbook).
DASK_CHUNK = 20
#: A progress bar appears once a batch has run this long (seconds): long batches only.
PROGRESS_DELAY = 2.0
#: How often (seconds) the manifest is saved during a long batch, so an interrupted run resumes.
MANIFEST_SAVE_INTERVAL = 15.0


class BatchError(Exception):
    """The batch as a whole cannot run (a Dask cluster that cannot be reached, dask not installed)."""


class DaskMissingError(BatchError):
    """--dask was asked for but the dask distributed package is not installed."""


@dataclass(frozen=True)
class Task:
    """What a worker needs for one workbook: absolute paths, so a worker in another folder (or on
    another machine sharing the file system) finds the same files."""

    index: int
    source: str
    out_dir: str | None
    relative: str
    in_place: bool
    rates_file: str | None


@dataclass(frozen=True)
class Outcome:
    """A worker's answer: the result, and the fingerprints of the bytes it read and wrote."""

    result: RegenerationResult
    source_sha256: str | None
    output_sha256: str | None


def sha256_file(path: str | os.PathLike[str]) -> str | None:
    """The SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def run_task(task: Task) -> Outcome:
    """Regenerate one workbook (the function every worker runs, locally or on a cluster)."""
    source_sha = sha256_file(task.source)  # before reading: a later change shows as a changed source
    try:
        result = regenerate_one(task.source, task.out_dir, in_place=task.in_place, rates_file=task.rates_file,
                                output_name=task.relative)
    except Exception as exc:  # one workbook's unexpected failure must not stop the batch
        result = _failed(task, "failed unexpectedly", exc).result
    output_sha = sha256_file(result.output) if result.status != FAILED and result.output else None
    return Outcome(result, source_sha, output_sha)


def _failed(task: Task, what: str, exc: BaseException) -> Outcome:
    return Outcome(RegenerationResult(task.source, None, FAILED, message=(
        f"{Path(task.source).name}: {what} ({type(exc).__name__}: {exc})")), None, None)


def _died(task: Task, what: str) -> Outcome:
    name = Path(task.source).name
    return Outcome(RegenerationResult(task.source, None, FAILED, message=(
        f"{name}: the worker process regenerating it {what}; the other workbooks went on")), None, None)


# --- fingerprints ----------------------------------------------------------------------------------

def rates_fingerprint(rates_file: str | None) -> str | None:
    """SHA-256 of the rate table in use: the packaged rates and the user's rates file, if any."""
    from importlib import resources
    digest = hashlib.sha256()
    digest.update(resources.files("sscr").joinpath("data/published-rates.csv").read_bytes())
    if rates_file is not None:
        user = sha256_file(rates_file)
        if user is None:
            return None  # unreadable: never up to date (the workbooks fail with the rates file's message)
        digest.update(b"\0user\0" + user.encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The sscr version and a digest of its code and data, so that a changed installation (even
    one whose version number did not change) regenerates everything."""
    import sscr
    root = Path(sscr.__file__).resolve().parent
    digest = hashlib.sha256(sscr.__version__.encode())
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".csv") and p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes())
    return f"{sscr.__version__}+{digest.hexdigest()[:16]}"


# --- the manifest ----------------------------------------------------------------------------------

RECORDED = ("template", "status", "headline", "flags", "notes", "headline_text")


class Manifest:
    """The regenerated copies of one output folder, with the fingerprints that make them current."""

    def __init__(self, folder: Path, rates: str | None, code: str):
        self.path = folder / MANIFEST_NAME
        self.rates, self.code = rates, code
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT and isinstance(data.get("workbooks"), dict):
                self.entries = {k: v for k, v in data["workbooks"].items() if isinstance(v, dict)}
        except (OSError, ValueError):
            pass  # no manifest, or a damaged one: nothing is known to be up to date

    def current(self, relative: str, source: Path, output: Path) -> RegenerationResult | None:
        """The recorded result when the copy at ``output`` is up to date with ``source``, else None."""
        entry = self.entries.get(relative)
        if (entry is None or self.rates is None or entry.get("rates_sha256") != self.rates
                or entry.get("code") != self.code):
            return None
        recorded = entry.get("result")
        if not isinstance(recorded, dict) or recorded.get("status") not in (OK, FLAGGED):
            return None
        if sha256_file(source) != entry.get("source_sha256") or sha256_file(output) != entry.get("output_sha256"):
            return None
        try:
            return RegenerationResult(str(source), str(output), SKIPPED, recorded["template"],
                                      dict(recorded["headline"]), list(recorded["flags"]), list(recorded["notes"]),
                                      None, recorded["headline_text"])
        except (KeyError, TypeError):
            return None

    def record(self, relative: str, outcome: Outcome) -> None:
        result = outcome.result
        if (result.status in (OK, FLAGGED) and outcome.source_sha256 and outcome.output_sha256
                and self.rates is not None):
            self.entries[relative] = {
                "source": result.source, "source_sha256": outcome.source_sha256,
                "rates_sha256": self.rates, "code": self.code, "output_sha256": outcome.output_sha256,
                "result": {k: getattr(result, k) for k in RECORDED}}
        else:
            self.entries.pop(relative, None)  # a failed run leaves any earlier copy stale
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        if not self.entries and not self.path.exists():
            return  # nothing was regenerated: a folder that had no manifest is not given an empty one
        from .package import write_atomic
        data = {"format": MANIFEST_FORMAT, "generator": f"sscr {self.code}",
                "about": "Fingerprints of the workbooks regenerated into this folder; sscr regenerate skips a "
                         "workbook whose source, rate table, sscr version and regenerated copy all still match. "
                         "Deleting this file makes the next run regenerate everything.",
                "workbooks": dict(sorted(self.entries.items()))}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError:
            return  # the copies are written; without a manifest the next run regenerates them
        self.dirty = False


# --- engines ---------------------------------------------------------------------------------------

Report = Callable[[Task, Outcome], None]


def run_local(tasks: Sequence[Task], workers: int, report: Report) -> None:
    """Run the tasks on a pool of ``workers`` processes (in this process when 1), reporting each
    outcome as it arrives. A dead worker costs only the workbook that killed it."""
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            report(task, run_task(task))
        return
    pending = deque(tasks)
    while pending:
        suspects = _pool_run(pending, workers, report)
        for task in suspects:  # each alone in a fresh process: a repeat death names the culprit
            report(task, _isolated(task))


def _pool_run(pending: deque[Task], workers: int, report: Report) -> list[Task]:
    """Drain ``pending`` on one pool; when a worker dies, return the tasks that were in flight."""
    window = workers * QUEUED_PER_WORKER
    with ProcessPoolExecutor(max_workers=min(workers, len(pending)), initializer=worker_setup) as pool:
        inflight: dict[Any, Task] = {}
        try:
            while pending or inflight:
                while pending and len(inflight) < window:
                    task = pending.popleft()
                    inflight[pool.submit(run_task, task)] = task
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    task = inflight.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        inflight[future] = task
                        broken = True
                        continue
                    except Exception as exc:  # e.g. a result that cannot be sent back
                        outcome = _failed(task, "failed unexpectedly", exc)
                    report(task, outcome)
                if broken:
                    suspects = sorted(inflight.values(), key=lambda t: t.index)
                    inflight.clear()
                    return suspects
        except BaseException:
            stop_workers(pool)
            raise
    return []


def worker_setup() -> None:
    """In each worker process: SIGTERM removes the temporary file being written and ends the
    process at once; SIGINT (Ctrl-C at a terminal reaches every process of the group) is left to
    the parent, which stops the workers itself."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        from .safety import remove_temporary_files
        remove_temporary_files()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: Seconds a worker has to stop after SIGTERM before it is killed.
STOP_GRACE = 5.0


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now (the batch was interrupted): queued workbooks are
    cancelled, each worker is sent SIGTERM (it removes its temporary file and ends), and one that
    has not ended after :data:`STOP_GRACE` seconds is killed. No worker outlives the batch."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    deadline = time.monotonic() + STOP_GRACE
    for process in processes:
        try:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
        except (OSError, ValueError, AssertionError, AttributeError):
            pass


def _isolated(task: Task) -> Outcome:
    with ProcessPoolExecutor(max_workers=1, initializer=worker_setup) as pool:
        try:
            return pool.submit(run_task, task).result()
        except BrokenProcessPool:
            return _died(task, "stopped unexpectedly (it crashed or was killed)")
        except Exception as exc:
            return _failed(task, "failed unexpectedly", exc)
        except BaseException:  # Ctrl-C or SIGTERM: the worker goes too
            stop_workers(pool)
            raise


def run_dask(tasks: Sequence[Task], address: str, report: Report, *, timeout: float = 30) -> None:
    """Run the tasks on the Dask distributed cluster whose scheduler is at ``address``."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise DaskMissingError(
            "--dask needs the Dask distributed package on this machine and on the cluster's workers: "
            "pip install 'sscr-pricing[dask]' (or: pip install dask distributed)") from None
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        if not tasks:
            return
        batch = uuid.uuid4().hex[:12]
        workers = client.scheduler_info().get("workers", {})
        if not workers:
            raise BatchError(f"the Dask cluster at {address} has no workers to regenerate the workbooks")
        threads = sum(w.get("nthreads", 1) for w in workers.values()) or 1
        size = chunk_size(len(tasks), threads)
        chunks = [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]
        futures = client.map(run_chunk, chunks, key=[f"sscr-regenerate-{batch}-{c[0].index}" for c in chunks],
                             pure=False)
        by_key = {f.key: c for f, c in zip(futures, chunks)}
        queue = as_completed(futures)
        for future in queue:
            chunk = by_key.pop(future.key)
            try:
                outcomes = future.result()
            except Exception as exc:
                if len(chunk) > 1:  # try each of its workbooks on its own, to find the one at fault
                    for task in chunk:
                        single = client.submit(run_chunk, [task], key=f"sscr-regenerate-{batch}-{task.index}-alone",
                                               pure=False)
                        by_key[single.key] = [task]
                        queue.add(single)
                    future.release()
                    continue
                task = chunk[0]
                if type(exc).__name__ == "KilledWorker":  # its worker died each time the cluster tried it
                    outcomes = [_died(task, "on the cluster died each time it was tried")]
                else:
                    outcomes = [_failed(task, "failed on the cluster", exc)]
            future.release()
            for task, outcome in zip(chunk, outcomes):
                report(task, outcome)
    finally:
        client.close()


def run_chunk(tasks: Sequence[Task]) -> list[Outcome]:
    """Several workbooks in one cluster task: the cluster's cost per task is paid once for them."""
    return [run_task(task) for task in tasks]


def chunk_size(tasks: int, threads: int) -> int:
    """Workbooks per cluster task: at most :data:`DASK_CHUNK`, and at least eight tasks per worker
    thread, so that the work stays balanced to the end of the batch."""
    return max(1, min(DASK_CHUNK, tasks // (threads * 8)))


# --- the batch -------------------------------------------------------------------------------------

def regenerate_batch(jobs: Sequence[Job], out_dir: str | os.PathLike[str] | None, *, workers: int = 1,
                     in_place: bool = False, rates_file: str | os.PathLike[str] | None = None,
                     dask: str | None = None, skip_up_to_date: bool = False,
                     progress: bool = False) -> list[RegenerationResult]:
    """Regenerate every job; results in the jobs' order. See the module's description."""
    if rates_file is None:
        rates_file = os.environ.get(RATES_FILE_ENV) or None  # resolved here: a cluster worker's
    rates_abs = None if rates_file is None else os.path.abspath(rates_file)  # environment may differ
    out_abs = None if out_dir is None else os.path.abspath(out_dir)

    names = [j.relative.as_posix() for j in jobs]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    results: dict[int, RegenerationResult] = {}
    tasks: list[Task] = []
    manifest = None
    if skip_up_to_date and not in_place and out_dir is not None:
        manifest = Manifest(Path(out_abs), rates_fingerprint(rates_abs), code_fingerprint())
    for i, job in enumerate(jobs):
        if not in_place and seen[names[i]] > 1:
            results[i] = RegenerationResult(str(job.source), None, FAILED, message=(
                f"{job.source.name}: another workbook of the same name is in the batch; their regenerated copies "
                f"would overwrite each other in {out_dir}"))
            continue
        if manifest is not None:
            current = manifest.current(names[i], job.source, Path(out_dir) / job.relative)
            if current is not None:
                results[i] = current
                continue
        tasks.append(Task(i, os.path.abspath(job.source), out_abs, str(job.relative), in_place, rates_abs))

    bar = _progress_bar(len(tasks)) if progress and tasks else None
    last_save = time.monotonic()

    def report(task: Task, outcome: Outcome) -> None:
        nonlocal last_save
        job = jobs[task.index]
        result = outcome.result
        # the user's own spelling of the paths, as a run without workers would give
        result.source = str(job.source)
        if result.output is not None:
            result.output = str(job.source if in_place else Path(out_dir) / job.relative)
        results[task.index] = result
        if manifest is not None:
            manifest.record(names[task.index], outcome)
            if time.monotonic() - last_save > MANIFEST_SAVE_INTERVAL:
                manifest.save()
                last_save = time.monotonic()
        if bar is not None:
            bar.update(1)

    try:
        if dask is not None:
            run_dask(tasks, dask, report)
        else:
            run_local(tasks, workers, report)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (see sscr.cli): say how far it got
        exc.done = len(results)  # type: ignore[attr-defined]
        raise
    finally:
        if bar is not None:
            bar.close()
        if manifest is not None:
            manifest.save()
    return [results[i] for i in range(len(jobs))]


def _progress_bar(total: int) -> Any:
    """A tqdm bar on stderr, or None when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    import sys
    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked from this one
    return tqdm(total=total, unit="workbook", desc="regenerating", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5, delay=PROGRESS_DELAY)


def counts(results: Iterable[RegenerationResult]) -> dict[str, int]:
    """How many results of each status, and how many carry flagged cells."""
    out = {OK: 0, FLAGGED: 0, SKIPPED: 0, FAILED: 0, "with_flags": 0}
    for r in results:
        out[r.status] = out.get(r.status, 0) + 1
        out["with_flags"] += bool(r.flags) and r.status != FAILED
    return out
