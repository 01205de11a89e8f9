"""Page benchmark: what each page costs with a big database, against a trivial route of the same app.

Seeds (bulk inserts) 10,000 published exchanges with one session each, 5,000 approved peer experts and
50,000 registrations, plus one official registered for 200 exchanges (their agenda and calendar feed).
Then requests every page in turn for a fixed time through the app in this process (Flask's test client:
the app's own cost, no HTTP server in between), next to a trivial route registered on the app here only,
and counts the SQL queries of each page at a tenth of the data and at the full size.

    python bench/pages.py              # full (10,000 exchanges), ~2-3 min
    python bench/pages.py --quick      # 1 s per page
    python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/test_bench   # (drops its tables!)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, table, write_section  # noqa: E402

WORDS = ["water", "transit", "housing", "climate", "budget", "data", "health", "parks", "safety", "energy"]
STATES = ["CA", "TX", "NY", "IL", "WA", "MA", "AZ", "CO", "FL", "GA"]


def make_app(instance: Path, database_url: str | None):
    os.environ.update(EXCHANGE_INSTANCE=str(instance), SECRET_KEY="bench-" + uuid.uuid4().hex,
                      MAIL_BACKGROUND="0", REMINDERS_BACKGROUND="0")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from exchange import create_app

    app = create_app({"RATELIMIT_ENABLED": False})

    @app.route("/_bench/trivial")  # the baseline: the same app, hooks and headers, no work
    def bench_trivial():
        return "ok"

    @app.route("/_bench/layout")  # a second one: the site's layout (base.html) around an empty page
    def bench_layout():
        from flask import render_template

        return render_template("base.html")

    return app


def seed(app, scale: float) -> dict:
    """Bulk-insert the data set at `scale` (1.0: 10,000 exchanges); return what the pages need."""
    from sqlalchemy import insert, select, update

    from exchange.accounts.models import User
    from exchange.accounts.services import open_login
    from exchange.common.time import utcnow
    from exchange.exchanges.models import Exchange, ExchangeSession, Registration, time_bounds_values
    from exchange.experts.models import ExpertProfile
    from exchange.extensions import db

    n_exchanges, n_experts, n_regs = int(10_000 * scale), int(5_000 * scale), int(50_000 * scale)
    n_officials = max(n_regs // 5, 1)
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.monotonic()

        def users(prefix: str, count: int, role: str) -> list[int]:
            db.session.execute(insert(User), [
                {"email": f"{prefix}{i}@bench.test", "name": f"{prefix.title()} {WORDS[i % 10].title()} {i}",
                 "role": role, "password_hash": "!", "timezone": "America/Chicago", "language": "en",
                 "disabled": False, "session_version": 1, "created_at": now} for i in range(count)])
            return list(db.session.scalars(select(User.id).where(User.email.like(f"{prefix}%@bench.test"))
                                           .order_by(User.id)))

        organizer = users("organizer", 1, "organizer")[0]
        experts = users("expert", n_experts, "expert")
        officials = users("official", n_officials, "official")
        heavy = users("heavy", 1, "official")[0]
        db.session.execute(insert(ExpertProfile), [
            {"user_id": uid, "status": "approved", "job_title": f"Director of {WORDS[i % 10]}",
             "city_government": f"City {i % 300}", "state": STATES[i % 10], "department": WORDS[(i + 3) % 10],
             "bio": f"Works on {WORDS[i % 10]} and {WORDS[(i + 5) % 10]} programs.", "links": "",
             "timezone": "America/New_York", "submitted_at": now, "updated_at": now, "decided_at": now}
            for i, uid in enumerate(experts)])
        db.session.execute(insert(Exchange), [
            {"kind": "webinar", "title": f"Exchange {i}: {WORDS[i % 10]} in practice", "description": "A *talk*.",
             "status": "published", "visibility": "public", "timezone": "UTC", "languages": "en",
             "created_by_id": organizer, "created_at": now, "updated_at": now} for i in range(n_exchanges)])
        exchange_ids = list(db.session.scalars(select(Exchange.id).order_by(Exchange.id)))
        db.session.execute(insert(ExchangeSession), [
            {"exchange_id": eid, "title": f"Session of {eid}", "starts_at": now + timedelta(hours=6 + i),
             "ends_at": now + timedelta(hours=7 + i), "timezone": "UTC", "ical_uid": f"{uuid.uuid4()}@bench",
             "updated_at": now} for i, eid in enumerate(exchange_ids)])
        # Bulk inserts skip the ORM's flush hook that keeps an exchange's first start and last end.
        db.session.execute(update(Exchange).values(**time_bounds_values(Exchange.id)))
        regs = [{"exchange_id": exchange_ids[(k * 7919 + j * 31) % n_exchanges], "user_id": uid,
                 "status": "registered", "created_at": now, "updated_at": now}
                for k, uid in enumerate(officials) for j in range(5)][:n_regs]
        regs += [{"exchange_id": eid, "user_id": heavy, "status": "registered", "created_at": now,
                  "updated_at": now} for eid in exchange_ids[:200]]
        db.session.execute(insert(Registration), regs)
        token = uuid.uuid4().hex
        db.session.get(User, heavy).calendar_token = token
        db.session.commit()
        seconds = time.monotonic() - began
        heavy_user = db.session.get(User, heavy)
        open_login(heavy_user, remember=False)  # a recorded login, as the login form leaves one
        return {"seconds": seconds, "exchanges": n_exchanges, "experts": n_experts, "registrations": len(regs),
                "exchange_id": exchange_ids[len(exchange_ids) // 2], "token": token,
                "heavy_id": heavy_user.get_id()}


PAGES = [
    ("trivial route (baseline)", "/_bench/trivial", False),
    ("empty page in the layout", "/_bench/layout", False),
    ("home", "/", False),
    ("exchange list", "/exchanges/", False),
    ("exchange page", "/exchanges/{exchange_id}", False),
    ("directory search", "/experts/?q=water", False),
    ("My agenda (200 sessions)", "/agenda", True),
    ("calendar feed (200 sessions)", "/calendar/{token}.ics", False),
    ("calendar feed, content changed", "/calendar/{token}.ics", False),  # the rendered-file cache emptied first
    ("API list", "/api/v1/exchanges", False),
]


def forget_feeds(page: str) -> None:
    """Empty the calendar's rendered-file cache before a request of the "content changed" row."""
    if page.endswith("content changed"):
        from exchange.calendar import services

        with services._rendered_lock:
            services._rendered.clear()


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


