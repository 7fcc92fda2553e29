"""The analyst web page, driven in headless Chromium against a real server; screenshots go to the test run."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.server import Server, cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium package is not installed")


@pytest.fixture(scope="module")
def page_server(quick_model_dir, tmp_path_factory):
    state = tmp_path_factory.mktemp("web-state")
    srv = Server(state, quick_model_dir)
    key = cli(srv.env, "keys", "create", "web").stdout.strip().splitlines()[-1]
    srv.start()
    yield srv, key
    srv.stop()


@pytest.fixture()
def page(page_server):
    from playwright.sync_api import sync_playwright

    srv, key = page_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1000}, accept_downloads=True)
        page.goto(srv.url + "/")
        page.fill("#api-key", key)
        page.dispatch_event("#api-key", "change")
        yield page
        browser.close()


def test_classify_shows_labels_scores_and_highlighted_evidence_then_review(page):
    text = "Fibre-optic gyro, bias stability 0.005 deg/h, for inertial navigation of aircraft"
    page.fill("#classify-text", text)
    page.click("#classify-button")
    page.wait_for_selector("#classify-verdict")
    assert page.inner_text("#classify-highlighted") == text
    assert page.locator("#classify-result tr[data-label]").count() == 5
    navigation = page.locator("#classify-result tr[data-label='navigation_avionics'] td").first.inner_text()
    assert navigation.startswith("Navigation and avionics (Cat. 7)")  # names and categories; the ids stay in data
    assert "Navigation and avionics (Cat. 7)" in page.inner_text("#review-labels")
    assert "model" in page.inner_text("#classify-result")
    page.fill("#review-reason", "navigation-grade gyro")
    page.locator("#review-labels input[value='navigation_avionics']").check()
    page.click("#review-correct")
    page.wait_for_selector("#review-result:has-text('saved')")
    page.screenshot(path=str(SCREENSHOTS / "classify.png"), full_page=True)


def test_screen_shows_decision_and_reasons(page):
    page.fill("#screen-labels", "navigation_avionics")
    page.fill("#screen-end-user", "海上自衛隊 佐世保地方隊")
    page.fill("#screen-destination", "SG")
    page.fill("#screen-via", "SG")
    page.fill("#screen-end-use", "patrol aircraft maintenance")
    page.fill("#screen-date", "2026-03-01")
    page.click("#screen-button")
    page.wait_for_selector("#screen-decision")
    assert page.inner_text("#screen-decision") == "prohibited"
    assert page.locator("#screen-reasons li").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "screen.png"), full_page=True)


def test_catalog_upload_progress_and_download(page, tmp_path):
    source = tmp_path / "catalog.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "description"])
        for i in range(60):
            writer.writerow([f"S{i}", "Hot isostatic press 2000 bar" if i % 2 else "Cotton tote bag"])
    page.set_input_files("#job-file", str(source))
    page.click("#job-button")
    page.wait_for_selector("#job-download", timeout=120_000)
    assert "60 / 60 rows" in page.inner_text("#job-rows")
    with page.expect_download() as download_info:
        page.click("#job-download")
    saved = tmp_path / "labeled.csv"
    download_info.value.save_as(saved)
    rows = list(csv.DictReader(saved.open(encoding="utf-8")))
    assert len(rows) == 60 and "labels" in rows[0]
    page.screenshot(path=str(SCREENSHOTS / "catalog.png"), full_page=True)


def test_bad_key_shows_a_clear_error(page):
    page.fill("#api-key", "du_wrong")
    page.dispatch_event("#api-key", "change")
    page.fill("#classify-text", "Ring laser gyro")
    page.click("#classify-button")
    page.wait_for_selector("#classify-result .error")
    assert "401" in page.inner_text("#classify-result")


def test_an_entry_shows_a_feature_as_present_or_absent_with_its_words(page):
    from dataclasses import asdict

    from classifier.entries.suggest import StatedParameter, thresholds_assessed

    text = "Pilot freeze dryer, condenser capacity 30 kg/24 h, CIP only (no SIP)"
    parameters = [asdict(StatedParameter.of(a)) for a in thresholds_assessed("2B352", text)]
    entry = {
        "entry": "2B352",
        "code": "2B352.e",
        "score": 0.5,
        "us_eccn": None,
        "insufficient_data": False,
        "text": ["2B352.e Steam, gas or vapour sterilisable freeze-drying equipment"],
        "decontrol_notes": [],
        "parameters": [p for p in parameters if p["paragraph"] == "2B352.e"],
    }
    page.set_content(f"<div id='entries'></div>{page.locator('script').last.evaluate('s => s.outerHTML')}")
    rows = page.evaluate(
        "e => { document.getElementById('entries').innerHTML = entriesHtml([e]); "
        "return [...document.querySelectorAll('tr.param')].map(r => r.innerText); }",
        entry,
    )
    feature = next(row for row in rows if "in_situ_sterilisation" in row)
    assert "present" in feature and "absent from “CIP only”" in feature and "dimensionless" not in feature
    measured = next(row for row in rows if "condenser_ice_capacity" in row)
    assert ">= 10 kilogram" in measured and "30 kilogram from “30 kg”" in measured
