"""Load test against a running ``opentrm serve`` (issue 18): per endpoint throughput, p50,
p95, p99 and errors, and each endpoint's share of the ``/healthz`` ceiling measured in the same
run with the same number of users.

A small threaded HTTP client (no dependency beyond Django, whose settings it loads to make the
users' sessions and API tokens in the node's own database -- point ``DATABASE_URL`` and
``OPENTRM_HOME`` at the node's). Each phase runs ``--users`` concurrent users for
``--seconds``, one keep-alive connection each:

1. ``/healthz`` alone: the ceiling (the whole middleware stack, no session, no query);
2. each page alone, as the member of the organisation owning most cases (``generate_data``);
3. the mix: caseworkers (70 % reads: case list, my cases, a case file, my tasks, referrals),
   15 % search (the case list's filtered GET), 15 % API list; writes are left to
   ``bench_cases.py`` (registration needs a form round trip).

``--logins R`` instead runs a log-in storm: R log-ins a second (the log-in form, then its POST
with a password, each as a new browser) for ``--seconds``, while ``--users`` members read the
list pages; ``--steady R --writes F`` runs an open-loop mix of R requests a second, a share F of
them case registrations through the API (the SQLite default's 10-minute run):

    python bench/load/run_load.py --base ... --logins 20 --users 4 --seconds 60
    python bench/load/run_load.py --base ... --steady 30 --writes 0.1 --seconds 600

    OPENTRM_HOME=... DATABASE_URL=... python bench/load/run_load.py --base http://127.0.0.1:8000

The load generator runs on the same machine as the node: it takes CPU from it, so figures are
ratios to the ceiling of the same run, and the load average is printed with them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from urllib.parse import urlsplit

Pick = Callable[[random.Random], tuple[str, dict[str, str]]]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def row(self, name: str, ceiling: float | None) -> str:
        done = len(self.latencies)
        rate = done / self.seconds if self.seconds else 0.0
        if not done:
            return f"| {name} | 0 | - | - | - | {self.errors} | - |"
        ordered = sorted(self.latencies)

        def pct(q: float) -> float:
            return ordered[min(int(q * done), done - 1)] * 1000

        share = f"{100 * rate / ceiling:.0f} %" if ceiling else "100 %"
        return (
            f"| {name} | {rate:.1f} | {statistics.median(ordered) * 1000:.0f} | {pct(0.95):.0f}"
            f" | {pct(0.99):.0f} | {self.errors} | {share} |"
        )


@dataclass(frozen=True)
class Who:
    cookie: str
    token: str
    case_ids: list[str]
    logins: list[str]  # user names whose password is PASSWORD


PASSWORD = "load-test-Password-2026"  # set on generated (fictional) members only


def prepare() -> Who:
    """Sessions and a token for the case manager of the organisation owning most cases."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
    import django

    django.setup()
    from django.conf import settings
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
    client = Client()
    client.force_login(membership.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    _token, secret = api_token_create(
        actor=Actor(user=membership.user, membership=membership), name="load test"
    )
    cases = Case.objects.filter(owner_organisation=owner).order_by("-opened_on")
    ids = [str(public_id) for public_id in cases.values_list("public_id", flat=True)[:200]]
    logins = []
    for other in Membership.objects.filter(user__username__startswith="gen.")[:20]:
        other.user.set_password(PASSWORD)
        other.user.save(update_fields=["password"])
        logins.append(other.user.username)
    return Who(cookie=cookie, token=secret, case_ids=ids, logins=logins)


def run_phase(
    base: str,
    users: int,
    seconds: float,
    pick: Callable[[random.Random], tuple[str, dict[str, str]]],
) -> dict[str, Result]:
    """``users`` threads requesting what ``pick`` chooses for ``seconds``; results by label."""
    parts = urlsplit(base)
    host = parts.hostname or "127.0.0.1"
    results: dict[str, Result] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(n: int) -> None:
        rng = random.Random(n)
        connection = http.client.HTTPConnection(host, parts.port, timeout=30)
        mine: dict[str, Result] = {}
        while time.monotonic() < stop:
            path, headers = pick(rng)
            label = headers.pop("X-Label", path)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host, parts.port, timeout=30)
            result = mine.setdefault(label, Result())
            if ok:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1
        with lock:
            for label, result in mine.items():
                total = results.setdefault(label, Result())
                total.latencies += result.latencies
                total.errors += result.errors

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results.values():
        result.seconds = time.monotonic() - began
    return results