def clients(app, data: dict):
    anonymous = app.test_client()
    member = app.test_client()
    with member.session_transaction() as sess:
        now = int(time.time())
        sess.update({"_user_id": data["heavy_id"], "_fresh": True, "_started": now, "_seen": now})
    return anonymous, member


def count_queries(app, data: dict) -> dict[str, int]:
    from exchange.extensions import db

    with app.app_context():
        counter = QueryCounter(db.engine)
    anonymous, member = clients(app, data)
    counts = {}
    for name, path, login in PAGES:
        url = path.format(**data)
        forget_feeds(name)
        (member if login else anonymous).get(url)  # warm caches
        before = counter.count
        response = (member if login else anonymous).get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = counter.count - before
    return counts


def measure(app, data: dict, seconds: float) -> dict[str, dict]:
    anonymous, member = clients(app, data)
    out = {}
    for name, path, login in PAGES:
        client, url = (member if login else anonymous), path.format(**data)
        client.get(url)
        times: list[float] = []
        began = time.perf_counter()
        while time.perf_counter() - began < seconds or len(times) < 5:
            forget_feeds(name)
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200, (url, response.status_code)
        elapsed = time.perf_counter() - began
        out[name] = {"rps": len(times) / elapsed, "p95": percentile(times, 95) * 1000, "n": len(times),
                     "bytes": len(response.data)}
        print(f"  {name:32} {out[name]['rps']:8.1f} req/s  p95 {out[name]['p95']:7.1f} ms", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="time per page")
    parser.add_argument("--quick", action="store_true", help="1 s per page")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL (its tables are dropped!)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else args.seconds
    header = machine()
    print(header, flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    app = make_app(work / "instance", args.database_url)

    small = seed(app, 0.1)
    print(f"seeded a tenth ({small['exchanges']} exchanges) in {small['seconds']:.1f} s", flush=True)
    small_counts = count_queries(app, small)
    full = seed(app, 1.0)
    print(f"seeded {full['exchanges']:,} exchanges, {full['experts']:,} experts, {full['registrations']:,} "
          f"registrations in {full['seconds']:.1f} s", flush=True)
    full_counts = count_queries(app, full)
    results = measure(app, full, seconds)

    base, layout = results[PAGES[0][0]]["rps"], results[PAGES[1][0]]["rps"]
    baselines = {PAGES[0][0], PAGES[1][0]}
    rows = []
    for name, path, login in PAGES:
        r = results[name]
        ratio = r["rps"] / base
        ok = "–" if name in baselines else ("yes" if ratio >= 0.3 and small_counts[name] == full_counts[name]
                                             else "**no**")
        rows.append([name, f"`{path}`" + (" (logged in)" if login else ""), f"{r['rps']:,.0f}", f"{r['p95']:.1f}",
                     f"{ratio:.2f}", f"{r['rps'] / layout:.2f}", small_counts[name], full_counts[name],
                     f"{r['bytes'] / 1024:.0f}", ok])
    headers = ["page", "URL", "req/s", "p95 ms", "ratio to trivial", "ratio to empty layout", "queries (1/10 data)",
               "queries (full)", "KiB", "target met"]
    text = table(headers, rows)
    print("\n" + text, flush=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    body = ["## Pages (`bench/pages.py`)", "", header, f"load average at end {load}", "",
            f"Command: `python bench/pages.py {' '.join(sys.argv[1:])}`. Database: "
            f"{'PostgreSQL' if args.database_url else 'SQLite'}; seeded {full['exchanges']:,} exchanges (one "
            f"session each), {full['experts']:,} approved experts, {full['registrations']:,} registrations in "
            f"{full['seconds']:.0f} s. Each page requested one after another for {seconds:.0f} s through the "
            "app in-process (Flask test client), the trivial route in the same run. Target: ratio ≥ 0.3 and "
            "the same number of queries at both sizes.", "", text, ""]
    if not args.no_write:
        write_section("pages", "\n".join(body))
        print("written to bench/RESULTS.md", flush=True)


if __name__ == "__main__":
    main()
