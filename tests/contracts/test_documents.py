"""Bounded document loading (#12, item 5): JSON configs and YAML scenarios that once hung the
harness or gave a traceback are refused in one line, quickly, naming file (and line)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts.documents import DocumentError, parse_json, read_json
from scenarios.spec.yamlsrc import load_source
from scenarios.stack.procs import REPO_ROOT


def _alias_bomb() -> str:
    # "billion laughs": 9 ** 9 copies of "x" once expanded
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for i in range(8):
        prev, name = chr(97 + i), chr(98 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ("[" * 5000 + "]" * 5000, "nested deeper than 32 levels"),
    ("9" * 5000, "number 999999999999... has 5000 characters (allowed: at most 20)"),
    ('{"x": NaN}', "NaN is not a number here"),
    ('{"x": Infinity}', "Infinity is not a number here"),
    ("{oops}", "invalid JSON at line 1 column 2"),
])
def test_json_refusals(text: str, message: str) -> None:
    with pytest.raises(DocumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_json(text)


def test_json_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert parse_json('{"a": "' + "[" * 100 + '\\"]"}') == {"a": "[" * 100 + '"]'}


def test_binary_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(DocumentError, match="not UTF-8 text"):
        read_json(path)


@pytest.mark.parametrize(("text", "message"), [
    (_alias_bomb(), "f.yaml:1: anchors (&name) are not allowed"),
    ("a: 1\nb: *a\n", "f.yaml:2: aliases (*name) are not allowed"),
    ("a: 1\nb: x\x00y\n", "f.yaml:2: control character '\\x00'"),
    ('a:\n  b: "x\\x1by"\n', "f.yaml:2: a.b: a control character"),
    ("a: " + "[" * 5000 + "]" * 5000, "f.yaml:1: nested deeper than 32 levels"),
    ("a: 1\nb: 2\na: 3\n", "f.yaml:3: duplicate key 'a'"),
    ("a: " + "9" * 5000, "f.yaml:1: a number of 5000 characters (allowed: at most 20)"),
])
def test_yaml_refusals(text: str, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError) as refused:
        load_source(text, "f.yaml")
    assert str(refused.value).startswith(message)
    assert time.monotonic() - started < 2.0  # the bomb used to give no answer in 25 s


def test_tabs_newlines_and_ordinary_yaml_still_load() -> None:
    assert load_source('a: "tab\\there"\nb: [1, {c: 2.5}]\n', "f.yaml").data == \
        {"a": "tab\there", "b": [1, {"c": 2.5}]}


BAD_JSON = {
    "binary": bytes(range(256)) * 4,
    "deep": b"[" * 100000 + b"]" * 100000,
    "big-number": b'{"DistributionConfig": {"Comment": ' + b"9" * 5000 + b"}}",
    "duplicate": b'{"DistributionConfig": {}, "DistributionConfig": {}}',
}


@pytest.mark.parametrize("name", sorted(BAD_JSON))
def test_the_edge_refuses_a_bad_config_in_one_line(name: str, tmp_path: Path) -> None:
    config = tmp_path / f"{name}.json"
    config.write_bytes(BAD_JSON[name])
    result = subprocess.run([sys.executable, "-m", "edge", "--config", str(config), "--listen", ":0"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"edge: {config}: "), result.stderr


def test_validate_reports_every_bad_file_and_goes_on(tmp_path: Path) -> None:
    files = {"bomb.yaml": _alias_bomb(), "nul.yaml": "distribution: x\nx: \x00\n",
             "deep.yaml": "a: " + "[" * 5000 + "]" * 5000,
             "dup.yaml": "distribution: distributions/default.json\nload: {}\nload: {}\n"}
    for file_name, text in files.items():
        (tmp_path / file_name).write_text(text)
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)))
    good = REPO_ROOT / "scenarios" / "library" / "baseline.yaml"
    paths = [str(p) for p in sorted(tmp_path.iterdir())] + [str(good)]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "scenarios", "validate", *paths], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode != 0 and "Traceback" not in result.stderr
    refused = result.stderr.strip().splitlines()
    assert len(refused) == 5 and all(line.startswith("scenarios: ") for line in refused), result.stderr
    assert "ok      scenarios/library/baseline.yaml" in result.stdout
