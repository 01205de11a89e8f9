"""Peer matching: rank experts for an official's challenge and say why (pure functions, no database).

An expert's score is the sum of these parts; each part is shown to people as a reason with its points:

- topics: 10 points per topic of the challenge the expert works on;
- focus area: 3 points when the expert works in the challenge's focus area;
- language: the best language both sides speak, by the expert's level: native or fluent 8, working 5,
  basic 2; no shared language 0 (an exchange will need interpretation);
- working hours: 1 point per hour a week (at most 10) in which the expert's availability windows overlap
  the official's working hours (weekdays, 08:00-18:00 in the official's zone unless the challenge says
  otherwise). Both are laid on one real calendar week, so daylight-saving time is what it is that week;
- load: -2 points per current commitment (upcoming accepted speaking slots, accepted peer requests),
  at most -10.

Experts who share neither a topic nor the focus area with the challenge are not suggested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext, ngettext

from ..common.i18n import format_number, translated
from .vocab import LEVEL_LABELS, language_name

TOPIC_POINTS = 10
FOCUS_AREA_POINTS = 3
LANGUAGE_POINTS = {"native": 8, "fluent": 8, "working": 5, "basic": 2}
MAX_HOURS_POINTS = 10
LOAD_POINTS = -2
MAX_LOAD_PENALTY = -10
WORK_START, WORK_END = 8 * 60, 18 * 60
WEEKDAYS = (0, 1, 2, 3, 4)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Window:
    """A weekly window in some zone: weekday 0 = Monday, minutes after local midnight."""

    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Hours:
    """Someone's working hours: these weekdays, between two local times, in a zone."""

    zone: str
    start_minute: int = WORK_START
    end_minute: int = WORK_END
    weekdays: tuple[int, ...] = WEEKDAYS

    def windows(self) -> list[Window]:
        return [Window(d, self.start_minute, self.end_minute) for d in self.weekdays]


def week_monday(at: datetime, zone: str) -> date:
    """Return the Monday of the week that contains `at` in `zone`."""
    local = at.astimezone(ZoneInfo(zone)).date()
    return local - timedelta(days=local.weekday())


def _utc(day: date, minute: int, tz: ZoneInfo) -> datetime:
    # Wall-clock arithmetic in the zone, then to UTC: 09:00 stays 09:00 local on either side of a DST change.
    return (datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)).astimezone(UTC)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def window_intervals(windows: Iterable[Window], zone: str, first: date, last: date) -> list[Interval]:
    """Lay weekly windows on the real local dates from `first` to `last` (inclusive); return UTC intervals."""
    tz = ZoneInfo(zone)
    by_day: dict[int, list[Window]] = {}
    for w in windows:
        by_day.setdefault(w.weekday, []).append(w)
    found = []
    day = first
    while day <= last:
        for w in by_day.get(day.weekday(), ()):
            start, end = _utc(day, w.start_minute, tz), _utc(day, w.end_minute, tz)
            if end > start:
                found.append((start, end))
        day += timedelta(days=1)
    return _merge(found)


