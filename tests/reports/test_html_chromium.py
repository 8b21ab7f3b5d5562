"""The HTML pages in a real browser: they display without errors and every image loads.

Headless Chromium (Debian's ``chromium``; installed when missing and we are root, else
these tests are skipped with the reason) opens a copy of each page with a small check
script added; the script needs no network, and the browser has none.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest
from PIL import Image

from reports.build import build_report
from reports.compare import compare_runs
from reports.trend import write_trend
from tests.reports import chromium, synth

CHECK = """<script>
window.__errors = [];
window.addEventListener("error", function (ev) {
  var what = ev.message || ("failed to load " + ((ev.target && (ev.target.src || ev.target.href)) || "?"));
  window.__errors.push(String(what).slice(0, 200));
}, true);
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var out = {
    images: imgs.length,
    broken: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).map(function (i) { return i.alt; }),
    widths: imgs.map(function (i) { return i.naturalWidth; }),
    errors: window.__errors,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    title: document.title
  };
  var pre = document.createElement("pre");
  pre.id = "check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


@pytest.fixture(scope="session")
def browser() -> str:
    path, why = chromium.find_or_install()
    if path is None:
        print(f"\nSKIP browser tests: {why}", file=sys.stderr)
        pytest.skip(f"headless Chromium unavailable: {why}")
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pages")
    a = synth.make_run(root / "a")
    build_report(a)
    b = synth.make_run(root / "b")
    folder, _ = compare_runs(a, b, root / "compare")
    for day, failover in ((1, 0.4), (2, 0.6)):
        regression = root / "results" / f"regression-2026110{day}T020000Z"
        regression.mkdir(parents=True)
        (regression / "summary.json").write_text(json.dumps({
            "kind": "regression", "started": regression.name[11:], "ts": 1_793_412_000.0 + day * 86400,
            "scenarios": [{"name": "primary-killed", "passed": True, "metrics": {
                "faults[0].time_to_failover_s": failover, "latency_ms.p95": 40.0, "hit_ratio": 0.9,
                "errors": 2}}]}))
    trend_page, _ = write_trend(root / "results")
    return {"report": a / "report.html", "compare": folder / "compare.html", "trend": trend_page}


def check_page(browser: str, page: Path) -> dict:
    """Open a checked copy of ``page``; the check script's findings."""
    probe = page.with_name(page.stem + "-checked.html")
    text = page.read_text(encoding="utf-8")
    assert "</head>" in text
    probe.write_text(text.replace("</head>", CHECK + "</head>", 1), encoding="utf-8")
    done = chromium.run(browser, probe.resolve().as_uri(), "--dump-dom", "--window-size=1300,900",
                        "--virtual-time-budget=10000")
    found = re.search(r'<pre id="check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the page never finished loading: {done.stderr.strip()[-500:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.timeout(chromium.INSTALL_TIMEOUT_S + 120)  # the first test may install Chromium
@pytest.mark.parametrize("name, images", [("report", 8), ("compare", 6), ("trend", 4)])
def test_page_displays_and_every_image_loads(browser: str, pages: dict[str, Path], name: str,
                                             images: int) -> None:
    result = check_page(browser, pages[name])
    assert result["errors"] == []
    assert result["images"] == images and result["broken"] == []
    # Charts are 1200 px wide PNGs: a decoded image has its real width.
    assert set(result["widths"]) == {1200}
    assert result["overflow"] <= 0, "the page scrolls sideways at 1300 px"


@pytest.mark.timeout(chromium.INSTALL_TIMEOUT_S + 120)  # run alone, this test may install Chromium
def test_report_screenshot_is_not_blank(browser: str, pages: dict[str, Path], tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium.screenshot(browser, pages["report"], shot, height=1600)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1300, 1600)
    colours = image.getcolors(maxcolors=1 << 20) or []
    # Text, table rules, PASS/FAIL colours: a rendered page has many colours, a blank one 1.
    assert len(colours) > 50
