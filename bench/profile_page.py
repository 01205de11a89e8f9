"""Profile one page of the page benchmark's data set with cProfile (what `bench/pages.py` found slow, and why).

    python bench/profile_page.py /exchanges/           # the 25 most expensive calls, by cumulative time
    python bench/profile_page.py /agenda --login --top 40
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import clients, make_app, seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="URL path; {exchange_id} and {token} are filled in as in bench/pages.py")
    parser.add_argument("--login", action="store_true", help="as the official registered for 200 exchanges")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    app = make_app(Path(tempfile.mkdtemp(prefix="bench-profile-")) / "instance", None)
    data = seed(app, args.scale)
    anonymous, member = clients(app, data)
    client, url = (member if args.login else anonymous), args.path.format(**data)
    assert client.get(url).status_code == 200
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(url)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
