"""The web page of `arcface serve` in headless Chromium (Debian chromium, chromium-driver,
python3-selenium): upload two sample photos, read the verdict, save a screenshot into the build folder."""
import os
import shutil

import pytest

from server_util import Server, cli_path

selenium = pytest.importorskip("selenium", reason="python3-selenium is not installed")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
BUILD = os.environ.get("BUILD_DIR", os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "build"))


@pytest.fixture(scope="module")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.path.isfile(DRIVER)):
        pytest.skip(f"chromium / chromedriver not installed ({CHROMIUM}, {DRIVER}; apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1300", "--disable-gpu"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    yield driver
    driver.quit()


def test_two_photos_give_a_verdict(tmp_path, browser, models, samples):
    if not os.path.isfile(cli_path()):
        pytest.skip(f"the arcface CLI is not built ({cli_path()})")
    with Server(tmp_path / "data") as server:
        api = server.client()
        expected = {}
        for name, second in (("same", "actors/jeff/2.jpg"), ("different", "actresses/emma_mackey/0.jpg")):
            files = [("image1", ("a.jpg", open(os.path.join(samples, "actors/jeff/0.jpg"), "rb").read())),
                     ("image2", ("b.jpg", open(os.path.join(samples, second), "rb").read()))]
            expected[name] = api.post("/v1/verify", files=files).json()
        api.close()
        browser.get(server.url + "/")
        for name, second in (("different", "actresses/emma_mackey/0.jpg"), ("same", "actors/jeff/2.jpg")):
            browser.find_element(By.ID, "file1").send_keys(os.path.realpath(os.path.join(samples, "actors/jeff/0.jpg")))
            browser.find_element(By.ID, "file2").send_keys(os.path.realpath(os.path.join(samples, second)))
            browser.execute_script("document.getElementById('verdict').textContent = ''")
            browser.find_element(By.ID, "verify-button").click()
            WebDriverWait(browser, 60).until(lambda d: "similarity" in d.find_element(By.ID, "verdict").text
                                             or "error" in d.find_element(By.ID, "verdict").get_attribute("class"))
            verdict = browser.find_element(By.ID, "verdict")
            text = verdict.text
            want = expected[name]
            assert text.startswith("same person" if want["same"] else "different people"), text
            assert f"similarity {want['similarity']:.3f}" in text, (text, want)
            assert abs(float(verdict.get_attribute("data-similarity")) - want["similarity"]) < 1e-6
            crops = browser.find_elements(By.CSS_SELECTOR, "#crops img")
            assert len(crops) == 2
            assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", c) == 112
                       for c in crops)
        os.makedirs(BUILD, exist_ok=True)
        shot = os.path.join(BUILD, "web_page_verify.png")
        assert browser.save_screenshot(shot) and os.path.getsize(shot) > 10000


def test_enrol_browse_and_identify(tmp_path, browser, models, samples):
    if not os.path.isfile(cli_path()):
        pytest.skip(f"the arcface CLI is not built ({cli_path()})")
    real = lambda *p: os.path.realpath(os.path.join(samples, *p))  # noqa: E731
    with Server(tmp_path / "data") as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 60)
        browser.find_element(By.ID, "new-gallery").send_keys("team")
        browser.find_element(By.ID, "enrol-id").send_keys("jeff")
        browser.find_element(By.ID, "enrol-files").send_keys(real("actors", "jeff", "0.jpg") + "\n" +
                                                             real("actors", "jeff", "1.jpg"))
        browser.find_element(By.ID, "enrol-button").click()
        wait.until(lambda d: "enrolled jeff (2 photo(s))" in d.find_element(By.ID, "enrol-result").text)
        thumb = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#people .person img"))
        wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", thumb) == 112)
        assert "jeff (2)" in browser.find_element(By.ID, "people").text
        wait.until(lambda d: d.find_element(By.ID, "identify-gallery").get_attribute("value") == "team")
        browser.find_element(By.ID, "file3").send_keys(real("actors", "jeff", "2.jpg"))
        browser.find_element(By.ID, "identify-button").click()
        wait.until(lambda d: "face(s)" in d.find_element(By.ID, "identify-result").text)
        assert browser.find_element(By.ID, "identify-result").text == "1 face(s): jeff"
        browser.find_element(By.ID, "file3").send_keys(real("group", "group.jpg"))
        browser.find_element(By.ID, "identify-button").click()
        wait.until(lambda d: d.find_element(By.ID, "identify-result").text.startswith("5 face(s)"))
        assert browser.find_element(By.ID, "identify-result").text == "5 face(s): " + ", ".join(["unknown"] * 5)
        assert browser.execute_script("return document.getElementById('identify-canvas').width") == 640
        browser.set_window_size(1100, 1800)  # the people with their thumbnails too
        shot = os.path.join(BUILD, "web_page_gallery.png")
        assert browser.save_screenshot(shot) and os.path.getsize(shot) > 10000
