"""Live-room fixtures (the room, live clients and the live server are shared: tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.live.helpers import TcpProxy


@pytest.fixture
def proxy(live_server):
    port = int(live_server.rsplit(":", 1)[1])
    relay = TcpProxy(port)
    yield relay
    relay.close()