def overlap_minutes(windows: Iterable[Window], zone: str, hours: Hours, *, at: datetime) -> int:
    """Return the minutes in the week of `at` (in the hours' zone) when both sides are available."""
    monday = week_monday(at, hours.zone)
    theirs = window_intervals(hours.windows(), hours.zone, monday, monday + timedelta(days=6))
    # The expert's dates that can touch that week lie within a day or two of it, whatever the two zones.
    mine = window_intervals(windows, zone, monday - timedelta(days=2), monday + timedelta(days=8))
    total = timedelta(0)
    for a_start, a_end in theirs:
        for b_start, b_end in mine:
            latest, earliest = max(a_start, b_start), min(a_end, b_end)
            if earliest > latest:
                total += earliest - latest
    return int(total.total_seconds() // 60)


def windows_in_zone(windows: Iterable[Window], zone: str, target: str, *, at: datetime) -> list[Window]:
    """Return the expert's windows of the week of `at` as the reader in `target` sees them (split at midnight)."""
    monday = week_monday(at, zone)
    tz = ZoneInfo(target)
    shown: set[Window] = set()
    for start, end in window_intervals(windows, zone, monday, monday + timedelta(days=6)):
        local, stop = start.astimezone(tz), end.astimezone(tz)
        while local < stop:
            midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
            piece_end = min(stop, midnight)
            begin = local.hour * 60 + local.minute
            finish = 1440 if piece_end == midnight else piece_end.hour * 60 + piece_end.minute
            if finish > begin:
                shown.add(Window(local.weekday(), begin, finish))
            local = piece_end
    return sorted(shown, key=lambda w: (w.weekday, w.start_minute))


@dataclass(frozen=True)
class Reason:
    """One part of a score: what it is, its points, and the numbers a sentence about it needs."""

    kind: str  # topics, focus_area, language, no_language, hours, no_hours, load, no_load
    points: float
    data: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def text(self) -> str:
        """Say the reason in the reader's language, with its numbers."""
        d = self.data
        if self.kind == "topics":
            return ngettext("%(num)d shared topic: %(names)s", "%(num)d shared topics: %(names)s",
                            d["count"], names=", ".join(translated(name) for name in d["names"]))
        if self.kind == "focus_area":
            return gettext("Works in the focus area %(name)s", name=translated(d["name"]))
        if self.kind == "language":
            return gettext("Speaks %(language)s (%(level)s)", language=language_name(d["code"]),
                           level=LEVEL_LABELS.get(d["level"], d["level"]))
        if self.kind == "no_language":
            return gettext("No language in common: an exchange would need interpretation")
        if self.kind == "hours":
            return gettext("%(hours)s hours a week of shared working hours", hours=_hours(d["minutes"]))
        if self.kind == "no_hours":
            return gettext("No shared working hours in a normal week")
        if self.kind == "load":
            return ngettext("%(num)d current commitment", "%(num)d current commitments", d["count"])
        return gettext("No current commitments")


def _hours(minutes: int) -> str:
    return format_number(minutes / 60)  # "1.5" / "1,5", "2" without a decimal


@dataclass
class ExpertFacts:
    """What matching needs to know about one expert."""

    expert_id: int
    name: str
    zone: str
    topics: dict[int, str]  # topic id -> name
    focus_area_ids: set[int]
    languages: dict[str, str]  # code -> level
    windows: list[Window]
    load: int = 0


@dataclass
class ChallengeFacts:
    """What matching needs to know about a challenge."""

    topic_ids: set[int]
    focus_area_id: int | None
    focus_area_name: str
    languages: list[str]
    hours: Hours


@dataclass
class Suggestion:
    expert_id: int
    score: float
    reasons: list[Reason]
    topic_count: int
    expert: object | None = None  # the ExpertProfile, attached by the service


def score_expert(expert: ExpertFacts, challenge: ChallengeFacts, *, at: datetime) -> Suggestion | None:
    """Score one expert for a challenge with the reasons; None when nothing relevant is shared."""
    shared = sorted(expert.topics[t] for t in challenge.topic_ids & set(expert.topics))
    in_area = challenge.focus_area_id is not None and challenge.focus_area_id in expert.focus_area_ids
    if not shared and not in_area:
        return None
    reasons: list[Reason] = []
    if shared:
        reasons.append(Reason("topics", TOPIC_POINTS * len(shared), {"count": len(shared), "names": shared}))
    if in_area:
        reasons.append(Reason("focus_area", FOCUS_AREA_POINTS, {"name": challenge.focus_area_name}))
    spoken = [(LANGUAGE_POINTS.get(expert.languages[c], 0), c) for c in challenge.languages if c in expert.languages]
    if spoken:
        points, code = max(spoken, key=lambda pair: pair[0])  # first listed wins a tie: the official's order
        reasons.append(Reason("language", points, {"code": code, "level": expert.languages[code]}))
    else:
        reasons.append(Reason("no_language", 0))
    minutes = overlap_minutes(expert.windows, expert.zone, challenge.hours, at=at)
    if minutes:
        reasons.append(Reason("hours", round(min(minutes / 60, MAX_HOURS_POINTS), 1), {"minutes": minutes}))
    else:
        reasons.append(Reason("no_hours", 0))
    if expert.load:
        reasons.append(Reason("load", max(LOAD_POINTS * expert.load, MAX_LOAD_PENALTY), {"count": expert.load}))
    else:
        reasons.append(Reason("no_load", 0))
    return Suggestion(expert.expert_id, round(sum(r.points for r in reasons), 1), reasons, len(shared))


def rank_experts(experts: Iterable[ExpertFacts], challenge: ChallengeFacts, *, at: datetime,
                 limit: int = 10) -> list[Suggestion]:
    """Return the best `limit` suggestions: highest score, then most shared topics, then by name."""
    names = {}
    found = []
    for expert in experts:
        names[expert.expert_id] = expert.name.casefold()
        suggestion = score_expert(expert, challenge, at=at)
        if suggestion is not None:
            found.append(suggestion)
    found.sort(key=lambda s: (-s.score, -s.topic_count, names[s.expert_id], s.expert_id))
    return found[:limit]
