"""The browser app end to end: `borderflow serve` in a subprocess, driven by headless Chromium.

Needs the playwright package (test extra) and a Chromium (`apt-get install chromium`). Without a
browser the test is skipped, unless BORDERFLOW_REQUIRE_BROWSER is set (as in CI), where it fails.
BORDERFLOW_SCREENSHOT=docs/server.png refreshes the README's screenshot (else it goes to a temp dir).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import synthetic_batch

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT = 90  # seconds for the server to answer
UI_TIMEOUT = 60_000  # milliseconds for the page to react


@pytest.fixture
def chromium() -> str:
    """The browser's path (skip or fail first, before any server starts)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed (pip install -e '.[test]')"
    if path is None:
        missing = "no Chromium found: install it with `apt-get install chromium` (or set CHROMIUM=/path/to/it)"
    if missing:
        if os.environ.get("BORDERFLOW_REQUIRE_BROWSER"):
            pytest.fail(f"BORDERFLOW_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(missing)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    """`borderflow serve` on a free local port, with a small batch to replay; yields its URL."""
    batch = tmp_path / "batch"
    synthetic_batch(batch)
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    cmd = [sys.executable, "-c", "import sys; from experiments.cli import main; sys.exit(main())",
           "serve", "--port", str(port), "--batch", str(batch)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, f"server exited: {(tmp_path / 'server.log').read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(url, timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not answer in time"
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def drawn_images(page) -> int:
    """Images on the page that have actually loaded pixels."""
    return page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth > 100).length")


def factual_pixels() -> str:
    """JavaScript: in each drawn image, in page order (the map, then the encounters panel), the pixels of
    exactly the factual line's colour (elsewhere only a few edges of text blend to it)."""
    from matplotlib.colors import to_rgb

    from viz.panels import FACTUAL_COLOUR

    r, g, b = (round(255 * c) for c in to_rgb(FACTUAL_COLOUR))
    return """() => [...document.images].filter(i => i.complete && i.naturalWidth > 100).map(img => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < rgba.length; i += 4) n += rgba[i] === %d && rgba[i + 1] === %d && rgba[i + 2] === %d;
    return n;
})""" % (r, g, b)


def test_serve_in_a_browser(chromium, server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shot = Path(os.environ.get("BORDERFLOW_SCREENSHOT") or tmp_path / "server.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1700, "height": 1250})
        page.set_default_timeout(UI_TIMEOUT)
        page.goto(server)
        step = page.get_by_role("button", name="Step")
        reset = page.get_by_role("button", name="Reset")
        expect(step).to_be_enabled()

        # The grid and the three curves are drawn.
        expect(page.get_by_text("securing-the-border", exact=True).first).to_be_visible()
        page.wait_for_function("[...document.images].filter(i => i.naturalWidth > 100).length >= 4")
        assert drawn_images(page) >= 4

        # A lever: the activation threshold, taken on Reset, then a few days.
        page.get_by_label("Closure activation threshold", exact=False).fill("3000")
        page.keyboard.press("Enter")
        reset.click()
        expect(page.get_by_text("on at a 7-day average of 3,000")).to_be_visible()
        for day in (1, 2, 3):
            step.click()
            expect(page.get_by_text(f"day {day} of 366")).to_be_visible()
        expect(page.get_by_text("2024-01-04, day 3 of 366")).to_be_visible()

        # A lifting threshold above activation is refused with the rule's own message, and nothing runs.
        page.get_by_label("Closure lifting threshold", exact=False).fill("4000")
        page.keyboard.press("Enter")
        reset.click()
        expect(page.get_by_text("closure.lift 4000.0 is above closure.activation 3000.0")).to_be_visible()
        step.click()
        expect(step).to_be_disabled()
        expect(page.get_by_text("2024-01-01, day 0 of 366")).to_be_visible()

        # Corrected, it runs again (the server kept serving).
        page.get_by_label("Closure lifting threshold", exact=False).fill("")
        page.keyboard.press("Enter")
        reset.click()
        expect(page.get_by_text("Refused")).to_have_count(0)
        expect(step).to_be_enabled()

        # Some weeks for the picture: the render interval slider moves 2 days a key press.
        page.get_by_role("slider").nth(1).focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        for day in range(21, 127, 21):
            step.click()
            expect(page.get_by_text(f"day {day} of 366")).to_be_visible()
        page.wait_for_timeout(1500)
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)

        # Started from history: a date outside historical's run is refused in one line ...
        factual = factual_pixels()
        assert page.evaluate(factual)[1] >= 300  # a warm regime is drawn beside what history did from its date
        page.get_by_label("Scenario", exact=True).click(force=True)  # the select's text covers its input
        page.get_by_role("option", name="historical", exact=True).click()
        page.get_by_label("Closure activation threshold", exact=False).fill("")
        start = page.get_by_label("Start from its history", exact=False)
        start.fill("2030-01-01")
        page.keyboard.press("Enter")
        reset.click()
        expect(page.get_by_text("the start date 2030-01-01 is outside historical's run (2018-10-01 to 2025-08-31)")
               ).to_be_visible()
        expect(step).to_be_enabled()
        step.click()
        expect(step).to_be_disabled()

        # ... one inside it starts from that day's state, with the factual drawn beside the live curve.
        start.fill("2019-01-15")
        page.keyboard.press("Enter")
        reset.click()
        expect(page.get_by_text("Started from historical's history on 2019-01-15", exact=False)).to_be_visible(
            timeout=UI_TIMEOUT)  # the history's 106 days and the factual's year run first
        expect(page.get_by_text("2019-01-15, day 0 of 365")).to_be_visible()
        step.click()  # 21 days a step, as set above
        expect(page.get_by_text("2019-02-05, day 21 of 365")).to_be_visible()
        page.wait_for_function(f"({factual})()[1] >= 300")

        # Page 1 replays the batch given with --batch.
        page.get_by_role("tab", name="Page 1").click()
        expect(page.get_by_text("Replay a finished batch")).to_be_visible()
        expect(page.get_by_text("3 seeds").first).to_be_visible()
        browser.close()
    assert shot.stat().st_size > 50_000
