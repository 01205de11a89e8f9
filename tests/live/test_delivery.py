"""The delivery ledger: which room events this process delivered, and what a repair still owes."""

from __future__ import annotations

from exchange.live.delivery import DeliveryLedger, first_delivery, ledger


def test_a_room_nobody_here_follows_is_delivered_untouched():
    book = DeliveryLedger()
    assert book.deliver(1, 5, "live:1:people")
    assert book.deliver(1, 5, "live:1:people")  # not followed: the ledger keeps nothing
    assert book.sessions() == []


def test_a_late_copy_of_a_delivered_event_is_dropped():
    book = DeliveryLedger()
    book.joined(1, "sid-a", last_seq=4)
    assert not book.deliver(1, 4, "live:1:people"), "seq 4 was in the join answer"
    assert book.deliver(1, 5, "live:1:people")
    assert book.deliver(1, 5, "live:1:mods"), "the moderators' copy is another delivery"
    assert not book.deliver(1, 5, "live:1:people")


def test_only_events_stored_a_grace_period_ago_are_due():
    book = DeliveryLedger()
    book.joined(1, "sid-a", last_seq=2)
    assert book.due(1, 2, grace=2.0, now=100.0) == (0, 0)  # nothing stored past the watermark
    assert book.due(1, 6, grace=2.0, now=100.0) == (2, 2)  # seen just now: not yet due
    assert book.due(1, 9, grace=2.0, now=101.0) == (2, 2)
    assert book.due(1, 9, grace=2.0, now=102.0) == (2, 6)
    assert book.due(1, 9, grace=2.0, now=103.5) == (2, 9)


def test_missing_names_the_rooms_never_reached_and_skips_later_joiners_then_settles():
    book = DeliveryLedger()
    book.joined(1, "early", last_seq=2)
    book.joined(1, "late", last_seq=4)
    assert book.deliver(1, 3, "live:1:mods")
    rooms = ["live:1:mods", "live:1:people"]
    assert book.missing(1, 3, rooms) == (["live:1:people"], ["late"])  # "late" had seq 3 in its answer
    assert book.missing(1, 3, rooms) == ([], ["late"]), "a repair is made once"
    assert book.missing(1, 5, rooms) == (rooms, [])
    book.settle(1, 5)
    assert not book.deliver(1, 5, "live:1:people"), "a copy arriving after the repair is a duplicate"
    assert book.deliver(1, 6, "live:1:people")
    book.forget(1)
    assert book.sessions() == []


def test_the_queue_filter_reads_room_events_only():
    ledger.joined(77, "sid", last_seq=10)
    try:
        event = {"event": "room.event", "namespace": "/live", "room": "live:77:people",
                 "data": [{"session_id": 77, "seq": 11}]}
        assert first_delivery(event)
        assert not first_delivery(event)
        assert first_delivery({**event, "event": "presence"})
        assert first_delivery({**event, "data": ["not an object"]})
    finally:
        ledger.forget(77)
