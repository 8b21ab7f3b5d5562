"""Reading run folders, including the ways real runs end badly."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.errors import RunFolderError
from reports.read.load import read_run
from reports.read.requests import read_requests, read_requests_parquet
from tests.reports import synth


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(synth.SCENARIO)
    return folder


def test_dtypes_and_relative_time(tmp_path: Path) -> None:
    run = read_run(synth.make_run(tmp_path / "run"))
    frame = run.requests
    assert list(frame.columns[:12]) == list(synth.HEADER)
    assert str(frame["ts"].dtype) == "float64" and str(frame["latency_ms"].dtype) == "float64"
    assert str(frame["status"].dtype) == "int32" and str(frame["ok"].dtype) == "int8"
    assert str(frame["x_cache"].dtype) == "category"
    assert frame["t"].iloc[0] == 0.0 and frame["t"].iloc[-1] == pytest.approx(29.95)
    assert (frame.loc[frame["ok"] == 1, "error"] == "").all()
    assert run.load_start_ts == synth.START
    [fault] = run.faults
    assert (fault.t0, fault.t1, fault.closed, fault.label) == (10.0, 20.0, True, "#0 primary kill")


def test_interrupted_run(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    # Killed at 25 s: no restart, no load-end, no run-end; both logs cut mid-line.
    synth.write_requests(folder / "requests.csv", synth.rows(end_t=25.0), truncate_last=True)
    events = [e for e in synth.standard_events() if e["kind"] in ("run-start", "load-start", "kill")]
    synth.write_events(folder / "events.jsonl", events, tail='{"ts": 17643')
    run = read_run(folder)
    assert run.status == "interrupted"
    assert len(run.requests) == 500  # the cut-off row is dropped
    # The load ends with the last completion: viewer hit sent at 24.95, 2 ms.
    assert run.duration_s == pytest.approx(24.952)
    [fault] = run.faults
    assert fault.closed is False and fault.t1 == pytest.approx(24.952)


@pytest.mark.parametrize("content", [None, "", ",".join(synth.HEADER) + "\n", "ts,laten"])
def test_missing_or_empty_requests(tmp_path: Path, content: str | None) -> None:
    folder = _folder(tmp_path)
    synth.write_events(folder / "events.jsonl", synth.standard_events())
    if content is not None:
        (folder / "requests.csv").write_text(content)
    run = read_run(folder)
    assert len(run.requests) == 0
    assert run.duration_s == 30.0 and run.status == "completed"


def test_settings_defaults_and_overrides(tmp_path: Path) -> None:
    folder = synth.make_run(tmp_path / "run")
    assert read_run(folder).settings.success_ratio == 0.99
    (folder / "scenario.yaml").write_text(
        "name: x\nsteady_state: {success_ratio: 0.95}\nreport: {error_grace_s: 2}\n")
    settings = read_run(folder).settings
    assert (settings.name, settings.success_ratio, settings.error_grace_s) == ("x", 0.95, 2.0)


@pytest.mark.parametrize(("setup", "message"), [
    ("missing", "no such run folder"),
    ("empty", "not a run folder"),
    ("bad-yaml", r"scenario.yaml: line \d+: not valid YAML \(.+\)"),
    ("bad-ratio", "steady_state.success_ratio: must be a number"),
    ("bad-event", "events.jsonl:2: not a JSON object"),
    ("bad-csv", r"requests.csv: cannot read as requests.csv \(.+\)"),
])
def test_bad_run_folder(tmp_path: Path, setup: str, message: str) -> None:
    folder = tmp_path / "run"
    if setup != "missing":
        folder.mkdir()
    if setup in ("bad-yaml", "bad-ratio", "bad-event"):
        synth.write_events(folder / "events.jsonl", synth.standard_events())
    if setup == "bad-yaml":
        (folder / "scenario.yaml").write_text("name: [unclosed\n")
    if setup == "bad-ratio":
        (folder / "scenario.yaml").write_text("steady_state: {success_ratio: high}\n")
    if setup == "bad-event":
        lines = (folder / "events.jsonl").read_text().splitlines()
        (folder / "events.jsonl").write_text(lines[0] + "\nnot json\n" + lines[1] + "\n")
    if setup == "bad-csv":
        (folder / "requests.csv").write_text("when,what\n1,2\n3,4\n")
    with pytest.raises(RunFolderError, match=message) as caught:
        read_run(folder)
    assert "\n" not in str(caught.value)


def test_parquet_requests(tmp_path: Path) -> None:
    folder = synth.make_run(tmp_path / "run")
    from_csv = read_run(folder).requests
    from_csv.drop(columns=["t"]).to_parquet(folder / "requests.parquet")
    (folder / "requests.csv").unlink()
    from_parquet = read_run(folder).requests
    assert len(from_parquet) == 600
    assert list(from_parquet.dtypes.astype(str)) == list(from_csv.dtypes.astype(str))
    assert from_parquet["t"].max() == pytest.approx(29.95)


def test_read_in_pieces_is_read_whole(tmp_path: Path) -> None:
    """Pieces of 2 KiB (a few dozen rows each, rows straddling every cut), 300 distinct
    paths (codes wider than a byte from the fifth piece on), interrupted and malformed rows
    among them, and a first piece of long rows, so the expected row count falls short."""
    path = tmp_path / "requests.csv"
    lines = [",".join(synth.HEADER)]
    for i in range(3000):
        error = "Interrupted: load ended" if i % 97 == 0 else ("HTTP 502" if i % 13 == 0 else "")
        status = "0" if i % 97 == 0 else "200"
        note = "x" * 300 if i < 10 else ""  # long rows first: the guess from the first piece is low
        lines.append(f"{1000 + i / 10},{i % 50 / 7:.3f},GET,/p{i % 300}{note},{status},{int(not error)},{i},"
                     f"Hit,primary,LOC1,Viewer,{error}")
        if i % 500 == 7:
            lines.append("1.0,2.0,GET,/bad,,1,0,Hit,primary,LOC1,Viewer,")  # a number missing: left out
    path.write_text("\n".join(lines) + "\n")
    whole, cut_whole = read_requests(path)
    pieces, cut_pieces = read_requests(path, piece_bytes=2048)
    assert (len(whole), cut_whole) == (len(pieces), cut_pieces) == (3000 - 31, 31)
    assert "/bad" not in set(whole["name"].astype(str))
    assert list(whole.dtypes.astype(str)) == list(pieces.dtypes.astype(str))
    for column in whole.columns:
        assert whole[column].astype(str).tolist() == pieces[column].astype(str).tolist(), column
    assert pieces["name"].cat.codes.dtype.itemsize == 2  # 300 paths
    assert pieces["x_cache"].cat.codes.dtype.itemsize == 1


def test_parquet_text_plain_dictionary_or_null(tmp_path: Path) -> None:
    """Text columns come as dictionaries, plain strings, nulls or a column of nothing but
    nulls (a writer that had no value for it): all of them read as requests.csv's empty text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "requests.parquet"
    pq.write_table(pa.table({
        "ts": [1.0, 2.0, 3.0], "latency_ms": [1.0, 2.0, 3.0], "method": ["GET", None, "GET"],
        "name": pa.array(["/a", "/b", None]).dictionary_encode(), "status": pa.array([200, 0, 502], pa.int64()),
        "ok": [1, 0, 0], "bytes": [1, 2, 3], "x_cache": ["Hit", "", None], "origin": [None, None, None],
        "pop": ["L", "L", "L"], "user": ["V", "V", "P"], "error": ["", "Interrupted: load ended", None]}), path)
    frame, cut_short = read_requests_parquet(path)
    assert cut_short == 1
    assert frame[["name", "x_cache", "origin", "error"]].astype(str).values.tolist() == [
        ["/a", "Hit", "", ""], ["", "", "", ""]]
    assert str(frame["status"].dtype) == "int32" and str(frame["origin"].dtype) == "category"
