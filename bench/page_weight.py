"""Page weight on a slow link: bytes each main page and the live room transfer, and how long they take.

Starts a real server with the demo (as the browser tests do), opens every page in Debian's Chromium with
an empty cache under emulated slow 3G (400 kbit/s down and up, 400 ms round trip, through the DevTools
protocol), and records the bytes on the wire (compressed), the same page again with a warm cache, the
bytes a browser that refuses compression would get (the baseline, measured in the same run), and the time
until the page is loaded -- for the live room, until it has joined and a message can be sent, and until a
sent message comes back. Writes bench/PAGE_WEIGHT.md.

    python bench/page_weight.py            # needs /usr/bin/chromium and the test extras installed
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, Server  # noqa: E402
from tests.browser.helpers import login  # noqa: E402

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
WHO = "mumbai@demo.peer-exchange.org"
PAGES = ["/", "/exchanges/", "/exchanges/1", "/exchanges/2/agenda", "/experts/", "/experts/1", "/experts/apply",
         "/requests/", "/cities/", "/accounts/profile", "/officials/profile", "/live/"]
ROOM = "/sessions/1/room"


TRANSFERRED = """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
    .reduce((sum, entry) => sum + entry.transferSize, 0)"""
REQUESTS = """() => performance.getEntriesByType("resource").filter(entry => entry.transferSize > 0).length + 1"""


class Network:
    """The page's network through the DevTools protocol: slow 3G, and an empty cache on demand."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")

    def clear_cache(self) -> None:
        self.cdp.send("Network.clearBrowserCache")

    def slow(self) -> None:
        self.cdp.send("Network.emulateNetworkConditions", SLOW_3G)


def transferred(page) -> tuple[int, int]:
    """Bytes received for this page and everything it loaded (Resource Timing transferSize: headers and
    compressed bodies; 0 for what came from the cache), and the number of requests that went out."""
    return int(page.evaluate(TRANSFERRED)), int(page.evaluate(REQUESTS))


def measure_page(page, network: Network, path: str) -> dict:
    network.clear_cache()
    started = time.perf_counter()
    page.goto(path, wait_until="load")
    cold_seconds = time.perf_counter() - started
    cold, requests = transferred(page)
    page.goto(path, wait_until="load")
    warm, _ = transferred(page)
    return {"path": path, "cold": cold, "requests": requests, "warm": warm, "seconds": cold_seconds}


def measure_room(page, network: Network) -> dict:
    network.clear_cache()
    started = time.perf_counter()
    page.goto(ROOM, wait_until="commit")
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected", timeout=120_000)
    expect(page.get_by_label("Message")).to_be_enabled(timeout=120_000)
    ready = time.perf_counter() - started
    text = f"benchmark message {time.time_ns()}"
    page.get_by_label("Message").fill(text)
    sent = time.perf_counter()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-list > li", has_text=text)).to_have_count(1, timeout=120_000)
    echo = time.perf_counter() - sent
    cold, requests = transferred(page)
    return {"path": ROOM, "cold": cold, "requests": requests, "ready": ready, "echo": echo}


def run(browser, *, compressed: bool) -> tuple[list[dict], dict]:
    headers = {} if compressed else {"Accept-Encoding": "identity"}
    context = browser.new_context(base_url=SERVER.url, extra_http_headers=headers)
    context.set_default_timeout(120_000)
    page = context.new_page()
    login(page, WHO)
    network = Network(page)
    network.slow()
    pages = [measure_page(page, network, path) for path in PAGES]
    room = measure_room(page, network)
    context.close()
    return pages, room


def kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def report(pages, room, plain_pages, plain_room) -> str:
    plain = {p["path"]: p["cold"] for p in plain_pages}
    lines = [
        "# Page weight on slow 3G",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python bench/page_weight.py`: Debian's Chromium, "
        "an empty cache for each page, emulated slow 3G (400 kbit/s down and up, 400 ms round trip) through "
        f"the DevTools protocol, logged in as an official ({WHO.split('@')[0]}), demo data.",
        "",
        "*KB on the wire* is the Resource Timing `transferSize` of the page and all it loaded: headers and "
        "bodies as received (compressed); *warm* is the "
        "same page opened again (static files come from the cache: they are served with `?v=<hash>` and a "
        "year-long `Cache-Control`); *uncompressed* is the baseline, the same page for a browser that refuses "
        "compression, measured in the same run. Times are wall-clock on a shared 2-core machine: read them "
        "as orders of magnitude, the ratios as the result.",
        "",
        "| page | requests | KB on the wire | warm KB | uncompressed KB | ratio | load under slow 3G (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in pages:
        ratio = p["cold"] / plain[p["path"]] if plain[p["path"]] else 0
        lines.append(f"| `{p['path']}` | {p['requests']} | {kb(p['cold'])} | {kb(p['warm'])} | {kb(plain[p['path']])} "
                     f"| {ratio:.2f} | {p['seconds']:.1f} |")
    ratio = room["cold"] / plain_room["cold"] if plain_room["cold"] else 0
    lines.append(f"| `{ROOM}` (live room, until joined) | {room['requests']} | {kb(room['cold'])} | – | "
                 f"{kb(plain_room['cold'])} | {ratio:.2f} | {room['ready']:.1f} |")
    lines += [
        "",
        "## The live room under slow 3G",
        "",
        f"- Until the room has joined and a message can be sent, from an empty cache: **{room['ready']:.1f} s** "
        f"(without compression: {plain_room['ready']:.1f} s).",
        f"- A message sent until it is shown back from the server: **{room['echo']:.1f} s**. Chromium's "
        "emulation does not slow WebSocket frames, so this is the server's part; on a real slow link add "
        "two trips of 400 ms.",
        "",
        "The room's bytes include the Socket.IO handshake and long-polling requests made before the upgrade "
        "to a WebSocket (those are throttled, and are what the time until joined waits for); frames over the "
        "WebSocket itself are not in Resource Timing: they are small JSON events.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    global SERVER
    with tempfile.TemporaryDirectory() as tmp:
        SERVER = Server(Path(tmp))
        SERVER.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
                pages, room = run(browser, compressed=True)
                plain_pages, plain_room = run(browser, compressed=False)
                browser.close()
        finally:
            SERVER.stop()
    text = report(pages, room, plain_pages, plain_room)
    (ROOT / "bench" / "PAGE_WEIGHT.md").write_text(text)
    print(text)


SERVER: Server

if __name__ == "__main__":
    main()
