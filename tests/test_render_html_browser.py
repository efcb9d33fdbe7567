"""The HTML as a browser lays it out (issue 19, item 7): headless Chromium opens a copy of the
document with a measuring script added, and prints the DOM after the script ran. Every
table header's text lines up with its column's cells (left edges for text columns, right
edges for numeric ones, centres for centred ones; browsers centre a `th` unless told otherwise), and the strategy's
contents list sits in the same column as its text. Skipped where Chromium is not installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from .util import SAMPLE, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")

MEASURE = """
<script>
window.addEventListener('load', () => {
  const textBox = (el) => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect(); };
  const out = {misaligned: [], columns: 0, toc: null, text: null};
  for (const table of document.querySelectorAll('table.data')) {
    const heads = table.querySelectorAll('thead th');
    const row = table.querySelector('tbody tr:not(.more)');
    if (!row) continue;
    heads.forEach((th, i) => {
      const cell = row.children[i];
      if (!cell || !cell.textContent.trim()) return;
      const right = th.classList.contains('num') || th.classList.contains('right');
      const centre = th.classList.contains('center');
      const a = textBox(th), b = textBox(cell);
      out.columns += 1;
      const gap = centre ? Math.abs((a.left + a.right) - (b.left + b.right)) / 2
                : right ? Math.abs(a.right - b.right) : Math.abs(a.left - b.left);
      if (gap > 1.5) out.misaligned.push(`${th.textContent.trim()}: ${gap.toFixed(1)} px`);
    });
  }
  const toc = document.querySelector('nav.toc li a');
  const h2 = document.querySelector('main h2');
  if (toc && h2) { out.toc = [textBox(toc).left, toc.closest('nav').getBoundingClientRect().right];
                   out.text = [textBox(h2).left, h2.closest('main').getBoundingClientRect().right
                               - parseFloat(getComputedStyle(h2.closest('main')).paddingRight)]; }
  const pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _measure(html_path, tmp_path) -> dict:
    probe = tmp_path / f"probe-{html_path.name}"
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
                        "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                       capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="measured">(.*?)</pre>', r.stdout, re.S)
    assert m, r.stderr[-2000:]
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    for args in (["monthly", SAMPLE / "incidents.csv", "--events", SAMPLE / "events.csv", "--month", "2026-10"],
                 ["strategy", SAMPLE.parent / "ccreport" / "examples" / "strategy.yaml"]):
        r = run_cli("--config", SAMPLE / "ccreport.yaml", *args, "--format", "html", "--out", out)
        assert r.returncode == 0, r.stderr
    return {p.name.split("-")[0]: p for p in out.glob("*.html")}


def test_table_headers_line_up_with_their_columns(pages, tmp_path):
    for name, path in pages.items():
        found = _measure(path, tmp_path)
        assert found["columns"] > 20, name
        assert found["misaligned"] == [], name


def test_the_strategy_contents_sit_in_the_page_column(pages, tmp_path):
    found = _measure(pages["strategy"], tmp_path)
    (toc_left, toc_right), (text_left, text_right) = found["toc"], found["text"]
    assert abs(toc_left - text_left) <= 1.5
    assert abs(toc_right - text_right) <= 1.5
