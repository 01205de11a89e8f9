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
    book.follow(1, "sid-a", 4)
    assert not book.deliver(1, 4, "live:1:people"), "seq 4 was in the join answer"
    assert book.deliver(1, 5, "live:1:people")
    assert book.deliver(1, 5, "live:1:mods"), "the moderators' copy is another delivery"
    assert not book.deliver(1, 5, "live:1:people")


def test_two_first_joins_in_either_order_keep_the_lower_end():
    # c1 read the log's end (5) before c2 (8) but c2 got here first: events 6-8 must still reach c1.
    book = DeliveryLedger()
    book.follow(1, "c2", 8)
    book.follow(1, "c1", 5)
    assert book.deliver(1, 6, "live:1:people")
    assert book.missing(1, 7, ["live:1:people"]) == (["live:1:people"], ["c2"])  # c2 had 6-8 in its answer


def test_only_events_stored_a_grace_period_ago_are_due():
    book = DeliveryLedger()
    book.follow(1, "sid-a", 2)
    assert book.due(1, 2, grace=2.0, now=100.0) == (0, 0)  # nothing stored past the watermark
    assert book.due(1, 6, grace=2.0, now=100.0) == (2, 2)  # seen just now: not yet due
    assert book.due(1, 9, grace=2.0, now=101.0) == (2, 2)
    assert book.due(1, 9, grace=2.0, now=102.0) == (2, 6)
    assert book.due(1, 9, grace=2.0, now=103.5) == (2, 9)


def test_missing_names_the_rooms_never_reached_and_skips_later_joiners_then_settles():
    book = DeliveryLedger()
    book.follow(1, "early", 2)
    book.follow(1, "late", 3)
    book.joined(1, "late", 4)  # its answer held up to 4
    assert book.deliver(1, 3, "live:1:mods")
    rooms = ["live:1:mods", "live:1:people"]
    assert book.missing(1, 3, rooms) == (["live:1:people"], ["late"])  # "late" had seq 3 in its answer
    assert book.missing(1, 3, rooms) == ([], ["late"]), "a repair is made once"
    assert book.missing(1, 5, rooms) == (rooms, [])
    book.settle(1, 5)
    assert not book.deliver(1, 5, "live:1:people"), "a copy arriving after the repair is a duplicate"
    assert book.deliver(1, 6, "live:1:people")


def test_a_room_is_not_forgotten_while_someone_joins_it():
    book = DeliveryLedger()
    book.follow(1, "a", 2)
    [(session_id, generation)] = book.sessions()
    book.follow(1, "b", 3)  # joined after the repair saw the room empty
    book.forget(session_id, generation)
    assert [s for s, _ in book.sessions()] == [1]
    book.forget(1, book.sessions()[0][1])
    assert book.sessions() == []


def test_the_queue_filter_reads_room_events_only():
    ledger.follow(77, "sid", 10)
    try:
        event = {"event": "room.event", "namespace": "/live", "room": "live:77:people",
                 "data": [{"session_id": 77, "seq": 11}]}
        assert first_delivery(event)
        assert not first_delivery(event)
        assert first_delivery({**event, "event": "presence"})
        assert first_delivery({**event, "data": ["not an object"]})
    finally:
        ledger.forget(77)
