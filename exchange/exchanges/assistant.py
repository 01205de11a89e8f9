"""The scheduling assistant: propose start times that respect everyone's working hours.

Each participant has weekly working windows in their own zone: an expert's stated availability, else
08:00–18:00 Monday to Friday. A candidate slot is scored per participant by its *distance*: how many
minutes the slot would have to move to fit inside the nearest window (0 = inside). Slots rank by how many
people are inside, then by the worst-off person's distance, then by the total, then by time.
For a weekly series, the weeks' slots are chosen together so that the out-of-hours burden is shared fairly:
the city carrying the most minutes outside its hours across the series carries as few as possible
(`plan_series`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..common.errors import Invalid
from ..common.i18n import current_locale, translated
from ..common.time import check_year, get_zone, is_zone, zone_city
from ..experts.models import City, ExpertProfile, OfficialProfile
from ..extensions import db

WEEK = 7 * 24 * 60
WORK_START, WORK_END = 8 * 60, 18 * 60
MAX_DAYS = 31
MAX_GRID_DAYS = 14
MAX_OCCURRENCES = 12
STEP_MINUTES = 30


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 = Monday, in the participant's zone
    start: int  # minutes after local midnight
    end: int


DEFAULT_WINDOWS = tuple(Window(day, WORK_START, WORK_END) for day in range(5))


@dataclass(frozen=True)
class Participant:
    label: str
    zone: str
    group: str  # the city whose burden is shared fairly in a series
    windows: tuple[Window, ...] = DEFAULT_WINDOWS


def distance(participant: Participant, start: datetime, end: datetime) -> int:
    """Return how many minutes the slot must move to fall inside one of the participant's windows (0: inside)."""
    tz = ZoneInfo(participant.zone)  # checked when the participant was built; ZoneInfo caches instances
    local_start = start.astimezone(tz)
    local_end = end.astimezone(tz)
    s = local_start.weekday() * 1440 + local_start.hour * 60 + local_start.minute
    e = s + int((local_end.replace(tzinfo=None) - local_start.replace(tzinfo=None)).total_seconds() // 60)
    best = WEEK
    for window in participant.windows:
        ws = window.weekday * 1440 + window.start
        we = window.weekday * 1440 + window.end
        for shift in (-WEEK, 0, WEEK):  # the week wraps: Sunday night is next to Monday morning
            best = min(best, max(0, ws + shift - s) + max(0, e - (we + shift)))
    return best


@dataclass
class Score:
    participant: Participant
    distance: int
    local_start: datetime

    @property
    def inside(self) -> bool:
        return self.distance == 0


@dataclass
class Proposal:
    start: datetime  # UTC
    end: datetime
    scores: list[Score]

    @property
    def inside(self) -> int:
        return sum(1 for s in self.scores if s.inside)

    @property
    def worst(self) -> int:
        return max((s.distance for s in self.scores), default=0)

    @property
    def total(self) -> int:
        return sum(s.distance for s in self.scores)

    def group_burden(self) -> dict[str, int]:
        burden: dict[str, int] = defaultdict(int)
        for s in self.scores:
            burden[s.participant.group] = max(burden[s.participant.group], s.distance)
        return dict(burden)

    def rank_key(self) -> tuple:
        return (-self.inside, self.worst, self.total, self.start)


def score_slot(participants: list[Participant], start: datetime, minutes: int) -> Proposal:
    end = start + timedelta(minutes=minutes)
    return Proposal(start, end, [Score(p, distance(p, start, end), start.astimezone(ZoneInfo(p.zone)))
                                 for p in participants])


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=get_zone(zone)).astimezone(UTC)


def candidates(participants: list[Participant], *, first_day: date, last_day: date, zone: str, minutes: int,
               step: int = STEP_MINUTES) -> list[Proposal]:
    """Score every slot starting from `first_day` 00:00 to the end of `last_day` in `zone`, every `step` minutes."""
    moment = _midnight(first_day, zone)
    stop = _midnight(last_day + timedelta(days=1), zone)
    found = []
    while moment < stop:
        found.append(score_slot(participants, moment, minutes))
        moment += timedelta(minutes=step)
    return found


def rank(proposals: list[Proposal]) -> list[Proposal]:
    """Order slots: most people inside their hours, then the smallest worst distance, total, earliest."""
    return sorted(proposals, key=Proposal.rank_key)


@dataclass
class SeriesPick:
    proposal: Proposal
    burden_after: dict[str, int]  # each city's running minutes outside hours, after this occurrence


NIGHT_END, NIGHT_START = 6 * 60, 23 * 60  # a series asks nobody to be there between 23:00 and 06:00 local
SERIES_STATES = 2000  # running totals kept per week while planning a series (the best by worst-off, then total)


