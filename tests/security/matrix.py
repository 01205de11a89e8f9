"""The authorization matrix's tables: every route and every /live event, with the outcome for each kind of person.

Read by test_authorization_matrix.py (which checks every row) and test_fuzz.py (which sends garbage to each).
Outcomes are explained in test_authorization_matrix.py; people are in the order of ROLES.
"""

from __future__ import annotations

import uuid

ROLES = ("anonymous", "official", "pending_expert", "approved_expert", "organizer", "admin", "other_host",
         "outside_organizer", "co_organizer", "invited_speaker", "accepted_moderator", "disabled")
# organizer: created exchanges A and B (their team); co_organizer: added to both teams; outside_organizer: an
# organizer on neither team; invited_speaker: an expert invited (not yet accepted) as moderator of A's session;
# accepted_moderator: an expert who accepted to moderate it; other_host: an expert hosting B.

P = ("ok",) * 11                               # public
L = ("in",) + ("ok",) * 10                     # any logged-in person
#      anon  official pending approved organizer admin other  outside co    invited accepted
ORG = ("in", "no", "no", "no", "ok", "ok", "no", "ok", "ok", "no", "no")   # program-wide: organizers and admins
TEAM = ("in", "no", "no", "no", "ok", "ok", "no", "no", "ok", "no", "no")  # the exchange's team and admins
SEATED = ("in", "ok", "no", "no", "ok", "ok", "no", "no", "ok", "ok", "ok")  # a seat in A's room (or its link)
RAN = ("in", "no", "no", "no", "ok", "ok", "no", "no", "ok", "no", "ok")   # ran A's session: team, accepted chairs
ANY = ("any",) * 11
NF = ("nf",) * 11

