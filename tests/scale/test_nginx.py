"""docs/deploy/nginx.conf, run as it is (only ports and paths changed) in front of two server processes.

Installs Debian's nginx when it is missing and the tests run as root (as on CI); otherwise fails with the command.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.scale.helpers import ROOT, RoomClient, free_port, login_cookie

CONFIG = ROOT / "docs" / "deploy" / "nginx.conf"


def _nginx() -> str:
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's nginx for the reverse-proxy test (apt-get) …", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=env)  # noqa: S607
        found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if not found:
        pytest.fail("nginx is missing: install Debian's package with `apt-get install -y nginx`.")
    return found


def render(config: str, *, listen: int, upstreams: list[int], tmp: Path) -> str:
    """The committed config with our ports and a private folder for logs and pid: nothing else changes."""
    servers = "".join(f"        server 127.0.0.1:{port};\n" for port in upstreams)
    config, n = re.subn(r"(?:        server 127\.0\.0\.1:\d+;\n)+", servers, config)
    assert n == 1, "the upstream block moved: update render()"
    replacements = [(r"listen 80;", f"listen 127.0.0.1:{listen};"),
                    (r"pid \S+;", f"pid {tmp}/nginx.pid;"),
                    (r"error_log \S+", f"error_log {tmp}/error.log"),
                    (r"access_log \S+;", f"access_log {tmp}/access.log;")]
    if os.geteuid() != 0:  # the packaged temp folders belong to root
        temp = "".join(f"    {kind}_temp_path {tmp}/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        replacements.append((r"http \{\n", "http {\n" + temp))
    for pattern, value in replacements:
        config, n = re.subn(pattern, value, config, count=1)
        assert n == 1, f"{pattern} not found in docs/deploy/nginx.conf: update render()"
    return config


@pytest.fixture
def nginx(cluster, tmp_path, wait_for):
    binary = _nginx()
    a, b = cluster.start(2, TRUSTED_PROXIES="1")
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(render(CONFIG.read_text(), listen=port, upstreams=[a.port, b.port], tmp=tmp_path))
    proc = subprocess.Popen([binary, "-c", str(conf), "-g", "daemon off;"],  # noqa: S603
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "stderr.log").open("w"))
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert proc.poll() is None, (tmp_path / "stderr.log").read_text()
        try:
            return requests.get(f"{url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_for(answers, timeout=15, what="nginx")
    yield url, (a, b)
    proc.terminate()
    proc.wait(10)


def _upstream_of(servers, marker: str):
    """The server process whose request log shows `marker` (nginx chose it)."""
    chosen = [s for s in servers if marker in s.log.read_text()]
    assert len(chosen) == 1, f"expected one upstream to serve {marker}, got {len(chosen)}"
    return chosen[0]


def test_socket_io_through_the_documented_nginx_across_two_processes(room, nginx, cluster, wait_for):
    url, servers = nginx
    cookie = login_cookie(url, room.official)  # the login form through the proxy (X-Forwarded-* trusted)
    official = RoomClient(url, cookie, room.id, transports=("polling",))  # polling: many requests, one process
    cluster.clients.append(official)
    assert official.sio.transport() == "polling"
    near = _upstream_of(servers, "transport=polling")
    far = next(s for s in servers if s is not near)
    host = cluster.connect(room.host, room.id, far)  # someone on the other process
    panelist = RoomClient(url, login_cookie(url, room.panelist), room.id)  # WebSocket through nginx
    cluster.clients.append(panelist)
    assert panelist.sio.transport() == "websocket"

    said = host.call("chat.send", {"body": "From the other process", "client_id": "h"})
    wait_for(lambda: said["seq"] in official.seqs() and said["seq"] in panelist.seqs(),
             what="the host's message through nginx, on polling and WebSocket")
    asked = official.call("question.ask", {"body": "Polling through nginx?", "anonymous": False, "client_id": "q"})
    assert asked["ok"], asked
    wait_for(lambda: asked["seq"] in host.seqs() and asked["seq"] in panelist.seqs(),
             what="the official's question from behind nginx at the other process")
    assert "polling" in official.sio.transport()  # it never had to leave polling: every request hit one process
    assert "transport=polling" not in far.log.read_text()
