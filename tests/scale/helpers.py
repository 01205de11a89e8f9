"""Helpers for the multi-process tests: server processes, a private redis-server, the cluster of both."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
import requests

from tests.live.helpers import RoomClient, TcpProxy, login_cookie, wait_for

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

NS = "/live"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """One `exchange serve` process (threading mode) on its own port."""

    def __init__(self, env: dict, log_dir: Path, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        command = [sys.executable, "-c", "from exchange.cli import main; main()", "serve",
                   "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,  # noqa: S603
                                         stderr=subprocess.STDOUT)
        return self

    def wait_ready(self) -> None:
        def answers() -> bool:
            assert self.proc.poll() is None, f"server exited early:\n{self.log.read_text()[-3000:]}"
            try:
                return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(answers, timeout=30, what=f"the server on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # nothing to flush: the database holds everything
            self.proc.wait(10)


class Cluster:
    """N server processes sharing one database, one Redis and one Socket.IO channel; clients on them."""

    def __init__(self, app, tmp: Path, redis: str):
        self.channel = f"exchange-test-{uuid.uuid4().hex}"
        self.redis_url = redis
        self.tmp = tmp
        self.app = app
        self.servers: list[ServerProcess] = []
        self.clients: list[RoomClient] = []
        self.routers: list[TcpProxy] = []
        self._cookies: dict[int, str] = {}

    def env(self, redis_url: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))}
        env.update({
            "DATABASE_URL": self.app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url,
            "SOCKETIO_CHANNEL": self.channel,
            "RATELIMIT_KEY_PREFIX": self.channel,  # fresh rate-limit counters, nobody else's touched
            "SOCKETIO_ASYNC_MODE": "threading",
            "SECRET_KEY": self.app.config["SECRET_KEY"],  # one key: a login cookie is good on every process
            "EXCHANGE_INSTANCE": str(self.tmp / "instance"),
            "MAIL_BACKGROUND": "0",
            "REMINDERS_BACKGROUND": "0",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def start(self, count: int = 2, *, redis_url: str | None = None, **extra_env: str) -> list[ServerProcess]:
        env = {**self.env(redis_url or self.redis_url), **extra_env}
        new = [ServerProcess(env, self.tmp, f"server{len(self.servers) + n}").start() for n in range(count)]
        for server in new:
            server.wait_ready()
        self.servers += new
        return new

    def cookie(self, user) -> str:
        if user.id not in self._cookies:
            self._cookies[user.id] = login_cookie(self.servers[0].url, user)
        return self._cookies[user.id]

    def router(self, server: ServerProcess) -> TcpProxy:
        """A TCP relay in front of `server`; point `target_port` elsewhere as a proxy reroutes after a crash."""
        relay = TcpProxy(server.port)
        self.routers.append(relay)
        return relay

    def connect(self, user, session_id: int, server: ServerProcess | TcpProxy, transports=("websocket",)):
        client = RoomClient(server.url, self.cookie(user), session_id, transports)
        self.clients.append(client)
        return client

    def numsub(self, url: str | None = None) -> int:
        client = redis.Redis.from_url(url or self.redis_url, socket_connect_timeout=1)
        try:
            return dict(client.pubsub_numsub(self.channel)).get(self.channel.encode(), 0)
        finally:
            client.close()

    def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):  # a client of a dead server may already be gone
                client.close()
        for server in self.servers:
            server.stop()
        for relay in self.routers:
            relay.close()


class RedisServer:
    """A private redis-server of our own on a free port, which a test may kill and restart."""

    def __init__(self, tmp: Path):
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is missing: install Debian's package with `apt-get install -y redis-server`.")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = tmp / f"redis-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",  # noqa: S607
                                          "--save", "", "--appendonly", "no", "--daemonize", "no"],
                                         stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(up, timeout=10, what="our redis-server")
        client.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
