"""CPU per request of the busy pages, one at a time in-process, and where it goes (issue 18).

Logs in through Django's test client (the whole middleware stack) as a case manager of the
organisation owning most cases in a database made by ``opentrm generate_data``, requests each
page a few times to warm up, then measures the Python process's CPU (``time.process_time``:
the number that matters on a shared machine, where wall time mostly measures the neighbours)
and the wall time of each request. ``--profile PAGE`` prints the top functions of that page
under cProfile instead.

    DATABASE_URL=postgres://.../opentrm_20k OPENTRM_HOME=/tmp/home \\
        python bench/profile_pages.py [--runs 30] [--profile /cases/] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import time
from typing import Any

PAGES = [
    "/healthz",
    "/cases/",
    "/cases/?mine=1",
    "/cases/tasks/",
    "case file",
    "/referrals/",
    "/api/v1/cases/",
]


def setup() -> tuple[Any, Any, list[str], str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
    os.environ.setdefault("OPENTRM_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from opentrm.accounts.models import Membership
    from opentrm.accounts.policy import Actor
    from opentrm.accounts.services import api_token_create
    from opentrm.cases.models import Case
    from opentrm.directory.models import Organisation

    owner = Organisation.objects.annotate(n=Count("owned_cases")).order_by("-n").first()
    membership = Membership.objects.filter(organisation=owner, role="case_manager").first()
    assert membership is not None, "run `opentrm generate_data` first"
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(membership.user)
    _token, secret = api_token_create(
        actor=Actor(user=membership.user, membership=membership), name="profile"
    )
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    cases = Case.objects.filter(owner_organisation=owner).order_by("-opened_on")
    ids = [str(public_id) for public_id in cases.values_list("public_id", flat=True)[:40]]
    gc.freeze()  # as `opentrm serve` does after start-up
    return web, api, ids, membership.user.username


def request(web: Any, api: Any, ids: list[str], page: str, n: int) -> Any:
    if page == "case file":
        response = web.get(f"/cases/{ids[n % len(ids)]}/")
    elif page.startswith("/api/"):
        response = api.get(page)
    else:
        response = web.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return response


def queries(web: Any, api: Any, ids: list[str], page: str) -> int:
    """SQL statements per request (the first case file, as ``--dump`` writes it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request(web, api, ids, page, 0)
    return len(captured)


def dump(web: Any, api: Any, ids: list[str], folder: str) -> None:
    """Each page's HTML (or JSON), the CSRF token blanked and whitespace normalised, to diff
    two versions' pages: ``diff -r before/ after/``."""
    import re

    os.makedirs(folder, exist_ok=True)
    for page in PAGES:
        text = request(web, api, ids, page, 0).content.decode()
        text = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', r"\1TOKEN", text)
        text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
        name = page.strip("/").replace("/", "_").replace("?", "_").replace(" ", "_") or "root"
        with open(os.path.join(folder, f"{name}.html"), "w") as out:
            out.write(text + "\n")


def calls(web: Any, api: Any, ids: list[str], page: str, runs: int = 3) -> float:
    """Python function calls per request (cProfile): a figure the neighbours' load does not
    move, to compare two versions on a shared machine."""
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(runs):
        request(web, api, ids, page, n)
    profiler.disable()
    return sum(entry.callcount for entry in profiler.getstats()) / runs


def measure(web: Any, api: Any, ids: list[str], page: str, runs: int) -> tuple[float, float]:
    for n in range(3):
        request(web, api, ids, page, n)
    cpu: list[float] = []
    wall: list[float] = []
    for n in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        request(web, api, ids, page, n)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", choices=PAGES)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--dump", metavar="FOLDER", help="write each page's markup, then stop")
    args = parser.parse_args()
    web, api, ids, _user = setup()
    if args.dump:
        dump(web, api, ids, args.dump)
        return
    if args.profile:
        for n in range(3):
            request(web, api, ids, args.profile, n)
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(args.runs):
            request(web, api, ids, args.profile, n)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)
        return
    print(f"load average before: {os.getloadavg()}")
    print("| page | Python CPU ms | wall ms | CPU vs /healthz | function calls | queries |")
    print("|---|---|---|---|---|---|")
    base = None
    for page in PAGES:
        cpu, wall = measure(web, api, ids, page, args.runs)
        base = base or cpu
        print(
            f"| {page} | {cpu:.1f} | {wall:.1f} | {cpu / base:.1f}x"
            f" | {calls(web, api, ids, page):,.0f} | {queries(web, api, ids, page)} |"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
