"""The documentation site as a person sees it: built with `mkdocs build --strict`, served on the loopback and
opened in Debian's headless Chromium (installed by `make test` through `make browser`)."""
from __future__ import annotations

import functools
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from . import chromium
from .conftest import ROOT

SALARY = "clauses/workforce.annex.salary-table.html"


def _require_browser():
    missing = []
    if chromium.find() is None:
        missing.append("chromium")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True) if shutil.which("fc-list") else None
    if fonts is None or not fonts.stdout.strip():
        missing.append("fonts-noto-cjk")
    if not missing:
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        pytest.fail(f"{' and '.join(missing)} missing although apt-get is available: run `make browser` "
                    "(`make test` does it first)")
    pytest.skip(f"{' and '.join(missing)} missing and no apt-get as root to install Debian's packages")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def server(built):
    handler = functools.partial(_Quiet, directory=str(built))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    b = chromium.Browser(width=1280, height=1000)
    yield b
    b.close()


def test_every_clause_has_a_page(built, repo):
    for cid, cit in repo.clauses.items():
        if cid == cit.clause_id:
            assert (built / f"clauses/{cid}.html").is_file(), cid


def test_salary_table_page_shows_all_levels_and_probation(browser, server):
    browser.open(f"{server}/{SALARY}")
    rows = browser.eval("""
        const t = [...document.querySelectorAll('table')].find(t => t.tHead && t.tHead.textContent.includes('工资系数')
                                                                     && t.tHead.textContent.includes('其他人员'));
        t ? [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim())) : null""")
    assert rows, "no salary table on the page"
    levels = [r[0] for r in rows if re.fullmatch(r"\d+级", r[0])]
    assert levels == [f"{n}级" for n in range(18, 0, -1)]
    probation = [r for r in rows if r[0] == "试用期"]
    assert probation and "2000" in probation[0]
    top = next(r for r in rows if r[0] == "18级")
    assert top[1:7] == ["34年及以上", "", "", "", "2.00", "4000"] and top[7:] == ["0星", "300"]


def test_salary_table_screenshot_is_not_blank_and_cjk_glyphs_render(browser, server):
    from PIL import Image, ImageChops

    browser.open(f"{server}/{SALARY}")
    shot = Image.open(io.BytesIO(browser.screenshot())).convert("L")
    ink = sum(shot.histogram()[:200])  # pixels clearly darker than the white page
    assert ink > 0.01 * shot.width * shot.height, "the salary-table page renders (almost) blank"
    # Two different Han characters drawn large: with the CJK fonts they differ; without them both are the same box.
    browser.eval("""document.body.insertAdjacentHTML('beforeend',
        '<div id="g1" style="position:fixed;left:0;top:0;width:120px;height:120px;font-size:100px;line-height:120px;background:#fff;color:#000;z-index:9999">考</div>' +
        '<div id="g2" style="position:fixed;left:120px;top:0;width:120px;height:120px;font-size:100px;line-height:120px;background:#fff;color:#000;z-index:9999">核</div>');
        window.scrollTo(0, 0); true""")
    view = Image.open(io.BytesIO(browser.screenshot(full_page=False))).convert("L")
    a, b = view.crop((0, 0, 120, 120)), view.crop((120, 0, 240, 120))
    assert sum(a.histogram()[:128]) > 200 and sum(b.histogram()[:128]) > 200, "the glyphs left no ink"
    assert ImageChops.difference(a, b).getbbox() is not None, "考 and 核 render identically: CJK glyphs missing"


def test_clause_page_shows_its_verbatim_text(browser, server, repo):
    cid = "workforce.6.16"
    browser.open(f"{server}/clauses/{cid}.html")
    shown = browser.eval("[...document.querySelectorAll('article blockquote')].map(b => b.innerText).join('\\n')")
    for line in repo.cite(cid).text.split("\n"):
        assert line.strip() in shown


def test_worked_example_shows_its_trace(browser, server):
    browser.open(f"{server}/examples/examples-workers.html")
    opened = browser.eval("""
        const d = document.querySelector('details');
        d.querySelector('summary').click();
        d.open && d.innerText.includes('推理过程') ? d.innerText : null""")
    assert opened and "workforce.salary_table@1#band_level" in opened
    assert "「" in opened, "the trace quotes no clause text"


def test_search_for_kaohe_finds_pages(browser, server):
    browser.open(f"{server}/index.html?q=考核")
    n = browser.wait("document.querySelectorAll('.md-search-result__item').length", timeout=60)
    assert n > 0
    assert "考核" in browser.eval("document.querySelector('.md-search-result__list').innerText")


