"""The app as users start it, `python -m tf_deepexag app`, over real HTTP, and
the page driven in headless Chromium.

The browser tests need Debian's `chromium` and `chromium-driver` (`.ci/run`
installs them) and selenium (the `dev` extra); they skip, naming what is
missing, elsewhere. They save screenshots to pytest's temporary folder, and
to `$TF_DEEPEXAG_APP_SCREENSHOT` / `$TF_DEEPEXAG_CAMERA_SCREENSHOT` when set
(the docs' figures: `TF_DEEPEXAG_APP_SCREENSHOT=docs/figures/app.png
TF_DEEPEXAG_CAMERA_SCREENSHOT=docs/figures/app_camera.png`). The camera test
feeds the astronaut through Chromium's fake capture device (a Y4M file).
"""

import io
import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest
from skimage import data as skdata

from tests.app import helpers

pytestmark = pytest.mark.slow
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT_S = 300
RESULT_TIMEOUT_S = 180


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Starts `python -m tf_deepexag app` on a free port; yields its URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO_ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tf_deepexag", "app", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited with {process.returncode}:\n"
                            f"{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start in {START_TIMEOUT_S} s:\n"
                            f"{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _post(url, data, **fields):
    return httpx.post(url + "/api/caricature", files={"photo": ("p.png", data, "image/png")},
                      data={k: str(v) for k, v in fields.items()}, timeout=RESULT_TIMEOUT_S)


def test_server_answers_a_photo_refuses_a_bomb_and_stays_up(live_server):
    url, process = live_server
    assert "default-src 'self'" in httpx.get(url + "/").headers["content-security-policy"]
    response = _post(url, helpers.png_bytes(skdata.astronaut()), style="none")
    assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"
    bomb = _post(url, helpers.png_claiming(30000, 30000))
    assert bomb.status_code == 413 and "megapixels" in bomb.json()["error"]
    assert _post(url, b"not an image at all").status_code == 400
    assert httpx.get(url + "/healthz").status_code == 200 and process.poll() is None


def _browser_or_skip(extra_args=()):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("headless Chromium not installed (Debian: apt-get install chromium "
                    "chromium-driver; .ci/run does)")
    try:
        from selenium import webdriver  # pylint: disable=g-import-not-at-top
        from selenium.webdriver.chrome import service  # pylint: disable=g-import-not-at-top
    except ImportError:
        pytest.skip("selenium not installed (pip install -e '.[dev]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,1000", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update",
                "--disable-default-apps", "--hide-scrollbars",
                # Only the app's own address resolves: the page must need nothing else.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", *extra_args):
        options.add_argument(arg)
    # A driver path given: Selenium Manager (which downloads) is never run.
    return webdriver.Chrome(options=options, service=service.Service(executable_path=driver))


def _wait(driver, condition, what):
    from selenium.webdriver.support.ui import WebDriverWait  # pylint: disable=g-import-not-at-top

    return WebDriverWait(driver, RESULT_TIMEOUT_S, poll_frequency=0.2).until(
        condition, message=f"waited {RESULT_TIMEOUT_S} s for {what}")


def _settled(driver):
    """True when no request is running and the status bar is hidden."""
    return driver.execute_script(
        "return document.getElementById('status').hidden && !document.getElementById('results')"
        ".classList.contains('busy')")


def test_page_in_headless_chromium(live_server, tmp_path):
    from selenium.webdriver.common.by import By  # pylint: disable=g-import-not-at-top
    from selenium.webdriver.common.keys import Keys  # pylint: disable=g-import-not-at-top

    url, process = live_server
    driver = _browser_or_skip()
    try:
        driver.get(url + "/")
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#style option"),
              "the style menu")
        photo = tmp_path / "astronaut.png"
        photo.write_bytes(helpers.png_bytes(skdata.astronaut()))
        garbage = tmp_path / "notes.png"
        garbage.write_bytes(b"these are notes, not a photo")

        # 1. An unreadable file: a clear message, no result.
        driver.find_element(By.ID, "photo").send_keys(str(garbage))
        _wait(driver, lambda d: d.find_element(By.ID, "message").is_displayed(),
              "the error message")
        assert "not an image" in driver.find_element(By.ID, "message").text
        _wait(driver, _settled, "the request to finish")
        assert not driver.find_elements(By.CSS_SELECTOR, "#results img")

        # 2. The astronaut: four panels, the message gone.
        driver.find_element(By.ID, "photo").send_keys(str(photo))
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#results img.caricature"),
              "the first caricature")
        _wait(driver, _settled, "the first request to finish")
        assert not driver.find_element(By.ID, "message").is_displayed()
        first = driver.find_element(By.CSS_SELECTOR, "#results img.caricature")
        first_src = first.get_attribute("src")

        # 3. Move the strength slider with the keyboard: 1.0 -> 1.5, a new result.
        slider = driver.find_element(By.ID, "strength")
        slider.click()
        slider.send_keys(Keys.HOME, *[Keys.ARROW_RIGHT] * 15)
        assert driver.find_element(By.ID, "strength-value").text == "1.5"
        _wait(driver, lambda d: _settled(d) and d.find_element(By.ID, "results")
              .get_attribute("data-strength") == "1.5", "the caricature at strength 1.5")
        assert driver.find_element(By.CSS_SELECTOR, "#results img.caricature") \
            .get_attribute("src") != first_src

        images = driver.find_elements(By.CSS_SELECTOR, "#results img")
        assert [i.get_attribute("class") for i in images] == [
            "photo", "landmarks", "warped", "caricature", "morph"]
        sizes = [driver.execute_script("return [arguments[0].naturalWidth, "
                                       "arguments[0].naturalHeight]", i) for i in images]
        assert all(w >= 256 and h >= 256 for w, h in sizes), sizes
        link = driver.find_element(By.CSS_SELECTOR, "#results a.download")
        assert link.get_attribute("download").endswith(".png")
        assert link.get_attribute("href").startswith("data:image/png;base64,")
        link = driver.find_element(By.CSS_SELECTOR, "#results a.download-morph")
        assert link.get_attribute("download").endswith("_morph.webp")
        assert link.get_attribute("href").startswith("data:image/webp;base64,")
        # Everything the page loaded came from the app itself.
        origins = driver.execute_script(
            "return performance.getEntriesByType('resource')"
            ".map(e => new URL(e.name).origin)")
        assert set(origins) <= {url}, origins
        assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
                    and "/api/caricature" not in e["message"]]

        driver.execute_script("document.activeElement.blur()")  # no focus ring
        driver.save_screenshot(str(tmp_path / "app.png"))
        target = os.environ.get("TF_DEEPEXAG_APP_SCREENSHOT")
        if target:
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            driver.save_screenshot(target)
        assert process.poll() is None
    finally:
        driver.quit()


