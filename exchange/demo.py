"""The demo program: loaded idempotently by `exchange demo` (safe to run again and again)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .accounts.models import User
from .accounts.services import hash_password
from .common.time import utcnow
from .exchanges.models import (
    Exchange,
    ExchangeSession,
    ExchangeTeamMember,
    Registration,
    SessionSpeaker,
    Track,
)
from .experts.models import (
    AvailabilityWindow,
    City,
    ExpertLanguage,
    ExpertProfile,
    FocusArea,
    OfficialProfile,
    PeerRequest,
    Topic,
)
from .experts.reference import load_reference_data
from .extensions import db

DEMO_PASSWORD = "demo-peer-exchange"

# (role, email, name, time zone, language)
DEMO_PEOPLE = [
    ("admin", "admin@demo.peer-exchange.org", "Ada Admin", "America/New_York", "en"),
    ("organizer", "organizer@demo.peer-exchange.org", "Olivia Organizer", "America/New_York", "en"),
    # On the webinar's team with Olivia, not on the conference's: she sees the conference as anyone does.
    ("organizer", "coorganizer@demo.peer-exchange.org", "Kofi Mensah", "Africa/Accra", "en"),
    ("expert", "chicago.cio@demo.peer-exchange.org", "Marcus Reed", "America/Chicago", "en"),
    ("expert", "la.data@demo.peer-exchange.org", "Elena Vargas", "America/Los_Angeles", "en"),
    ("expert", "boston.engage@demo.peer-exchange.org", "Priya Natarajan", "America/New_York", "en"),
    ("official", "lagos@demo.peer-exchange.org", "Adaeze Okafor", "Africa/Lagos", "en"),
    ("official", "jakarta@demo.peer-exchange.org", "Budi Santoso", "Asia/Jakarta", "en"),
    ("official", "mexico@demo.peer-exchange.org", "Lucía Hernández", "America/Mexico_City", "es"),
    ("official", "saopaulo@demo.peer-exchange.org", "João Silva", "America/Sao_Paulo", "pt"),
    ("official", "mumbai@demo.peer-exchange.org", "Anjali Mehta", "Asia/Kolkata", "en"),
    ("official", "denver.applicant@demo.peer-exchange.org", "Sam Whitfield", "America/Denver", "en"),
]

# email -> (job title, city government, state, department, bio, topics, focus areas, languages, zone)
DEMO_EXPERTS = {
    "chicago.cio@demo.peer-exchange.org": (
        "Chief Information Officer", "City of Chicago", "IL", "Department of Innovation and Technology",
        "Led Chicago's open data portal and predictive food-inspection analytics.",
        ["open-data", "data-analytics", "311-service-monitoring"], ["managing-information"],
        [("en", "native"), ("es", "working")]),
    "la.data@demo.peer-exchange.org": (
        "Chief Data Officer", "City of Los Angeles", "CA", "Information Technology Agency",
        "Built LA's GeoHub and the performance dashboards the mayor reports from.",
        ["data-analytics", "performance-management", "mobile-engagement"], ["managing-information", "culture-of-innovation"],
        [("en", "native"), ("es", "fluent"), ("pt", "basic")]),
    "boston.engage@demo.peer-exchange.org": (
        "Director of Civic Engagement", "City of Boston", "MA", "Office of New Urban Mechanics",
        "Ran youth participatory budgeting and neighborhood co-design programs.",
        ["participatory-budgeting", "inclusive-engagement", "community-planning"], ["citizen-engagement"],
        [("en", "native"), ("fr", "working")]),
}
# email -> (city slug, organization, role title, stakeholder group, languages)
DEMO_OFFICIALS = {
    "lagos@demo.peer-exchange.org": ("lagos", "Lagos State Government", "Director of Innovation", "innovation_staff", "en"),
    "jakarta@demo.peer-exchange.org": ("jakarta", "Jakarta Smart City", "Head of Data", "tech_leaders", "id,en"),
    "mexico@demo.peer-exchange.org": ("mexico-city", "Agencia Digital de Innovación Pública", "Coordinadora", "administrators", "es,en"),
    "saopaulo@demo.peer-exchange.org": ("sao-paulo", "Prefeitura de São Paulo", "Vereador", "political_leaders", "pt"),
    "mumbai@demo.peer-exchange.org": ("mumbai", "Mumbai Citizens' Forum", "Community organizer", "civil_society", "en,hi"),
}


def _ensure_users() -> dict[str, User]:
    users: dict[str, User] = {}
    password_hash = None
    for role, email, name, zone, language in DEMO_PEOPLE:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            # Demo people's addresses count as proven (nobody can receive mail there).
            user = User(email=email, name=name, role=role, timezone=zone, language=language,
                        password_hash=password_hash, email_verified_at=utcnow())
            db.session.add(user)
        users[email] = user
    db.session.flush()
    return users


def _ensure_experts(users: dict[str, User]) -> None:
    topics = {t.slug: t for t in db.session.scalars(select(Topic))}
    areas = {a.slug: a for a in db.session.scalars(select(FocusArea))}
    for email, (title, city, state, department, bio, topic_slugs, area_slugs, languages) in DEMO_EXPERTS.items():
        user = users[email]
        if db.session.scalar(select(ExpertProfile.id).where(ExpertProfile.user_id == user.id)):
            continue
        profile = ExpertProfile(user=user, status="approved", job_title=title, city_government=city, state=state,
                                department=department, bio=bio, timezone=user.timezone, decided_at=utcnow(),
                                topics=[topics[s] for s in topic_slugs], focus_areas=[areas[s] for s in area_slugs])
        profile.languages = [ExpertLanguage(code=code, level=level) for code, level in languages]
        # Weekdays 08:00-17:00 local, plus an early window for calls with Asia.
        profile.availability = [AvailabilityWindow(weekday=d, start_minute=8 * 60, end_minute=17 * 60) for d in range(5)]
        profile.availability += [AvailabilityWindow(weekday=d, start_minute=6 * 60, end_minute=8 * 60) for d in (1, 3)]
        db.session.add(profile)


def _ensure_applicant_and_request(users: dict[str, User]) -> None:
    """A pending application for the review queue, and a peer request waiting for an expert's answer."""
    topics = {t.slug: t for t in db.session.scalars(select(Topic))}
    areas = {a.slug: a for a in db.session.scalars(select(FocusArea))}
    applicant = users["denver.applicant@demo.peer-exchange.org"]
    if not db.session.scalar(select(ExpertProfile.id).where(ExpertProfile.user_id == applicant.id)):
        profile = ExpertProfile(
            user=applicant, status="pending", job_title="Budget Director", city_government="City and County of Denver",
            state="CO", department="Budget and Management Office", timezone="America/Denver",
            bio="Moved Denver's budget to outcome-based targets and publishes them as open data.",
            topics=[topics["budgeting-for-outcomes"], topics["open-data"]],
            focus_areas=[areas["culture-of-innovation"], areas["managing-information"]])
        profile.languages = [ExpertLanguage(code="en", level="native"), ExpertLanguage(code="es", level="working")]
        profile.availability = [AvailabilityWindow(weekday=d, start_minute=7 * 60, end_minute=15 * 60) for d in range(5)]
        db.session.add(profile)
    title = "Making our 311 data useful to residents"
    if not db.session.scalar(select(PeerRequest.id).where(PeerRequest.title == title)):
        official = users["jakarta@demo.peer-exchange.org"]
        expert = db.session.scalar(select(ExpertProfile).where(
            ExpertProfile.user_id == users["chicago.cio@demo.peer-exchange.org"].id))
        db.session.add(PeerRequest(
            official=official, requester=official, expert=expert, status="sent", sent_at=utcnow(), title=title,
            description="Jakarta's Qlue app collects thousands of reports a day. We publish them, but residents "
                        "and journalists rarely use the data. How did Chicago make its 311 data useful?",
            focus_area=areas["managing-information"], topics=[topics["311-service-monitoring"], topics["open-data"]],
            languages="id,en", timezone="Asia/Jakarta", preferred_times="Early mornings Chicago time work best for us."))


