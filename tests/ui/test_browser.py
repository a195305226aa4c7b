"""End to end in a real headless Chromium: ``scout app`` on the sample data, shortlist two
leaders, export the shortlist as CSV.

The browser is Debian's Chromium (``apt-get install chromium``), driven by Playwright;
every request that would leave 127.0.0.1 is blocked and recorded, so the test also
proves that the app works without internet access. A screenshot is saved under
``artifacts/`` (git-ignored).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("SCOUT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
ARTIFACTS = REPO / "artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scout_executable() -> list[str]:
    exe = Path(sys.executable).with_name("scout")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "ui.cli"]


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"scout app exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - local URL
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"scout app did not answer on port {port}:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and everything it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=15)


@pytest.fixture
def app_server(app_sample_db, tmp_path):
    """``scout app`` on a copy of the sample store; yields its base URL; killed afterwards."""
    db = tmp_path / "scout.db"
    shutil.copyfile(app_sample_db, db)
    port = free_port()
    log = tmp_path / "app.log"
    env = {k: v for k, v in os.environ.items() if k != "SCOUT_APP_PASSWORD"}
    env["SCOUT_CACHE_DIR"] = str(tmp_path / "cache")
    with open(log, "wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI
            [*scout_executable(), "--store", f"sqlite:///{db}", "app", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
            start_new_session=True,
        )
    try:
        wait_healthy(port, proc, log)
        yield f"http://127.0.0.1:{port}", db
    finally:
        stop(proc)
        assert proc.poll() is not None, "the app server is still running"


def settle(page, timeout: float = 60) -> None:
    """Wait until the app has finished running its script (no 'running' indicator)."""
    page.wait_for_selector("[data-testid='stSidebarNav'] >> text=Overview", timeout=timeout * 1000)
    end = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < end:
        running = page.locator("[data-testid='stStatusWidget']").count() > 0
        if running:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since > 1.0:
            return
        time.sleep(0.1)
    raise AssertionError("the app kept running")


def click_row(page, grid, row: int) -> None:
    """Tick the selection box of a row of a Streamlit dataframe (a canvas grid)."""
    header, height = 35, 35  # Streamlit's default header and row heights
    box = grid.bounding_box()
    y = box["y"] + header + height * row + height / 2
    if y > page.viewport_size["height"] - 5:
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        y = box["y"] + header + height * row + height / 2
    page.mouse.click(box["x"] + 18, y)


def test_shortlist_two_leaders_and_export_csv(app_server, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, db = app_server
    external: list[str] = []

    def guard(route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          accept_downloads=True)
            context.route("**/*", guard)
            page = context.new_page()
            page.goto(f"{base}/leaders")
            settle(page)
            page.get_by_role("tab", name="External").click()
            settle(page)
            grid = page.locator("[data-testid='stDataFrame']").first
            grid.wait_for()
            click_row(page, grid, 0)
            settle(page)
            click_row(page, grid, 1)
            settle(page)
            picked = page.locator("[data-testid='stMarkdownContainer']", has_text="2 selected:")
            picked.wait_for(timeout=30_000)
            labels = [s.strip() for s in
                      picked.inner_text().split("selected:", 1)[1].split(",")]
            assert len(labels) == 2 and all(lbl.startswith("@") for lbl in labels), labels

            name_box = page.get_by_label("New shortlist name")
            name_box.fill("Browser picks")
            name_box.press("Enter")
            settle(page)
            page.get_by_role("button", name="Add to shortlist").click()
            settle(page)
            page.get_by_text("Added 2 accounts to").wait_for(timeout=30_000)

            page.get_by_role("link", name="Shortlists").first.click()
            settle(page)
            page.get_by_text("Export", exact=True).wait_for()
            with page.expect_download() as info:
                page.get_by_role("button", name="CSV", exact=True).click()
            download = info.value
            target = tmp_path / download.suggested_filename
            download.save_as(target)
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "browser-shortlist.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            browser.close()

    assert target.name.startswith("scout-shortlist-browser-picks-") and target.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert sorted(r["handle"] for r in rows) == sorted(lbl.lstrip("@") for lbl in labels)
    assert all(r["status"] == "to contact" for r in rows)
    from graph.sqlite_store import SqliteStore

    with SqliteStore(db) as store:
        assert len(store.shortlist_members("Browser picks")) == 2
    assert external == [], f"the app tried to reach the internet: {external}"


SCREENSHOT_PAGES = (
    ("overview", ""),
    ("leaders", "leaders"),
    ("account", "account?account={account}"),
    ("communities", "communities"),
    ("shortlists", "shortlists"),
    ("data", "data"),
)


def optimise_png(path: Path, colors: int = 256) -> None:
    """Re-save a screenshot as a palette PNG (about a quarter of the size, same look)."""
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                                            dither=Image.Dither.NONE)
        small.save(path, optimize=True)


def test_screenshots_of_every_page(app_server):
    """1280×800 screenshots of each page on the sample data.

    Written to ``artifacts/screenshots/``; with ``SCOUT_UPDATE_SCREENSHOTS=1`` to
    ``docs/screenshots/`` (the README's).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from graph.sqlite_store import SqliteStore

    base, db = app_server
    with SqliteStore(db) as store:
        table = store.load_snapshot().table.set_index("handle")
        keys = table.loc[["kwame_on_data", "mlops_maya", "dana_pipelines", "bi_with_ben",
                          "oncall_olu", "cdo_rachel"], "account"].tolist()
        store.create_shortlist("Q4 community advocates", "External voices for the advocate program")
        store.add_to_shortlist("Q4 community advocates", keys, owner="sam")
        store.update_member("Q4 community advocates", keys[0], status="contacted",
                            note="Met at DataConf, keen to give a talk")
        store.update_member("Q4 community advocates", keys[1], status="replied", owner="alex",
                            note="Interested in the beta program")
        store.update_member("Q4 community advocates", keys[3], status="recruited",
                            note="Customer: case study in January")
        account = table.at["aisha_builds", "account"]
    update = os.environ.get("SCOUT_UPDATE_SCREENSHOTS") == "1"
    folder = REPO / "docs" / "screenshots" if update else ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            for name, path in SCREENSHOT_PAGES:
                page.goto(f"{base}/{path.format(account=account)}")
                settle(page)
                if name == "leaders":  # customers and prospects worth recruiting, two picked
                    page.get_by_role("tab", name="External").click()
                    settle(page)
                    page.get_by_text("Customers & prospects only").click()
                    settle(page)
                    grid = page.locator("[data-testid='stDataFrame']").first
                    click_row(page, grid, 0)
                    settle(page)
                    click_row(page, grid, 1)
                    settle(page)
                    page.get_by_text("2 selected:").wait_for(timeout=30_000)
                page.wait_for_timeout(500)  # charts finish their first paint
                shot = folder / f"{name}.png"
                page.screenshot(path=str(shot))
                optimise_png(shot)
                print(f"screenshot: {shot} ({shot.stat().st_size // 1024} KiB)")
        finally:
            browser.close()
    assert all((folder / f"{name}.png").stat().st_size > 10_000 for name, _ in SCREENSHOT_PAGES)