def test_no_request_leaves_the_machine(browser, server):
    # Runs after the other page visits of this module: every request the browser made so far is checked.
    browser.open(f"{server}/index.html")
    urls = browser.requests()
    assert len(urls) > 5
    outside = [u for u in urls if not (u.startswith(server) or u.startswith(("data:", "blob:", "about:")))]
    assert not outside, outside


def test_annex2_page_is_the_table_as_printed(browser, server, repo):
    """附件2 as a real table at 1280 px: six columns, departments by name, merged cells merged, nothing clipped."""
    browser.open(f"{server}/lists/annex2.html")
    got = browser.eval("""(() => {
        const t = document.querySelector('table.annex-list'), box = document.querySelector('article');
        const r = t.getBoundingClientRect(), a = box.getBoundingClientRect();
        return {head: [...t.tHead.rows[0].cells].map(c => c.textContent.trim()),
                rows: t.tBodies[0].rows.length, right: r.right, boxRight: a.right, width: r.width,
                scrolled: [...document.querySelectorAll('.md-typeset__scrollwrap')].some(w => w.contains(t)
                           && w.scrollWidth > w.clientWidth + 1),
                clipped: [...t.querySelectorAll('th, td')].filter(c => c.scrollWidth > c.clientWidth + 1).length,
                narrow: [...t.tHead.rows[0].cells].map(c => c.getBoundingClientRect().width).filter(w => w < 36).length,
                spans: [...t.querySelectorAll('td[rowspan]')].map(c => [c.rowSpan, c.textContent.trim()]),
                firstDept: t.tBodies[0].rows[0].cells[2].textContent.trim()};
    })()""")
    assert got["head"] == repo.cite("reform.annex2.header").text.split("\n")
    assert got["rows"] == 24
    assert got["right"] <= got["boxRight"] + 1 and not got["scrolled"] and got["clipped"] == 0 and got["narrow"] == 0
    assert [3, "市委组织部"] in got["spans"] and [4, "市禁毒办、市防邪办、市司法局、市妇联"] in got["spans"]
    assert got["firstDept"] == "市委组织部" and "_" not in got["firstDept"]
    browser.open(f"{server}/clauses/reform.annex2.html")  # the annex's own clause page shows the whole table
    assert browser.eval("document.querySelector('table.annex-list').tBodies[0].rows.length") == 24


def test_ruling_document_in_the_browser_has_labels_units_and_issuing_block(browser, server, built):
    from .conftest import run_policy

    code, out, err = run_policy("eval", ROOT / "examples" / "workers.yaml", "--format", "html", "--issuer",
                                "兴庆区民政局")
    assert code == 0, err
    (built / "ruling-document.html").write_text(out, encoding="utf-8")
    browser.open(f"{server}/ruling-document.html")
    text = browser.eval("document.body.innerText")
    assert "基本工资" in text and "3500 元/月 yuan per month" in text and "900 元/年 yuan per year" in text
    assert "10级 · 正职 10-12年 · 副职 19-21年" in text
    assert browser.eval("[...document.querySelectorAll('strong')].some(s => s.textContent === '正职 10-12年')")
    issued = browser.eval("""[...document.querySelectorAll('h2')].filter(h => h.textContent.includes('出具 Issued'))
        .map(h => h.nextElementSibling.innerText)[0]""")
    for word in ("出具方 issued by\t兴庆区民政局", "案例编号 case reference", "裁决所依日期 date ruled for\t2024-07-01",
                 "出具日期 date printed", "政策摘要 policy digest\tsha256:", "核验 how to verify"):
        assert word in issued, word
    width = browser.eval("document.documentElement.scrollWidth")
    assert width <= 1280, "the document is wider than the window"


def test_search_snippets_carry_no_zero_width_spaces_and_no_metadata(browser, server, built):
    import json

    index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    first = {d["location"]: d["text"] for d in index["docs"] if d["location"].startswith("clauses/")
             and "#" not in d["location"]}
    assert first and not any("项目\u200b item" in t or "项目 item" in t for t in first.values())
    browser.open(f"{server}/index.html?q=考核")
    assert browser.wait("document.querySelectorAll('.md-search-result__item').length", timeout=60) > 0
    shown = browser.eval("document.querySelector('.md-search-result__list').innerText")
    assert "考核" in shown and "\u200b" not in shown
    assert "项目 item" not in shown and "文件 document" not in shown