def _ensure_officials(users: dict[str, User]) -> None:
    cities = {c.slug: c for c in db.session.scalars(select(City))}
    for email, (city, organization, role_title, group, languages) in DEMO_OFFICIALS.items():
        user = users[email]
        if db.session.scalar(select(OfficialProfile.id).where(OfficialProfile.user_id == user.id)):
            continue
        db.session.add(OfficialProfile(user=user, city=cities[city], organization=organization, role_title=role_title,
                                       stakeholder_group=group, languages=languages))


def _ensure_exchange(external_id: str, **fields) -> tuple[Exchange, bool]:
    exchange = db.session.scalar(select(Exchange).where(Exchange.external_id == external_id))
    if exchange is not None:
        return exchange, False
    exchange = Exchange(external_id=external_id, **fields)
    db.session.add(exchange)
    return exchange, True


def _ensure_team(exchange: Exchange, members: list[User], added_by: User) -> None:
    """Put these organizers on the exchange's team (the creator first); members already there stay as they are."""
    on_team = {m.user_id for m in exchange.team if m.user_id is not None}
    for member in members:
        if member.id not in on_team:
            exchange.team.append(ExchangeTeamMember(user=member, added_by=added_by))


def _ensure_exchanges(users: dict[str, User]) -> None:
    now = utcnow().replace(second=0, microsecond=0)
    organizer = users["organizer@demo.peer-exchange.org"]
    areas = {a.slug: a for a in db.session.scalars(select(FocusArea))}
    topics = {t.slug: t for t in db.session.scalars(select(Topic))}
    cities = {c.slug: c for c in db.session.scalars(select(City))}
    officials = [users[e] for e in DEMO_OFFICIALS]

    webinar, created = _ensure_exchange(
        "demo-webinar-open-data", kind="webinar", status="published", visibility="public",
        title="Open data that residents actually use",
        description="How Chicago and Los Angeles opened their data **and** kept it useful: portals, 311 feeds "
                    "and dashboards, with lessons for Lagos and Jakarta.",
        capacity=200, timezone="America/Chicago", languages="en", interpretation_notes="Live captions in English.",
        video_url="https://meet.jit.si/peer-exchange-demo-open-data", created_by=organizer,
        focus_areas=[areas["managing-information"]], topics=[topics["open-data"], topics["311-service-monitoring"]],
        cities=[cities["lagos"], cities["jakarta"], cities["chicago"]])
    if created:
        # Live now: started 15 minutes ago, room open, so the demo shows a running room.
        session = ExchangeSession(title="Open data that residents actually use", starts_at=now - timedelta(minutes=15),
                                  ends_at=now + timedelta(minutes=75), timezone="America/Chicago", room_status="open")
        session.speakers = [
            SessionSpeaker(user=organizer, role="host", status="accepted"),
            SessionSpeaker(user=users["chicago.cio@demo.peer-exchange.org"], role="panelist", status="accepted"),
            SessionSpeaker(user=users["la.data@demo.peer-exchange.org"], role="moderator", status="accepted"),
        ]
        webinar.sessions.append(session)
        webinar.registrations = [Registration(user=o, status="registered", stakeholder_group="") for o in officials]
    else:
        # Run again later: move the webinar back to "live now" so the demo always has a running room.
        session = webinar.sessions[0]
        if not (session.starts_at <= now < session.ends_at) or session.room_status != "open":
            session.starts_at, session.ends_at = now - timedelta(minutes=15), now + timedelta(minutes=75)
            session.room_status = "open"
            session.ical_sequence += 1
    _ensure_team(webinar, [organizer, users["coorganizer@demo.peer-exchange.org"]], organizer)

    conference, created = _ensure_exchange(
        "demo-conference-engagement", kind="conference", status="published", visibility="public",
        title="Digital conference: deepening citizen engagement",
        description="Two tracks over one day: participatory budgeting, and reaching residents the city rarely hears.",
        capacity=500, timezone="America/New_York", languages="en,es,pt", interpretation_notes="Spanish and Portuguese interpretation.",
        created_by=organizer, focus_areas=[areas["citizen-engagement"]],
        topics=[topics["participatory-budgeting"], topics["inclusive-engagement"]],
        cities=[cities["mexico-city"], cities["sao-paulo"], cities["mumbai"]])
    if created:
        day = (now + timedelta(days=7)).replace(hour=13, minute=0)  # 13:00 UTC = 08:00 New York in winter
        budget = Track(name="Participatory budgeting", position=0)
        voices = Track(name="Unheard voices", position=1)
        conference.tracks = [budget, voices]
        boston = users["boston.engage@demo.peer-exchange.org"]
        conference.sessions = [
            ExchangeSession(title="Opening plenary", starts_at=day, ends_at=day + timedelta(hours=1),
                            timezone="America/New_York",
                            speakers=[SessionSpeaker(user=organizer, role="host", status="accepted")]),
            ExchangeSession(title="Youth participatory budgeting in Boston", track=budget,
                            starts_at=day + timedelta(hours=1, minutes=15), ends_at=day + timedelta(hours=2, minutes=15),
                            timezone="America/New_York",
                            speakers=[SessionSpeaker(user=boston, role="panelist", status="accepted"),
                                      SessionSpeaker(user=organizer, role="host", status="accepted")]),
            ExchangeSession(title="Reaching informal settlements", track=voices, premoderate_questions=True,
                            starts_at=day + timedelta(hours=1, minutes=15), ends_at=day + timedelta(hours=2, minutes=15),
                            timezone="America/New_York",
                            speakers=[SessionSpeaker(user=users["la.data@demo.peer-exchange.org"], role="panelist", status="accepted"),
                                      SessionSpeaker(user=organizer, role="moderator", status="accepted")]),
        ]
        conference.registrations = [Registration(user=o, status="registered") for o in officials[2:]]
    _ensure_team(conference, [organizer], organizer)  # Olivia alone: Kofi is not on this one


