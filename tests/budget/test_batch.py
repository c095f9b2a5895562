"""The batch runner (:mod:`budget.batch`): the same results per part with one or two worker
processes as in this process, and a part that fails stops the run with a clear error."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmarks.budget import members
from budget.batch import BatchError, part_outputs, run_part, run_parts, worker_environment
from hhb.demo.bulk import write_bulk


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 households x 14 months of the bulk demo world in four parts."""
    folder: Path = tmp_path_factory.mktemp("bulk")
    write_bulk(
        folder, households=40, months=14, seed=5, first=dt.date(2024, 1, 1), workers=1, per_part=10
    )
    return folder


def parts_of(world: Path) -> list[Path]:
    return sorted((world / "transactions").glob("part-*.parquet"))


def outputs(out: Path, parts: list[Path]) -> dict[str, pl.DataFrame]:
    return {
        f"{kind}/{part.name}": pl.read_parquet(path)
        for part in parts
        for kind, path in part_outputs(out, part.name).items()
    }


def test_one_and_two_processes_give_the_results_of_this_process(
    world: Path, tmp_path: Path
) -> None:
    parts = parts_of(world)
    assert len(parts) == 4
    everyone = members(world)
    here = tmp_path / "here"
    for folder in ("tables", "budget"):
        (here / folder).mkdir(parents=True)
    for part in parts:
        run_part(part, everyone, here)
    want = outputs(here, parts)
    assert all(frame.height > 0 for frame in want.values())
    for processes in (1, 2):
        out = tmp_path / f"p{processes}"
        results = run_parts(parts[::-1], everyone, out, processes=processes)
        assert [r.part for r in results] == [p.name for p in parts[::-1]]
        assert len({r.pid for r in results}) == processes
        assert {r.polars_threads for r in results} == {1}
        assert sum(r.rows for r in results) == sum(
            pl.scan_parquet(p).select(pl.len()).collect().item() for p in parts
        )
        got = outputs(out, parts)
        assert got.keys() == want.keys()
        for name, frame in want.items():
            assert_frame_equal(got[name], frame)


def test_a_failing_part_stops_the_run_with_its_name(world: Path, tmp_path: Path) -> None:
    parts = parts_of(world)
    broken = tmp_path / "part-99999.parquet"
    broken.write_bytes(b"geen parquet")
    started = time.perf_counter()
    with pytest.raises(BatchError, match=r"^Deel part-99999\.parquet is mislukt: ") as caught:
        run_parts([parts[0], broken, parts[1]], members(world), tmp_path / "out", processes=2)
    assert "\n" not in str(caught.value)
    assert time.perf_counter() - started < 120  # no waiting on a part that never comes


def test_workers_get_one_thread_unless_told_otherwise() -> None:
    assert worker_environment() == {
        "POLARS_MAX_THREADS": "1",
        "HHB_CLASSIFY_THREADS": "1",
        "HHB_RECURRING_THREADS": "1",
    }
    assert worker_environment(0) == {}
