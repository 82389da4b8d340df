"""The close report opens in headless Chromium without network access and draws its charts."""

from __future__ import annotations

import os
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from orchestration.close.report.render import render_report
from orchestration.close.report.sample import sample_report_data

pytestmark = pytest.mark.end_to_end

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
APT_TIMEOUT_SECONDS = 900
BROWSER_TIMEOUT_SECONDS = 120


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's chromium, installed with apt-get when missing and running as root."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{CHROMIUM} is missing and apt-get cannot run as root to install it.")

    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=environment,
            timeout=APT_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            pytest.skip(f"{' '.join(command)} failed: {completed.stderr.strip()[-500:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "close-2026-11.html"
    path.write_text(render_report(sample_report_data()), encoding="utf-8")
    return path


def run_chromium(chromium: str, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *arguments],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=False,
    )


def test_report_draws_plotly_svg(chromium, report_file, tmp_path):
    # --virtual-time-budget lets the page's scripts run before the DOM is dumped.
    completed = run_chromium(
        chromium, tmp_path, "--virtual-time-budget=10000", "--dump-dom", report_file.as_uri()
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    # Plotly draws each chart as an <svg class="main-svg">; the sample has 7 charts.
    assert dom.count('class="main-svg"') >= 7
    # Each bar series is a <g class="trace bars"> group inside a chart.
    assert dom.count('class="trace bars"') >= 7


def test_report_screenshot_has_colour(chromium, report_file, tmp_path):
    screenshot = tmp_path / "report.png"

    completed = run_chromium(
        chromium,
        tmp_path,
        f"--screenshot={screenshot}",
        "--window-size=1400,3000",
        "--virtual-time-budget=10000",
        report_file.as_uri(),
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    width, height, pixels = decode_png(screenshot.read_bytes())
    assert (width, height) == (1400, 3000)
    # Text on white has a few dozen colours; bars, gridlines and anti-aliasing add hundreds.
    assert len(set(pixels)) > 200
    keep = os.environ.get("TIEOUT_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(screenshot, keep)


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Decode an 8-bit RGB or RGBA PNG without interlacing into its pixels, row by row."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position = 8
    compressed = b""
    width = height = channels = 0
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width = int.from_bytes(body[0:4], "big")
            height = int.from_bytes(body[4:8], "big")
            bit_depth, colour_type, interlace = body[8], body[9], body[12]
            assert bit_depth == 8
            assert interlace == 0
            channels = {2: 3, 6: 4}[colour_type]
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break

    raw = zlib.decompress(compressed)
    stride = width * channels
    previous = bytearray(stride)
    pixels = []
    offset = 0
    for _ in range(height):
        filter_type = raw[offset]
        line = bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        unfilter(line, previous, filter_type, channels)
        pixels.extend(tuple(line[i : i + 3]) for i in range(0, stride, channels))
        previous = line
    return width, height, pixels


def unfilter(line: bytearray, previous: bytearray, filter_type: int, channels: int) -> None:
    """Undo one PNG scanline filter in place (filter types 0 to 4)."""
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        upper_left = previous[i - channels] if i >= channels else 0
        if filter_type == 1:
            line[i] = (line[i] + left) & 0xFF
        elif filter_type == 2:
            line[i] = (line[i] + up) & 0xFF
        elif filter_type == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif filter_type == 4:
            line[i] = (line[i] + paeth(left, up, upper_left)) & 0xFF


def paeth(left: int, up: int, upper_left: int) -> int:
    estimate = left + up - upper_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - upper_left))
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    if distances[1] <= distances[2]:
        return up
    return upper_left