def _ensure_live_room(users: dict[str, User]) -> None:
    """Give the live webinar room some chat, questions and a poll (fixed client ids: repeats change nothing)."""
    from .live import services as live

    webinar = db.session.scalar(select(Exchange).where(Exchange.external_id == "demo-webinar-open-data"))
    session_id = webinar.sessions[0].id
    host, expert = users["organizer@demo.peer-exchange.org"], users["chicago.cio@demo.peer-exchange.org"]
    lagos, jakarta = users["lagos@demo.peer-exchange.org"], users["jakarta@demo.peer-exchange.org"]
    mumbai, moderator = users["mumbai@demo.peer-exchange.org"], users["la.data@demo.peer-exchange.org"]
    db.session.commit()  # the live services read the room as committed
    live.send_chat(session_id, actor=host, body="Welcome! Questions go in the Q&A panel; vote for the ones you want answered.",
                   client_id="demo-chat-1")
    live.send_chat(session_id, actor=lagos, body="Good evening from Lagos!", client_id="demo-chat-2")
    live.send_chat(session_id, actor=jakarta, body="Selamat pagi from Jakarta — it is early here.", client_id="demo-chat-3")
    funded = live.ask_question(session_id, actor=lagos, anonymous=True, client_id="demo-q-1",
                               body="Candidly: how did you convince the council to publish data it found embarrassing?")
    first = live.ask_question(session_id, actor=jakarta, anonymous=False, client_id="demo-q-2",
                              body="Which datasets did residents use first?")
    votes = [(funded, voter) for voter in (jakarta, mumbai, expert)] + [(first, mumbai)]
    for asked, voter in votes:
        if asked["question"]["status"] in ("visible", "answered"):  # a moderator may have dismissed it since
            live.vote_question(session_id, actor=voter, question_id=asked["question"]["id"], value=1)
    if first["question"]["status"] != "answered":
        live.moderate_question(session_id, actor=moderator, question_id=first["question"]["id"], action="answer",
                               answer="311 service requests and restaurant inspections, within weeks.")
    poll = live.open_poll(session_id, actor=host, client_id="demo-poll-1",
                          prompt="Does your city publish open data today?",
                          options=["Yes, on a portal", "Some, on request", "Not yet"])["poll"]
    if poll["status"] == "open":
        for voter, choice in ((lagos, 1), (jakarta, 0), (mumbai, 2)):
            live.vote_poll(session_id, actor=voter, poll_id=poll["id"], choices=[poll["options"][choice]["id"]])


