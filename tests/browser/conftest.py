"""Browser tests: a real server in a subprocess, Debian's Chromium driven by Playwright, axe-core.

Never downloads a browser: Chromium comes from Debian (`apt-get install chromium`), which this file
installs when it is missing and the tests run as root (as on CI); otherwise it fails with the command.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


def _ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's chromium for the browser tests (apt-get) …", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's package with `apt-get install -y chromium`.")


def _ensure_axe() -> Path:
    axe = HERE / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: install Node.js and npm to fetch the pinned axe-core.")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    return axe


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real Peer Exchange server (`exchange serve`) on a free port with its own instance folder."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = tmp / "instance"
        self.instance.mkdir()
        self.env = {**os.environ, "EXCHANGE_INSTANCE": str(self.instance), "SECRET_KEY": "browser-tests",
                    "DATABASE_URL": f"sqlite:///{self.instance / 'browser.sqlite'}", "PUBLIC_URL": self.url,
                    "MAIL_SERVER": "", "PYTHONUNBUFFERED": "1",
                    # Short coalescing windows: the journeys wait for their emails in real time.
                    "MAIL_PERSON_WINDOW": "1", "MAIL_ORGANIZER_WINDOW": "1"}
        self.env.pop("REDIS_URL", None)
        self.log = open(tmp / "server.log", "w+")  # noqa: SIM115 - kept open for the server's lifetime
        self.process: subprocess.Popen | None = None

    def exchange(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "exchange.cli", *args], env=self.env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self) -> None:
        self.exchange("demo", "--no-serve")
        self.process = subprocess.Popen([sys.executable, "-m", "exchange.cli", "serve", "--port", str(self.port)],
                                        env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.log.seek(0)
        pytest.fail("the server did not start:\n" + self.log.read()[-3000:])

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def outbox(self) -> list[str]:
        """Return the raw text of every email the server wrote, oldest first."""
        return [p.read_text() for p in sorted((self.instance / "outbox").glob("*.eml"))]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("browser"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    _ensure_chromium()
    from playwright.sync_api import expect, sync_playwright

    # Generous: other test runs share this 2-core machine. expect() retries until then; nothing sleeps.
    expect.set_options(timeout=20_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _ensure_axe().read_text()


class Shots:
    """Screenshots of each journey step, kept in test-artifacts/ (git-ignored)."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.node.name)


@pytest.fixture
def new_page(browser, server, request):
    """Open pages in fresh browser contexts; on failure print what each page showed."""
    contexts = []

    def make(*, viewport=None, **kwargs):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, base_url=server.url, **kwargs)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(contexts, 1):
        for page in context.pages:
            if failed:
                try:
                    failures = ARTIFACTS.parent / "failures"
                    failures.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(failures / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}-{number}.png"))
                    text = page.inner_text("body")[:2000]
                except Exception as exc:  # the page may be gone; say so instead of hiding the failure
                    text = f"(could not read the page: {exc})"
                print(f"\n--- page {page.url} showed:\n{text}\n---")
        context.close()
    if failed:
        # Read through a new handle: seeking the server's own stdout would move where it writes next.
        tail = Path(server.log.name).read_text(errors="replace").splitlines()[-30:]
        print("\n--- the server's log ended with:\n" + "\n".join(tail) + "\n---")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