# endpoint, method, url arguments (from the world), outcomes for ROLES[:-1] (disabled = anonymous)
ROUTES: list[tuple[str, str, dict, tuple]] = [
    ("main.home", "GET", {}, P),
    ("main.healthz", "GET", {}, P),
    ("main.set_language", "POST", {}, P),
    ("main.set_zone", "GET", {}, P),
    ("main.set_zone", "POST", {}, P),
    ("static", "GET", {"filename": "css/app.css"}, P),
    ("accounts.login", "GET", {}, P),
    ("accounts.login", "POST", {}, P),
    ("accounts.signup", "GET", {}, P),
    ("accounts.signup", "POST", {}, P),
    ("accounts.request_reset", "GET", {}, P),
    ("accounts.request_reset", "POST", {}, P),
    ("accounts.reset_password", "GET", {"token": "not-a-token"}, ANY),
    ("accounts.reset_password", "POST", {"token": "not-a-token"}, ANY),
    ("accounts.verify_email", "GET", {"token": "not-a-token"}, ANY),
    ("accounts.verify_email", "POST", {"token": "not-a-token"}, ANY),
    ("accounts.resend_verification", "POST", {}, L),
    ("accounts.logout", "POST", {}, P),
    ("accounts.logout_everywhere", "GET", {}, L),
    ("accounts.logout_everywhere", "POST", {}, L),
    ("accounts.profile", "GET", {}, L),
    ("accounts.profile", "POST", {}, L),
    ("accounts.change_email", "POST", {}, L),
    ("accounts.change_password", "POST", {}, L),
    ("accounts.download_data", "GET", {}, L),
    ("accounts.delete_account", "POST", {}, L),
    ("api.exchanges", "GET", {}, P),
    ("api.exchange", "GET", {"exchange_id": "exchange"}, P),
    ("api.openapi", "GET", {}, P),
    ("calendar.personal_feed", "GET", {"token": "not-a-token"}, NF),
    ("calendar.public_feed", "GET", {}, P),
    ("calendar.regenerate_token", "POST", {}, L),
    ("calendar.exchange_calendar", "GET", {"exchange_id": "exchange"}, P),
    ("experts.cities", "GET", {}, P),
    ("experts.city", "GET", {"slug": "city"}, P),
    ("experts.edit_city", "GET", {"slug": "city"}, ORG),
    ("experts.edit_city", "POST", {"slug": "city"}, ORG),
    ("experts.new_city", "GET", {}, ORG),
    ("experts.new_city", "POST", {}, ORG),
    ("experts.directory", "GET", {}, P),
    ("experts.expert", "GET", {"expert_id": "expert"}, P),
    ("experts.photo", "GET", {"expert_id": "expert"}, NF),  # no photo uploaded
    ("experts.apply", "GET", {}, L),
    ("experts.apply", "POST", {}, L),
    ("experts.my_application", "GET", {}, L),
    ("experts.edit_application", "GET", {}, L),
    ("experts.edit_application", "POST", {}, L),
    ("experts.withdraw", "GET", {}, L),
    ("experts.withdraw", "POST", {}, L),
    ("experts.review_queue", "GET", {}, ORG),
    ("experts.review", "GET", {"expert_id": "pending"}, ORG),
    ("experts.review", "POST", {"expert_id": "pending"}, ORG),
    ("experts.official_profile", "GET", {}, L),
    ("experts.official_profile", "POST", {}, L),
    ("experts.requests", "GET", {}, L),
    ("experts.peer_request", "GET", {"request_id": "peer_request"},
     ("in", "ok", "nf", "ok", "ok", "ok", "nf", "ok", "ok", "nf", "nf")),
    ("experts.cancel_request", "GET", {"request_id": "peer_request"},
     ("in", "ok", "nf", "no", "ok", "ok", "nf", "ok", "ok", "nf", "nf")),
    ("experts.cancel_request", "POST", {"request_id": "peer_request"},
     ("in", "ok", "nf", "no", "ok", "ok", "nf", "ok", "ok", "nf", "nf")),
    ("experts.respond", "POST", {"request_id": "peer_request"},
     ("in", "no", "nf", "ok", "no", "no", "nf", "no", "no", "nf", "nf")),
    ("experts.send_request", "POST", {"request_id": "peer_request"},
     ("in", "ok", "nf", "no", "ok", "ok", "nf", "ok", "ok", "nf", "nf")),
    ("experts.new_request", "GET", {}, ("in", "ok", "no", "no", "ok", "ok", "no", "ok", "ok", "no", "no")),
    ("experts.new_request", "POST", {}, ("in", "ok", "no", "no", "ok", "ok", "no", "ok", "ok", "no", "no")),
    ("exchanges.index", "GET", {}, P),
    ("exchanges.my_agenda", "GET", {}, L),
    ("exchanges.detail", "GET", {"exchange_id": "exchange"}, P),
    ("exchanges.agenda", "GET", {"exchange_id": "exchange"}, P),
    ("exchanges.join", "GET", {"exchange_id": "exchange"}, SEATED),
    ("exchanges.register", "POST", {"exchange_id": "exchange"}, L),
    ("exchanges.unregister", "GET", {"exchange_id": "exchange"}, L),
    ("exchanges.unregister", "POST", {"exchange_id": "exchange"}, L),
    ("exchanges.cancel", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.cancel", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.edit", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.edit", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.invitations", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.invitations", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.publish", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.registrations", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.registrations_csv", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.new_question", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.new_question", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.edit_question", "GET", {"exchange_id": "exchange", "question_id": "registration_question"}, TEAM),
    ("exchanges.edit_question", "POST", {"exchange_id": "exchange", "question_id": "registration_question"}, TEAM),
    ("exchanges.remove_question", "GET", {"exchange_id": "exchange", "question_id": "registration_question"}, TEAM),
    ("exchanges.remove_question", "POST", {"exchange_id": "exchange", "question_id": "registration_question"}, TEAM),
    ("exchanges.move_question", "POST", {"exchange_id": "exchange", "question_id": "registration_question",
                                         "direction": "up"}, TEAM),
    ("exchanges.decide_registration", "POST", {"exchange_id": "exchange", "registration_id": "registration",
                                               "decision": "approve"}, TEAM),
    ("exchanges.cancel_session", "GET", {"exchange_id": "exchange", "session_id": "session"}, TEAM),
    ("exchanges.cancel_session", "POST", {"exchange_id": "exchange", "session_id": "session"}, TEAM),
    ("exchanges.edit_session", "GET", {"exchange_id": "exchange", "session_id": "session"}, TEAM),
    ("exchanges.edit_session", "POST", {"exchange_id": "exchange", "session_id": "session"}, TEAM),
    ("exchanges.add_speaker", "POST", {"exchange_id": "exchange", "session_id": "session"}, TEAM),
    ("exchanges.new_session", "GET", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.new_session", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.remove_speaker", "GET", {"exchange_id": "other", "speaker_id": "speaker"}, TEAM),
    ("exchanges.remove_speaker", "POST", {"exchange_id": "other", "speaker_id": "speaker"}, TEAM),
    ("exchanges.add_track", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.add_team_member", "POST", {"exchange_id": "exchange"}, TEAM),
    ("exchanges.remove_team_member", "GET", {"exchange_id": "exchange", "user_id": "team_member"}, TEAM),
    ("exchanges.remove_team_member", "POST", {"exchange_id": "exchange", "user_id": "team_member"}, TEAM),
    ("exchanges.assistant", "GET", {}, ORG),
    ("exchanges.export_program", "GET", {}, ORG),
    ("exchanges.import_program", "GET", {}, ORG),
    ("exchanges.import_program", "POST", {}, ORG),
    ("exchanges.invitation", "GET", {"token": "not-a-token"}, ANY),
    ("exchanges.invitation", "POST", {"token": "not-a-token"}, ANY),
    ("exchanges.speaking", "GET", {"token": "not-a-token"}, ANY),
    ("exchanges.speaking", "POST", {"token": "not-a-token"}, ANY),
    ("exchanges.new", "GET", {}, ORG),
    ("exchanges.new", "POST", {}, ORG),
    ("mail.outbox", "GET", {}, ORG),
    # No such message: organizers and admins get its 404, everyone else is refused before it is looked up.
    ("mail.message", "GET", {"message_id": "no_message"}, ("in", "no", "no", "no", "nf", "nf", "no", "nf", "nf", "no", "no")),
    ("live.index", "GET", {}, L),
    ("live.room", "GET", {"session_id": "session"}, SEATED),
    ("live.close_room", "GET", {"session_id": "session"}, TEAM),  # the room's hosts: the team, admins
    ("live.close_room", "POST", {"session_id": "session"}, TEAM),
    ("live.summary", "GET", {"session_id": "session"}, SEATED),
    ("live.present", "GET", {"session_id": "session"}, RAN),  # the presenter view: the room's moderators
    ("live.answer", "POST", {"session_id": "session", "question_id": "question"},
     ("in", "no", "no", "no", "nf", "nf", "no", "no", "nf", "no", "nf")),
    ("live.export", "GET", {"session_id": "session", "fmt": "json"}, RAN),
    ("reports.index", "GET", {}, ORG),
    ("reports.exchange", "GET", {"exchange_id": "exchange"}, TEAM),
    ("reports.download", "GET", {"key": "questions", "fmt": "csv"}, ORG),
    ("reports.follow_ups", "GET", {}, ORG),
    ("reports.assign", "POST", {"follow_up_id": 999_999}, ("in", "no", "no", "no", "nf", "nf", "no", "nf", "nf", "no", "no")),
    ("reports.my_follow_ups", "GET", {}, L),
    ("reports.answer_follow_up", "GET", {"follow_up_id": 999_999}, ("in",) + ("nf",) * 10),
    ("reports.answer_follow_up", "POST", {"follow_up_id": 999_999}, ("in",) + ("nf",) * 10),
    ("reports.about_you", "GET", {}, L),
    ("reports.about_you", "POST", {}, L),
    ("reports.survey", "GET", {"token": "not-a-token"}, ANY),
    ("reports.survey", "POST", {"token": "not-a-token"}, ANY),
    ("reports.library_index", "GET", {}, P),
    ("reports.note", "GET", {"note_id": 999_999}, NF),
    ("reports.edit_note", "GET", {}, ORG),
    ("reports.edit_note", "POST", {}, ORG),
]


def url_arg(world, value):
    """Return the URL argument a ROUTES row names: an object of the world (its slug or id), or the value itself."""
    if value == "speaker":  # a fresh speaker for each person, so an allowed removal leaves one for the next
        from exchange.accounts.models import User
        from exchange.exchanges.models import SessionSpeaker
        from exchange.extensions import db

        person = User(email=f"speaker-{uuid.uuid4().hex[:8]}@example.org", name="Sam Speaker",
                      role="expert", password_hash="!")
        speaker = SessionSpeaker(user=person, session=world.other.sessions[0],
                                 role="panelist", status="accepted")
        db.session.add(speaker)
        db.session.commit()
        return speaker.id
    if value == "team_member":  # a fresh co-organizer of A for each person, so an allowed removal leaves one
        from exchange.accounts.models import User
        from exchange.exchanges.models import ExchangeTeamMember
        from exchange.extensions import db

        person = User(email=f"team-{uuid.uuid4().hex[:8]}@example.org", name="Tia Team", role="organizer",
                      password_hash="!")
        db.session.add(ExchangeTeamMember(user=person, exchange=world.exchange))
        db.session.commit()
        return person.id
    if value == "registration_question":  # a fresh one for each person, so an allowed removal leaves one
        from exchange.exchanges.models import RegistrationQuestion
        from exchange.extensions import db

        question = RegistrationQuestion(exchange=world.exchange, kind="short_text", label={"en": "Your role"},
                                        choices=[], position=0, required=False)
        db.session.add(question)
        db.session.commit()
        return question.id
    if value in ("question", "no_message"):
        return 999_999  # no question exists: everyone gets the same 404
    obj = getattr(world, value, None) if isinstance(value, str) else None
    if obj is None:
        return value
    return getattr(obj, "slug", None) or obj.id


U, F = "unauthenticated", "forbidden"
#               anon official pending approved organizer admin other outside co   invited accepted
PARTICIPANT = (U, "ok", F, F, "ok", "ok", F, F, "ok", "ok", "ok")  # registered people, speakers (invited too), the team
MODERATOR = (U, F, F, F, "ok", "ok", F, F, "ok", F, "ok")   # accepted hosts/moderators, the team, admins
HOSTING = (U, F, F, F, "ok", "ok", F, F, "ok", F, F)        # open/close: accepted hosts, the team, admins
EVENTS: dict[str, tuple[dict, tuple]] = {
    "join": ({}, PARTICIPANT),
    "leave": ({}, PARTICIPANT),
    "chat.send": ({"body": "Hello", "client_id": "c-1"}, PARTICIPANT),
    "chat.history": ({}, PARTICIPANT),
    "chat.delete": ({"message_id": "message"}, MODERATOR),
    "chat.mute": ({"user_id": "official", "minutes": 5}, MODERATOR),
    "question.ask": ({"body": "How?", "anonymous": True, "client_id": "q-1"}, PARTICIPANT),
    "question.vote": ({"question_id": "question", "value": 1}, PARTICIPANT),
    "question.moderate": ({"question_id": "question", "action": "pin"}, MODERATOR),
    "poll.open": ({"prompt": "Which?", "options": ["A", "B"]}, MODERATOR),
    "poll.vote": ({"poll_id": "poll", "choices": ["option"]}, PARTICIPANT),
    "poll.close": ({"poll_id": "poll"}, MODERATOR),
    "hand.raise": ({"raised": True}, PARTICIPANT),
    "hand.lower": ({"user_id": "host"}, MODERATOR),
    "room.open": ({}, HOSTING),
    "room.close": ({}, HOSTING),
    "*": ({}, ("unknown_event",) * 11),  # any other event name
}