def _ensure_outcome_note(users: dict[str, User]) -> None:
    """Publish one outcome note for the demo webinar (found by title: a second run changes nothing)."""
    from .reports.models import OutcomeMedia, OutcomeNote

    title = "Open data that residents actually use: what travels"
    if db.session.scalar(select(OutcomeNote.id).where(OutcomeNote.title == title)) is not None:
        return
    webinar = db.session.scalar(select(Exchange).where(Exchange.external_id == "demo-webinar-open-data"))
    experts = list(db.session.scalars(select(ExpertProfile).where(ExpertProfile.status == "approved").limit(2)))
    db.session.add(OutcomeNote(
        exchange=webinar, title=title, status="published", published_at=utcnow(),
        created_by_id=users["organizer@demo.peer-exchange.org"].id,
        challenge="Lagos and Jakarta publish datasets that **few residents use**; staff doubt the effort pays off.",
        practice="Chicago publishes 311 service requests daily and builds dashboards *with* community groups.",
        lessons="- Start with one dataset residents already ask about.\n- Publish on a schedule, even when imperfect.\n"
                "- Measure use, not the number of datasets.",
        next_steps="A follow-up clinic on 311 feeds; Jakarta pilots a monthly budget release.",
        focus_areas=list(webinar.focus_areas), topics=list(webinar.topics), cities=list(webinar.cities),
        experts=experts,
        media=[OutcomeMedia(position=0, kind="recording", url="https://meet.jit.si/peer-exchange-demo-open-data",
                            label="Session room (recording to follow)"),
               OutcomeMedia(position=1, kind="data", url="https://data.cityofchicago.org/",
                            label="Chicago open data portal")]))


def load_demo() -> list[tuple[str, str]]:
    """Create or refresh the demo program; return (role, email) of the demo logins."""
    load_reference_data()
    users = _ensure_users()
    _ensure_experts(users)
    _ensure_officials(users)
    db.session.flush()
    _ensure_applicant_and_request(users)
    _ensure_exchanges(users)
    _ensure_live_room(users)
    _ensure_outcome_note(users)
    db.session.commit()
    return [(role, email) for role, email, *_ in DEMO_PEOPLE]
