"""The run history on both stores (SQLite file, real PostgreSQL server): schema and
migrations, recording, baselines, verdicts, filters, the CLI and its page, import."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from reports.__main__ import main
from reports.build import build_report
from reports.errors import HistoryError
from reports.history import schema
from reports.history.judge import versus
from reports.history.location import resolve_url
from reports.history.migrations import MIGRATIONS
from reports.history.record import Entry, flatten, kind_of
from reports.history.store import History
from tests.reports import postgres, synth


@pytest.fixture(scope="session")
def pg_server() -> Iterator[tuple[postgres.Server | None, str]]:
    server, why = postgres.start()
    yield server, why
    if server is not None:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty history on each store."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    server, why = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(f"the PostgreSQL store is untested here: {why}")
    name = "h_" + request.node.name.split("[")[0][-40:].replace("-", "_")
    return resolve_url(postgres.new_database(server, name), {}) or ""


def _entry(key: str, ts: float, passed: bool | None = True, scenario: str = "primary-killed",
           dist: str = "distributions/default.json", host: str = "ci-1",
           failover: float = 0.3, hit_ratio: float = 0.8) -> Entry:
    values = {"hit_ratio": hit_ratio, "latency_ms.p95": 10.0, "errors": 2.0, "faults[0].t0": 10.0,
              "faults[0].time_to_failover_s": failover, "faults[0].resolution_s": 0.1}
    return Entry(run_key=key, scenario=scenario, kind="regression", batch="regression-x", started_at=ts,
                 status="completed" if passed is not None else "interrupted", passed=passed,
                 distribution=dist, distribution_sha256="ab" * 32, code_version="v1-3-gabc",
                 host=host, cores=2, cpu_model="Test CPU", report=None, metrics=values)


def test_fresh_history_has_the_newest_schema(url: str) -> None:
    with History(url) as history:
        assert history.version() == MIGRATIONS[-1][0]
        tables = history.tables()
    # What the migrations built is what the code reads and writes (schema.py).
    assert tables == {name: {c.name for c in table.columns} for name, table in schema.metadata.tables.items()}
    with History(url) as again:  # reopening applies nothing and loses nothing
        assert again.version() == MIGRATIONS[-1][0]


def test_a_later_migration_applies_to_an_old_history(url: str) -> None:
    with History(url) as history:
        history.record(_entry("a", 1000.0))

    def v2(conn: Connection) -> None:  # what a next-year step looks like: a new column
        conn.execute(text("ALTER TABLE runs ADD COLUMN label VARCHAR(50)"))

    with History(url, migrations=(*MIGRATIONS, (2, v2))) as newer:
        assert newer.version() == 2 and "label" in newer.tables()["runs"]
        assert [r.run_key for r in newer.runs()] == ["a"]  # the old run is still there
    # The harness of today refuses a history written by that newer one, in one line.
    with pytest.raises(HistoryError, match=r"written by a newer harness \(schema version 2; "
                                           r"this one knows up to 1\): upgrade to read it"):
        History(url)


def test_record_and_rerecord(url: str) -> None:
    with History(url) as history:
        first = history.record(_entry("run-1", 1000.0))
        again = history.record(_entry("run-1", 1000.0, hit_ratio=0.5))  # the report rebuilt
        other = history.record(_entry("run-2", 2000.0))
        assert first == again != other
        assert [r.run_key for r in history.runs()] == ["run-2", "run-1"]  # newest first
        values = history.metrics([first])[first]
        assert values["hit_ratio"] == 0.5 and values["faults[0].time_to_failover_s"] == 0.3
        row = history.run(str(first))
        assert (row.scenario, row.kind, row.passed, row.cores, row.code_version) == (
            "primary-killed", "regression", True, 2, "v1-3-gabc")


def test_baselines_and_verdicts(url: str) -> None:
    with History(url) as history:
        one = history.run(str(history.record(_entry("1", 1000.0))))
        two = history.run(str(history.record(_entry("2", 2000.0, failover=0.35))))
        history.record(_entry("3", 3000.0, passed=False))
        four = history.run(str(history.record(_entry("4", 4000.0, failover=14.0))))
        # Nothing before the first run; then the last passing run (3 failed its thresholds).
        assert history.baseline("primary-killed", before=one) == (None, "none")
        result = versus(history, two)
        assert result.baseline == one and result.how == "last passing" and result.worse == []
        failover = next(r for r in result.rows if r["metric"] == "faults[0].time_to_failover_s")
        assert (failover["verdict"], failover["band"]) == ("same", 0.1)  # +0.05 s: inside one tick
        result = versus(history, four)
        assert result.baseline == two and result.worse == ["faults[0].time_to_failover_s"]
        # A run found worse by a regression is never a later run's baseline.
        history.mark_regressed(four, True)
        assert history.baseline("primary-killed")[0] == two
        # Pinned: the pinned run, whatever ran since; unpinned: back to the last passing.
        history.pin(one)
        assert history.baseline("primary-killed") == (one, "pinned")
        assert versus(history, four).baseline == one
        assert history.unpin("primary-killed") and not history.unpin("primary-killed")
        assert history.baseline("primary-killed") == (two, "last passing")


def test_filters(url: str) -> None:
    with History(url) as history:
        history.record(_entry("a", 1.0, scenario="baseline", host="laptop"))
        history.record(_entry("b", 2.0, dist="distributions/aws-default-timeouts.json"))
        history.record(_entry("c", 3.0))
        assert [r.run_key for r in history.runs(scenario="primary-killed")] == ["c", "b"]
        assert [r.run_key for r in history.runs(distribution="aws-default")] == ["b"]
        assert [r.run_key for r in history.runs(distribution="abab")] == ["c", "b", "a"]  # hash prefix
        assert [r.run_key for r in history.runs(machine="laptop")] == ["a"]
        assert [r.run_key for r in history.runs(machine="Test CPU", limit=1)] == ["c"]


def test_flatten_every_number_by_threshold_path() -> None:
    summary = {"scenario": "x", "hit_ratio": 0.5, "passed": True, "latency_ms": {"p95": 3},
               "faults": [{"id": 4, "time_to_failover_s": None, "errors": 1}],
               "phases": [{"name": "before", "requests": 9}], "expect": [{"value": 1.0}]}
    assert flatten(summary) == {"hit_ratio": 0.5, "latency_ms.p95": 3.0, "faults[4].errors": 1.0,
                                "phases[0].requests": 9.0}


def test_kind_of_a_run_folder(tmp_path: Path) -> None:
    (tmp_path / "results" / "regression-20261203T020000Z" / "primary-killed").mkdir(parents=True)
    assert kind_of(tmp_path / "results" / "regression-20261203T020000Z" / "primary-killed",
                   "primary-killed") == ("regression", "regression-20261203T020000Z")
    mine = tmp_path / "mine"  # a regression written to --out: known by its summary.json
    (mine / "baseline").mkdir(parents=True)
    (mine / "summary.json").write_text('{\n  "kind": "regression",\n  "started": "x"}')
    assert kind_of(mine / "baseline", "baseline") == ("regression", "mine")
    (tmp_path / "rep" / "run-1").mkdir(parents=True)
    (tmp_path / "rep" / "repeat-summary.json").write_text("{}")
    assert kind_of(tmp_path / "rep" / "run-1", "primary-killed") == ("repeat", "rep")
    (tmp_path / "v" / "tuned").mkdir(parents=True)
    assert kind_of(tmp_path / "v" / "tuned", "timeouts-tuned") == ("variant", "v")
    assert kind_of(tmp_path / "v", "timeouts") == ("single", None)


def test_urls(tmp_path: Path) -> None:
    assert resolve_url(str(tmp_path / "h.sqlite"), {}) == f"sqlite:///{tmp_path / 'h.sqlite'}"
    assert resolve_url(None, {"HARNESS_HISTORY": "postgresql://ci@db/history"}) == \
        "postgresql+psycopg://ci@db/history"
    assert resolve_url(None, {"HARNESS_HISTORY": "off"}) is None
    assert resolve_url(None, {}).endswith("/results/history.sqlite")  # type: ignore[union-attr]
    with pytest.raises(HistoryError, match="a password on the command line is visible"):
        resolve_url("postgresql://ci:secret@db/history", {})
    with pytest.raises(HistoryError, match="only SQLite .* and postgresql:// are supported"):
        resolve_url("mysql://db/history", {})


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_reports_are_filed_and_shown(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_HISTORY", url)
    runs = tmp_path / "regression-20261203T020000Z"
    for name in ("a", "b"):
        build_report(synth.make_run(runs / name))
    with History(url) as history:
        filed = history.runs()
    assert sorted(r.report for r in filed) == [str(runs / n / "report.html") for n in ("a", "b")]
    assert {r.kind for r in filed} == {"regression"} and {r.passed for r in filed} == {False}
    # Pin the first by its run folder; the page and the table show it.
    code, out, err = _cli(capsys, "history", "--baseline", str(runs / "a"))
    assert code == 0, err
    assert out.startswith("primary-killed: baseline pinned to run ")
    code, out, err = _cli(capsys, "history", "--out", str(tmp_path / "page"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["id", "started", "(UTC)", "scenario", "result", "baseline",
                                "faults[0].time_to_failover_s", "latency_ms.p95", "hit_ratio", "errors"]
    assert "FAIL" in lines[1] and "(pinned)" in lines[1] and lines[1].endswith("3 same")
    assert lines[-1] == str(tmp_path / "page" / "history.html")
    page = (tmp_path / "page" / "history.html").read_text()
    assert page.count("data:image/png;base64,") == 4 and "<script" not in page
    assert 'href="../regression-20261203T020000Z/a/report.html"' in page
    assert "Baseline for the next run: run" in page and "(pinned, ★)" in page


def test_import_old_folders(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "results" / "regression-20261101T020000Z"
    for name in ("primary-killed", "baseline"):
        run = synth.make_run(old / name)
        (run / "summary.json").write_text(json.dumps({"scenario": name, "status": "completed",
                                                      "passed": True, "hit_ratio": 0.9}))
    (old / "summary.json").write_text(json.dumps({"kind": "regression", "scenarios": []}))
    for _ in range(2):  # once or twice: the same two runs
        code, out, err = _cli(capsys, "history", "--history", url.replace("+psycopg", ""),
                              "--import", str(tmp_path / "results"))
        assert code == 0, err
        assert out.startswith("filed 2 runs from ")
    with History(url) as history:
        assert sorted((r.scenario, r.kind) for r in history.runs()) == [
            ("baseline", "regression"), ("primary-killed", "regression")]


def test_bad_history_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args, said in [
        (("--history", "postgresql://nobody@127.0.0.1:1/x"), "Connection refused"),
        (("--history", "postgresql://u:pw@127.0.0.1/x"), "a password on the command line"),
        (("--history", str(tmp_path / "h.sqlite"), "--baseline", "99"), "no run '99'"),
        (("--history", str(tmp_path / "h.sqlite"), "--baseline", "last-passing"), "--scenario"),
        (("--history", str(tmp_path / "h.sqlite"), "--import", str(tmp_path / "nope")), "no such folder"),
    ]:
        code, out, err = _cli(capsys, "history", *args)
        assert (code, out) == (2, ""), args
        assert said in err and err.count("\n") == 1 and "Traceback" not in err, err
    # A newer history on disk: refused, not misread.
    path = tmp_path / "newer.sqlite"
    History(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (7, 0)")
    code, _, err = _cli(capsys, "history", "--history", str(path))
    assert code == 2 and "written by a newer harness (schema version 7" in err


def test_a_history_that_cannot_be_written_never_costs_the_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HARNESS_HISTORY", str(blocker / "history.sqlite"))
    run = synth.make_run(tmp_path / "run")
    build_report(run)
    assert (run / "report.html").exists() and (run / "summary.json").exists()
    err = capsys.readouterr().err
    assert err.startswith("reports: not filed in the run history: history sqlite:///") and err.count("\n") == 1


def test_a_build_with_the_history_off_never_loads_sqlalchemy(tmp_path: Path) -> None:
    # Loading SQLAlchemy costs a build 0.12 s and 15 MiB (BENCHMARKS.md) for nothing when off.
    run = synth.make_run(tmp_path / "run")
    probe = ("import sys; from reports.__main__ import main; code = main(['build', sys.argv[1]]); "
             "print(code, 'sqlalchemy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, str(run)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HARNESS_HISTORY": "off"}, cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.splitlines()[-1] == "0 False", done.stderr
    assert (run / "report.html").exists()
