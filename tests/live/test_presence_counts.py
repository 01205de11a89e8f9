"""The presence count's coalescing state: one object per process, bounded, cleaned, resettable."""

from __future__ import annotations

from exchange.live.services import PresenceCoalescer


def test_an_empty_room_is_forgotten_and_reads_as_zero():
    counts = PresenceCoalescer()
    counts.remember(7, 120)
    assert counts.last(7) == 120
    counts.remember(7, 0)
    assert counts.last(7) == 0 and counts.last(8) == 0
    assert len(counts) == 0  # the map holds no empty room


def test_the_map_keeps_only_the_rooms_counted_last():
    counts = PresenceCoalescer(max_rooms=3)
    for session_id in range(1, 6):
        counts.remember(session_id, 100 + session_id)
    counts.remember(3, 200)  # counted again: kept
    counts.remember(6, 106)
    assert [counts.last(i) for i in range(1, 7)] == [0, 0, 200, 0, 105, 106] and len(counts) == 3


def test_one_coalesced_send_per_room_at_a_time_and_reset_forgets_everything():
    counts = PresenceCoalescer()
    assert counts.claim(1) is True and counts.claim(1) is False and counts.claim(2) is True
    counts.release(1)
    assert counts.claim(1) is True
    counts.remember(1, 60)
    counts.reset()
    assert counts.last(1) == 0 and counts.claim(1) is True and counts.claim(2) is True