def log_in(base: str, username: str) -> bool:
    """A new browser logs in: the form (its CSRF cookie and token), then the POST."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/account/login/", timeout=30) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token is not None
    form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(f"{base}/account/login/", data=data)  # noqa: S310 - http(s)
    with opener.open(request, timeout=30) as answer:
        answer.read()
        return "/account/login/" not in answer.geturl()


def open_loop(
    rate: float,
    seconds: float,
    act: Callable[[random.Random], tuple[str, bool]],
    seed: int = 7,
) -> dict[str, Result]:
    """``rate`` calls of ``act`` a second for ``seconds``, whatever the answers' speed (open
    loop); each latency counts from the moment the call was due, so queueing shows."""
    results: dict[str, Result] = {}
    lock = threading.Lock()
    rng = random.Random(seed)

    def one(due: float, seed: int) -> None:
        try:
            label, ok = act(random.Random(seed))
        except (OSError, http.client.HTTPException, AssertionError):
            label, ok = "error", False
        took = time.monotonic() - due
        with lock:
            result = results.setdefault(label, Result(seconds=seconds))
            if ok:
                result.latencies.append(took)
            else:
                result.errors += 1

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(int(rate * seconds)):
            due = began + n / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(one, due, rng.randrange(2**32))
    for result in results.values():  # what was served, over the time it took to serve it
        result.seconds = time.monotonic() - began
    return results


def storm(base: str, who: Who, rate: float, users: int, seconds: float) -> None:
    """Log-ins at ``rate`` a second while ``users`` members read the list pages."""
    session = {"Cookie": who.cookie}
    readers: dict[str, Result] = {}

    def read(rng: random.Random) -> tuple[str, dict[str, str]]:
        path = rng.choice(["/cases/", "/cases/?mine=1", "/cases/tasks/", "/referrals/"])
        return path, {**session, "X-Label": f"reads during the storm: {path}"}

    reading = threading.Thread(target=lambda: readers.update(run_phase(base, users, seconds, read)))
    reading.start()
    logins = open_loop(
        rate, seconds, lambda rng: ("log-in (form + POST)", log_in(base, rng.choice(who.logins)))
    )
    reading.join()
    print(f"\nLog-in storm: {rate:.0f} a second for {seconds:.0f} s, {users} readers\n")
    print("| what | req/s | p50 ms | p95 ms | p99 ms | errors | share of ceiling |")
    print("|---|---|---|---|---|---|---|")
    for name, result in sorted({**logins, **readers}.items()):
        print(result.row(name, None))


def steady(
    base: str,
    who: Who,
    rate: float,
    writes: float,
    seconds: float,
    search: float = 0.0,
    seed: int = 7,
) -> None:
    """An open-loop mix at ``rate`` a second: ``writes`` of it case registrations (API),
    ``search`` of it the case list's filtered GET, the rest the pages and case files."""
    parts = urlsplit(base)
    pages = ["/cases/", "/cases/?mine=1", "/cases/tasks/", "/referrals/"]
    local = threading.local()

    def act(rng: random.Random) -> tuple[str, bool]:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=30
            )
        roll = rng.random()
        if roll < writes:
            label, method, path = "write: register a case (API)", "POST", "/api/v1/cases/"
            body = json.dumps({"public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                               "names": [{"value": "L. T."}]})  # fmt: skip
            headers = {"Authorization": f"Bearer {who.token}", "Content-Type": "application/json"}
        elif roll < writes + search:
            status = rng.choice(["presumed", "identified_formally", "at_risk"])
            label, method, path, body = (
                "search: case list filtered",
                "GET",
                f"/cases/?status={status}",
                None,
            )
            headers = {"Cookie": who.cookie}
        else:
            path = rng.choice([*pages, f"/cases/{rng.choice(who.case_ids)}/"])
            label, method, body = "read: " + ("case file" if path.count("/") > 2 and
                                             path not in pages else path), "GET", None  # fmt: skip
            headers = {"Cookie": who.cookie}
        try:
            local.connection.request(method, path, body=body, headers=headers)
            answer = local.connection.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException):
            local.connection.close()
            del local.connection
            raise
        if method == "POST" and answer.status == 200:
            label = "write: replayed registration (API)"  # its public_id was registered before
        return label, answer.status < 400

    print(f"seed {seed}")
    results = open_loop(rate, seconds, act, seed)
    print(
        f"\nSteady mix: {rate:.0f} req/s for {seconds:.0f} s, {writes:.0%} writes,"
        f" {search:.0%} searches\n"
    )
    print("| what | req/s | p50 ms | p95 ms | p99 ms | errors | share of ceiling |")
    print("|---|---|---|---|---|---|---|")
    for name, result in sorted(results.items()):
        print(result.row(name, None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--logins", type=float, default=0, help="log-ins a second (storm)")
    parser.add_argument("--steady", type=float, default=0, help="requests a second (open loop)")
    parser.add_argument("--writes", type=float, default=0.1, help="share of writes (--steady)")
    parser.add_argument("--search", type=float, default=0.0, help="share of searches (--steady)")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="--steady's random choices and registered public_ids (default: the clock, so a"
        " second run on the same database registers new cases instead of replaying)",
    )
    args = parser.parse_args()
    who = prepare()
    if args.logins or args.steady:
        print(f"load average before: {os.getloadavg()}")
        if args.logins:
            storm(args.base, who, args.logins, args.users, args.seconds)
        else:
            seed = int(time.time()) if args.seed is None else args.seed
            steady(args.base, who, args.steady, args.writes, args.seconds, args.search, seed)
        print(f"\nload average after: {os.getloadavg()}")
        return
    session = {"Cookie": who.cookie}
    pages: dict[str, Pick] = {
        "/cases/": lambda rng: ("/cases/", dict(session)),
        "/cases/?mine=1": lambda rng: ("/cases/?mine=1", dict(session)),
        "/cases/tasks/": lambda rng: ("/cases/tasks/", dict(session)),
        "case file": lambda rng: (
            f"/cases/{rng.choice(who.case_ids)}/",
            {**session, "X-Label": "case file"},
        ),
        "/referrals/": lambda rng: ("/referrals/", dict(session)),
        "/api/v1/cases/": lambda rng: (
            "/api/v1/cases/",
            {"Authorization": f"Bearer {who.token}"},
        ),
    }
    print(f"load average before: {os.getloadavg()}")
    ceiling = run_phase(args.base, args.users, args.seconds, lambda rng: ("/healthz", {}))
    top = ceiling["/healthz"]
    top_rate = len(top.latencies) / top.seconds
    print(f"\n{args.users} users, {args.seconds:.0f} s a phase\n")
    print("| page | req/s | p50 ms | p95 ms | p99 ms | errors | share of ceiling |")
    print("|---|---|---|---|---|---|---|")
    print(top.row("/healthz (ceiling)", None))
    for name, pick in pages.items():
        print(run_phase(args.base, args.users, args.seconds, pick)[name].row(name, top_rate))

    def mix(rng: random.Random) -> tuple[str, dict[str, str]]:
        roll = rng.random()
        if roll < 0.70:
            path, headers = rng.choice([pages[p] for p in pages if p != "/api/v1/cases/"])(rng)
            return path, {**headers, "X-Label": "mix: reads"}
        if roll < 0.85:
            status = rng.choice(["presumed", "identified_formally", "at_risk"])
            return f"/cases/?status={status}", {**session, "X-Label": "mix: search"}
        return "/api/v1/cases/", {"Authorization": f"Bearer {who.token}", "X-Label": "mix: API"}

    mixed = run_phase(args.base, args.users, args.seconds, mix)
    for name in sorted(mixed):
        print(mixed[name].row(name, top_rate))
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