def _write_y4m(path, image, frames=5):
    """A Y4M clip of a still image, 4:2:0 as Chromium's fake camera reads it."""
    import cv2  # pylint: disable=g-import-not-at-top

    height, width = image.shape[:2]  # even sides
    planes = cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420)  # (H * 3 / 2, W): Y, then U, V
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            f.write(b"FRAME\n" + planes.tobytes())


def _click_camera_for_message(driver, script):
    """Runs `script` (breaking the camera), clicks the camera button, returns the message."""
    from selenium.webdriver.common.by import By  # pylint: disable=g-import-not-at-top

    driver.execute_script(script)
    driver.find_element(By.ID, "camera").click()
    _wait(driver, lambda d: d.find_element(By.ID, "message").is_displayed(), "the message")
    assert not driver.find_element(By.ID, "camera-box").is_displayed()
    return driver.find_element(By.ID, "message").text


def _camera_playing(driver):
    return driver.execute_script(
        "const v = document.getElementById('camera-video');"
        "return !document.getElementById('camera-box').hidden && v.readyState >= 2 "
        "&& v.videoWidth > 0")


def test_camera_in_headless_chromium(live_server, tmp_path):
    import base64  # pylint: disable=g-import-not-at-top

    import numpy as np  # pylint: disable=g-import-not-at-top
    from PIL import Image  # pylint: disable=g-import-not-at-top
    from selenium.webdriver.common.by import By  # pylint: disable=g-import-not-at-top

    url, process = live_server
    astronaut = skdata.astronaut()
    clip = tmp_path / "astronaut.y4m"
    _write_y4m(clip, astronaut)
    driver = _browser_or_skip([
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}"])
    try:
        driver.get(url + "/")
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#style option"),
              "the style menu")

        # 1. A denied camera, a missing one and a page served over plain HTTP
        #    to another computer: one clear message each.
        denied = _click_camera_for_message(driver, (
            "navigator.mediaDevices.getUserMedia = () => Promise.reject("
            "new DOMException('Permission denied', 'NotAllowedError'));"))
        assert "camera was denied" in denied
        missing = _click_camera_for_message(driver, (
            "navigator.mediaDevices.getUserMedia = () => Promise.reject("
            "new DOMException('Requested device not found', 'NotFoundError'));"))
        assert "No camera was found" in missing
        insecure = _click_camera_for_message(driver, (
            "Object.defineProperty(window, 'isSecureContext', {value: false});"))
        assert "HTTPS" in insecure and "127.0.0.1" in insecure
        driver.get(url + "/")  # the page as it was
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#style option"),
              "the style menu")

        # 2. The fake camera shows the astronaut; the picture is caricatured.
        driver.find_element(By.ID, "camera").click()
        _wait(driver, _camera_playing, "the camera preview")
        driver.find_element(By.ID, "snap").click()
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#results img.caricature"),
              "the caricature of the camera's picture")
        _wait(driver, _settled, "the request to finish")
        assert not driver.find_element(By.ID, "message").is_displayed()
        assert not driver.find_element(By.ID, "camera-box").is_displayed()
        assert driver.execute_script("return state.stream") is None  # camera released
        morph = driver.find_element(By.CSS_SELECTOR, "#results img.morph")
        assert morph.get_attribute("src").startswith("data:image/webp;base64,")
        # The picture sent is the camera's frame, not mirrored.
        picture = driver.execute_script(
            "const img = document.getElementById('preview');"
            "const c = document.createElement('canvas');"
            "c.width = img.naturalWidth; c.height = img.naturalHeight;"
            "c.getContext('2d').drawImage(img, 0, 0); return c.toDataURL('image/png');")
        with Image.open(io.BytesIO(base64.b64decode(picture.split(",", 1)[1]))) as image:
            picture = np.asarray(image.convert("RGB"), np.float64)
        assert picture.shape == astronaut.shape
        assert np.abs(picture - astronaut).mean() < 8  # 4:2:0 and colour-range rounding
        assert np.abs(picture[:, ::-1] - astronaut).mean() > 30

        # 3. The preview again, above the result: the docs' figure.
        driver.find_element(By.ID, "camera").click()
        _wait(driver, _camera_playing, "the camera preview")
        driver.execute_script("document.activeElement.blur()")
        driver.save_screenshot(str(tmp_path / "app_camera.png"))
        target = os.environ.get("TF_DEEPEXAG_CAMERA_SCREENSHOT")
        if target:
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            driver.save_screenshot(target)
        driver.find_element(By.ID, "camera-close").click()
        assert not driver.find_element(By.ID, "camera-box").is_displayed()
        assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert process.poll() is None
    finally:
        driver.quit()