def _at_night(participant: Participant, start: datetime, end: datetime) -> bool:
    """Tell whether any part of the slot falls between 23:00 and 06:00 for the participant."""
    tz = ZoneInfo(participant.zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_end.date() != local_start.date() and (local_end.hour or local_end.minute):
        return True  # it runs past midnight
    first = local_start.hour * 60 + local_start.minute
    last = first + int((end - start).total_seconds() // 60)
    return first < NIGHT_END or last > NIGHT_START


def _options(participants: list[Participant], groups: list[str], *, first_day: date, last_day: date, zone: str,
             minutes: int) -> dict[tuple[int, ...], Proposal]:
    """One week's choices, one per burden vector (minutes outside hours per city), and only the vectors no other
    vector beats for every city: the best slot for each (most people inside, least in all, earliest). Only slots
    that ask nobody to be there at night (23:00–06:00 their time), when the week has one."""
    found = candidates(participants, first_day=first_day, last_day=last_day, zone=zone, minutes=minutes)
    awake = [p for p in found if not any(_at_night(x, p.start, p.end) for x in participants)]
    best: dict[tuple[int, ...], Proposal] = {}
    for proposal in awake or found:
        burden = proposal.group_burden()
        vector = tuple(burden.get(g, 0) for g in groups)
        current = best.get(vector)
        if current is None or (-proposal.inside, proposal.total, proposal.start) < (
                -current.inside, current.total, current.start):
            best[vector] = proposal
    return {v: p for v, p in best.items()
            if not any(o != v and all(a <= b for a, b in zip(o, v, strict=True)) for o in best)}


def _unfairness(totals: tuple[int, ...]) -> tuple[int, ...]:
    """How unfairly running totals (minutes outside hours per city) share the burden: smaller is fairer."""
    return (max(totals, default=0), sum(totals))


def plan_series(participants: list[Participant], *, first_day: date, last_day: date, zone: str, minutes: int,
                occurrences: int) -> list[SeriesPick]:
    """Pick one slot a week for `occurrences` weeks so that the inconvenience is shared fairly across cities.

    The rule: nobody is asked to be there at night (23:00–06:00 their time) while another slot that week spares
    everyone the night; among those slots, across the series, the city that carries the most minutes outside its
    working hours carries as few as any choice of weekly slots allows (min-max); then the fewest minutes outside
    hours in all; then the burden
    spread evenly over the weeks (nobody stays up twice in a row when another order is as fair); then the most
    people inside their hours; then the earliest slots. Each week is scored on its own dates, so a DST change
    inside the series moves the local times it should.

    Exact over the weeks (dynamic programming over the running totals, keeping only totals no other beats for
    every city), bounded to `SERIES_STATES` totals per week.
    """
    groups = list(dict.fromkeys(p.group for p in participants))
    # running totals per city -> (spread so far, -people inside so far, starts, the picks)
    states: dict[tuple[int, ...], tuple[int, int, tuple[datetime, ...], tuple[Proposal, ...]]] = {
        tuple(0 for _ in groups): (0, 0, (), ())}
    for week in range(occurrences):
        shift = timedelta(weeks=week)
        options = _options(participants, groups, first_day=first_day + shift, last_day=last_day + shift, zone=zone,
                           minutes=minutes)
        following: dict[tuple[int, ...], tuple[int, int, tuple[datetime, ...], tuple[Proposal, ...]]] = {}
        for totals, (spread, outside, starts, picks) in states.items():
            for vector, proposal in options.items():
                after = tuple(t + v for t, v in zip(totals, vector, strict=True))
                path = (spread + max(after, default=0), outside - proposal.inside, (*starts, proposal.start),
                        (*picks, proposal))
                if after not in following or path[:3] < following[after][:3]:
                    following[after] = path
        kept = sorted(following, key=lambda t: (_unfairness(t), following[t][:3]))
        frontier: list[tuple[int, ...]] = []
        for totals in kept:  # leave out totals that another beats for every city (they cannot end fairer)
            if not any(all(a <= b for a, b in zip(o, totals, strict=True)) for o in frontier):
                frontier.append(totals)
            if len(frontier) >= SERIES_STATES:
                break
        states = {t: following[t] for t in frontier}
    final = min(states, key=lambda t: (_unfairness(t), states[t][:3]))
    running: dict[str, int] = dict.fromkeys(groups, 0)
    result = []
    for proposal in states[final][3]:
        for group, minutes_out in proposal.group_burden().items():
            running[group] += minutes_out
        result.append(SeriesPick(proposal, dict(running)))
    return result


def series_burden(picks: list[SeriesPick]) -> list[tuple[str, int, int]]:
    """Return (city, minutes outside working hours across the series, weeks affected), heaviest first."""
    if not picks:
        return []
    weeks: dict[str, int] = defaultdict(int)
    for pick in picks:
        for group, minutes_out in pick.proposal.group_burden().items():
            weeks[group] += 1 if minutes_out else 0
    totals = picks[-1].burden_after
    return sorted(((g, m, weeks[g]) for g, m in totals.items()), key=lambda row: (-row[1], row[0]))


@dataclass
class GridCell:
    start: datetime | None  # UTC; None where the hour does not exist that day (spring-forward)
    inside: int = 0
    worst: int = 0
    top: bool = False


@dataclass
class Plan:
    participants: list[Participant]
    zone: str
    minutes: int
    proposals: list[Proposal]  # best first
    days: list[date] = field(default_factory=list)
    grid: list[tuple[int, list[GridCell]]] = field(default_factory=list)  # (hour, one cell per day)
    series: list[SeriesPick] = field(default_factory=list)


def build_grid(ranked: list[Proposal], *, days: list[date], zone: str, top: int) -> list[tuple[int, list[GridCell]]]:
    """Return rows of hours by columns of days (in `zone`) for the slots starting on the hour."""
    tz = get_zone(zone)
    best = {p.start for p in ranked[:top]}
    by_local: dict[tuple[date, int], Proposal] = {}
    for proposal in ranked:
        local = proposal.start.astimezone(tz)
        if local.minute == 0:
            key = (local.date(), local.hour)
            current = by_local.get(key)
            if current is None or proposal.start < current.start:  # a repeated hour shows its first instance
                by_local[key] = proposal
    rows = []
    for hour in range(24):
        cells = []
        for day in days:
            proposal = by_local.get((day, hour))
            if proposal is None:
                cells.append(GridCell(None))
            else:
                cells.append(GridCell(proposal.start, proposal.inside, proposal.worst, proposal.start in best))
        rows.append((hour, cells))
    return rows


# -- participants from the database -----------------------------------------------------------------

def participant_for_user(user: User) -> Participant:
    """An expert with stated availability uses it; everyone else works 08:00–18:00, Monday to Friday, locally."""
    expert = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    official = db.session.scalar(select(OfficialProfile).where(OfficialProfile.user_id == user.id))
    zone = user.timezone or "UTC"
    windows = DEFAULT_WINDOWS
    if expert is not None and expert.availability:
        zone = expert.timezone or zone
        windows = tuple(Window(w.weekday, w.start_minute, w.end_minute) for w in expert.availability)
    # A group is a city in the reader's language: the official's city, or the zone's city as CLDR names it.
    group = translated(official.city.name) if official is not None and official.city is not None else zone_city(
        zone, current_locale())
    return Participant(label=user.name, zone=zone, group=group, windows=windows)


def participant_for_city(city: City) -> Participant:
    name = translated(city.name)  # "Ciudad de México" beside "Nueva York" on a Spanish page
    return Participant(label=name, zone=city.timezone, group=name)


def people_choices() -> list[User]:
    """Return the people the assistant can plan for: active experts, officials and organizers."""
    return list(db.session.scalars(select(User).where(User.disabled.is_(False),
                                                      User.role.in_(("expert", "official", "organizer")))
                                   .order_by(User.name).limit(1000)))


def make_plan(*, user_ids: list[int], city_ids: list[int], minutes: int, first_day: date, last_day: date,
              zone: str, occurrences: int = 1, top: int = 10) -> Plan:
    """Build the assistant's answer: ranked proposals, the hours-by-days grid and, for a series, the rotation."""
    if not is_zone(zone):
        raise Invalid(_l("Choose a time zone to show the times in."), field="zone")
    if not 15 <= minutes <= 8 * 60:
        raise Invalid(_l("The duration must be between 15 minutes and 8 hours."), field="duration")
    check_year(first_day, field="date_from")
    check_year(last_day, field="date_to")
    if last_day < first_day:
        raise Invalid(_l("The last day must not be before the first day."), field="date_to")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise Invalid(_l("Look at most %(n)d days at a time.", n=MAX_DAYS), field="date_to")
    if not 1 <= occurrences <= MAX_OCCURRENCES:
        raise Invalid(_l("A series can have from 1 to %(n)d weekly sessions.", n=MAX_OCCURRENCES), field="occurrences")
    if occurrences > 1 and (last_day - first_day).days >= 7:
        raise Invalid(_l("For a weekly series, give the days of the first week only (at most 7 days)."),
                      field="date_to")
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids or [0])).order_by(User.name)))
    cities = list(db.session.scalars(select(City).where(City.id.in_(city_ids or [0])).order_by(City.name)))
    participants = [participant_for_user(u) for u in users] + [participant_for_city(c) for c in cities]
    if not participants:
        raise Invalid(_l("Choose at least one person or city."), field="people")
    ranked = rank(candidates(participants, first_day=first_day, last_day=last_day, zone=zone, minutes=minutes))
    days = [first_day + timedelta(days=n) for n in range(min((last_day - first_day).days + 1, MAX_GRID_DAYS))]
    plan = Plan(participants, zone, minutes, ranked[:top], days, build_grid(ranked, days=days, zone=zone, top=top))
    if occurrences > 1:
        plan.series = plan_series(participants, first_day=first_day, last_day=last_day, zone=zone, minutes=minutes,
                                  occurrences=occurrences)
    return plan
