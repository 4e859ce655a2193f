"""Load benchmark: simulated counsellors, Cnam referents and API clients against a real gunicorn on PostgreSQL.

    bin/with-postgres .venv/bin/python bench/load.py [--users 50,200] [--duration 60] [--quick]

1. Seeds the database (bench/load_seed.py, in a subprocess): ``load_demo``, then as many counsellors,
   referents, young people and referrals as the largest run needs, spread over the Cnam sites.
2. Starts gunicorn (``config.wsgi``, production settings) on a free local port; the benchmark sends
   ``X-Forwarded-Proto: https`` as the reverse proxy of docs/operations.md would.
3. For each level (a baseline of 2 users first, then each --users value), locust (as a library,
   FastHttpUser) starts the users: 80 % counsellors and 20 % Cnam referents, plus one API client
   per 50 users. Each user logs in once through the real login form (CSRF token and all), then
   browses with a think time between pages. Statistics are reset once every user has logged in,
   then collected for --duration seconds.
4. Prints requests per second, p50/p95/p99 per page and overall, the ratio to the baseline, and
   every failure. Exits 1 if any request failed (during the ramp-up as well).

The login lockout and the API rate limits count per person / per token: each simulated user has
its own account and stays well below 600 API calls a minute, so neither is loosened here.
"""

import argparse
import collections
import http.cookiejar
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BASELINE_THINK = (0.5, 1.5)

LINK_PERSON = re.compile(r'href="/jeunes/(\d+)/"')
LINK_REFERRAL = re.compile(r'href="/orientations/(\d+)/"')
LINK_REFER = re.compile(r'href="/orientations/nouvelle/\?person=(\d+)&amp;session=(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="50,200", help="concurrent users of each run (default 50,200)")
    parser.add_argument("--duration", type=float, default=60, help="seconds measured per run, after ramp-up")
    parser.add_argument("--baseline-duration", type=float, default=30)
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started (logging in) per second")
    parser.add_argument("--think", default="5,25", help="think time between pages, seconds (min,max)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (default 2 × cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--quick", action="store_true", help="short runs (15 s) to check the set-up")
    args = parser.parse_args()
    args.levels = [int(n) for n in args.users.split(",")]
    args.think = tuple(float(x) for x in args.think.split(","))
    if args.quick:
        args.duration, args.baseline_duration = 15, 10
    return args


# ---------------------------------------------------------------------------------------------------
# The server side: seed, gunicorn


def server_environment() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_URL="dummymail://",  # referral notifications are built but go nowhere
        LOG_LEVEL="WARNING",
    )
    return env


def seed(env: dict, *, counsellors: int, referents: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "load_seed.py"), out.name]
            + ["--counsellors", str(counsellors), "--referents", str(referents)],
            env=env,
            cwd=ROOT,
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, args, log) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        "60",
        "--backlog",
        "2048",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            probe = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------------
# The simulated users (imported after the subprocesses: locust patches the standard library)


def user_classes(host: str, accounts: dict, think: tuple[float, float], logged_in: list, login_failed: list):
    from locust import between, task
    from locust.contrib.fasthttp import FastHttpUser

    pools = {"counsellors": iter(()), "referents": iter(()), "tokens": iter(())}

    def reset_pools():
        for key in pools:
            pools[key] = iter(accounts[key] * 10)

    class Browser(FastHttpUser):
        abstract = True
        wait_time = between(*think)
        # What the reverse proxy and a browser send: HTTPS seen by Django, same-origin POSTs.
        default_headers = {"X-Forwarded-Proto": "https", "Origin": host.replace("http://", "https://")}
        pool = ""

        def on_start(self):
            # Behind the proxy the browser speaks HTTPS, so it sends the Secure cookies; here the
            # last hop is plain HTTP, so the jar is told to send them anyway.
            self.client.cookiejar.set_policy(SecureCookiesOverHttp())
            email = next(pools[self.pool])
            page = self.client.get("/compte/connexion/", name="connexion (formulaire)")
            data = {"csrfmiddlewaretoken": csrf(page), "username": email, "password": accounts["password"]}
            with self.client.post(
                "/compte/connexion/",
                data=data,
                name="connexion (envoi)",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302 or "/compte/connexion/" in response.headers.get(
                    "Location", ""
                ):
                    response.failure(f"login refused ({response.status_code})")
                    login_failed.append(email)
                    return
            logged_in.append(email)

        def get(self, url, name):
            with self.client.get(url, name=name, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}")
                elif 'name="password"' in (response.text or "") and "connexion" not in name:
                    response.failure("sent back to the login page")
                return response

        def post(self, url, data, name, *, expect=(302,)):
            with self.client.post(
                url, data=data, name=name, allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code not in expect:
                    response.failure(f"{response.status_code}")
                return response

        def follow(self, response, name):
            location = response.headers.get("Location", "")
            if response.status_code == 302 and location.startswith("/"):
                self.get(location.split("#")[0], name)

    class Counsellor(Browser):
        pool = "counsellors"

        @task(2)
        def home(self):
            self.get("/", "accueil")

        @task(4)
        def young_person(self):
            people = LINK_PERSON.findall(self.get("/jeunes/", "jeunes (liste)").text or "")
            if people:
                self.get(f"/jeunes/{random.choice(people)}/", "jeune (fiche et classement)")

        @task(3)
        def referral(self):
            referrals = LINK_REFERRAL.findall(
                self.get("/orientations/", "orientations (liste ML)").text or ""
            )
            if referrals:
                self.get(f"/orientations/{random.choice(referrals)}/", "orientation (page)")

        @task(1)
        def refer(self):
            people = LINK_PERSON.findall(self.get("/jeunes/", "jeunes (liste)").text or "")
            if not people:
                return
            record = self.get(f"/jeunes/{random.choice(people)}/", "jeune (fiche et classement)")
            choices = LINK_REFER.findall(record.text or "")
            if not choices:
                return
            person, session = random.choice(choices[:5])
            url = f"/orientations/nouvelle/?person={person}&session={session}"
            page = self.get(url, "orienter (formulaire)")
            if page.status_code != 200:
                return
            data = {
                "csrfmiddlewaretoken": csrf(page),
                "message": "Merci de le ou la recevoir.",
                "confirm": "on",
            }
            # 200: the page says why not (already referred to this session): not an error.
            sent = self.post(url, data, "orienter (envoi)", expect=(200, 302))
            self.follow(sent, "orientation (page)")

        @task(1)
        def message(self):
            referrals = LINK_REFERRAL.findall(
                self.get("/orientations/", "orientations (liste ML)").text or ""
            )
            if referrals:
                post_message(self, random.choice(referrals))

    class Referent(Browser):
        pool = "referents"

        @task(2)
        def home(self):
            self.get("/", "accueil")

        @task(4)
        def referral(self):
            referrals = LINK_REFERRAL.findall(
                self.get("/orientations/recues/", "orientations reçues (Cnam)").text or ""
            )
            if referrals:
                self.get(f"/orientations/{random.choice(referrals)}/", "orientation (page)")

        @task(2)
        def process(self):
            referrals = LINK_REFERRAL.findall(
                self.get("/orientations/recues/", "orientations reçues (Cnam)").text or ""
            )
            if not referrals:
                return
            pk = random.choice(referrals)
            page = self.get(f"/orientations/{pk}/", "orientation (page)")
            if page.status_code != 200:
                return
            text = page.text or ""
            if 'name="acknowledge-comment"' in text:
                action, data = "acknowledge", {"acknowledge-comment": ""}
            elif 'name="plan_meeting-meeting_at"' in text:
                when = time.strftime("%Y-%m-%dT10:00", time.localtime(time.time() + 8 * 86400))
                action, data = (
                    "plan_meeting",
                    {"plan_meeting-meeting_at": when, "plan_meeting-meeting_place": "Salle 2"},
                )
            else:
                post_message(self, pk, page)
                return
            data["csrfmiddlewaretoken"] = csrf(page)
            done = self.post(f"/orientations/{pk}/actions/{action}/", data, "action Cnam (envoi)")
            self.follow(done, "orientation (page)")

        @task(1)
        def message(self):
            referrals = LINK_REFERRAL.findall(
                self.get("/orientations/recues/", "orientations reçues (Cnam)").text or ""
            )
            if referrals:
                post_message(self, random.choice(referrals))

    class ApiClient(FastHttpUser):
        wait_time = between(*think)
        fixed_count = 0
        default_headers = {"X-Forwarded-Proto": "https"}

        def on_start(self):
            self.headers = {"Authorization": f"Bearer {next(pools['tokens'])}"}
            logged_in.append("api")

        @task
        def referrals(self):
            self.client.get("/api/v1/referrals/", headers=self.headers, name="API referrals")

        @task
        def young_people(self):
            self.client.get("/api/v1/young-people/", headers=self.headers, name="API young-people")

    def post_message(user, pk, page=None):
        page = page or user.get(f"/orientations/{pk}/", "orientation (page)")
        if page.status_code != 200:
            return
        data = {"csrfmiddlewaretoken": csrf(page), "body": "Point d'étape : merci de votre retour."}
        sent = user.post(f"/orientations/{pk}/message/", data, "message (envoi)")
        user.follow(sent, "orientation (page)")

    return Counsellor, Referent, ApiClient, reset_pools


class SecureCookiesOverHttp(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


def csrf(response) -> str:
    found = CSRF.search(response.text or "")
    return found.group(1) if found else ""


# ---------------------------------------------------------------------------------------------------
# Runs and figures


def mix(users: int) -> tuple[int, int, int]:
    """(counsellors, referents, API clients): one API client per 50 users, then 80 % / 20 %."""
    api = users // 50
    referents = max(1, round((users - api) * 0.2)) if users > 1 else 0
    return users - api - referents, referents, api


def run_level(
    env, classes, users: int, duration: float, spawn_rate: float, logged_in: list, login_failed, think
):
    import gevent
    from locust import between

    counsellor, referent, api_client, reset_pools = classes
    counsellor.fixed_count, referent.fixed_count, api_client.fixed_count = mix(users)
    for user_class in (counsellor, referent, api_client):
        user_class.wait_time = between(*think)
    reset_pools()
    logged_in.clear()
    env.stats.reset_all()
    runner = env.runner
    started = time.monotonic()
    runner.start(users, spawn_rate=spawn_rate)
    while len(logged_in) < users and time.monotonic() - started < 600 and not login_failed:
        gevent.sleep(0.5)
    ramp = time.monotonic() - started
    login = env.stats.get("connexion (envoi)", "POST")
    login_figures = (login.num_requests, pct(login, 0.5), pct(login, 0.95))
    env.stats.reset_all()
    window_start = time.monotonic()
    gevent.sleep(duration)
    elapsed = time.monotonic() - window_start
    result = snapshot(env.stats, elapsed)
    runner.stop()
    gevent.sleep(1)
    result.update(users=users, mix=mix(users), ramp=ramp, logged_in=len(logged_in), login=login_figures)
    return result


def pct(entry, q: float) -> float:
    return entry.get_response_time_percentile(q) if entry.num_requests else 0.0


def snapshot(stats, elapsed: float) -> dict:
    pages = {}
    for (name, method), entry in sorted(stats.entries.items()):
        pages[f"{method} {name}"] = figures(entry, elapsed)
    return {"pages": pages, "total": figures(stats.total, elapsed), "elapsed": elapsed}


def figures(entry, elapsed: float) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.num_requests / elapsed if elapsed else 0.0,
        "p50": pct(entry, 0.5),
        "p95": pct(entry, 0.95),
        "p99": pct(entry, 0.99),
        "max": entry.max_response_time or 0.0,
    }


def report(result: dict, baseline: dict | None) -> None:
    counsellors, referents, api = result["mix"]
    print(
        f"\n=== {result['users']} users ({counsellors} counsellors, {referents} referents, {api} API clients) — "
        f"ramp-up {result['ramp']:.0f} s ({result['logged_in']} logged in; login POST n={result['login'][0]}, "
        f"p50 {result['login'][1]:.0f} ms, p95 {result['login'][2]:.0f} ms), measured {result['elapsed']:.0f} s"
    )
    print(
        f"{'page':42} {'req':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7} {'fail':>5} {'p95/base':>9}"
    )
    rows = list(result["pages"].items()) + [("TOTAL", result["total"])]
    for name, f in rows:
        base = (
            (baseline or {}).get("pages", {}).get(name) if name != "TOTAL" else (baseline or {}).get("total")
        )
        ratio = f"{f['p95'] / base['p95']:.1f}×" if base and base["p95"] else "—"
        print(
            f"{name[:42]:42} {f['requests']:>6} {f['rps']:>7.1f} {f['p50']:>6.0f} {f['p95']:>6.0f} {f['p99']:>6.0f} "
            f"{f['max']:>7.0f} {f['failures']:>5} {ratio:>9}"
        )


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench/load.py needs PostgreSQL: bin/with-postgres .venv/bin/python bench/load.py")
    largest = max(args.levels)
    counsellors, referents, _ = mix(largest)
    env_vars = server_environment()
    started = time.monotonic()
    accounts = seed(env_vars, counsellors=counsellors, referents=referents)
    print(f"seeded in {time.monotonic() - started:.0f} s: {json.dumps(accounts['sizes'])}")
    print(f"added for the benchmark: {json.dumps(accounts['added'])}")
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    log_path = ROOT / "var" / "bench-load-gunicorn.log"
    with open(log_path, "w") as log:
        server = start_gunicorn(env_vars, port, args, log)
        try:
            failures = measure(args, host, accounts)
        finally:
            stop(server)
    print(
        f"\ngunicorn: {args.workers} workers × {args.threads} thread(s), timeout 60 s, prod settings, "
        f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '60')}; log in {log_path.relative_to(ROOT)}"
    )
    if failures:
        print(f"\nFAILED: {sum(failures.values())} request(s) failed:")
        for (name, error), n in failures.most_common(20):
            print(f"  {n:>5} × {name}: {error}")
        sys.exit(1)
    print("\nNo request failed.")


def measure(args, host: str, accounts: dict) -> collections.Counter:
    import gevent  # noqa: F401 — locust's import patches the standard library
    from locust.env import Environment

    logged_in: list = []
    login_failed: list = []
    classes = user_classes(host, accounts, args.think, logged_in, login_failed)
    env = Environment(user_classes=list(classes[:3]), host=host)
    env.create_local_runner()
    failures: collections.Counter = collections.Counter()

    def on_request(name, exception, **kwargs):
        if exception is not None:
            failures[(name, str(exception)[:120])] += 1

    env.events.request.add_listener(on_request)
    # Warm-up, not reported: each worker's first requests import code and build its in-memory indexes.
    # The baseline's two users barely pause, for enough samples: two users cannot load the server.
    run_level(env, classes, 10, 20, 10, logged_in, login_failed, BASELINE_THINK)
    baseline = run_level(env, classes, 2, args.baseline_duration, 10, logged_in, login_failed, BASELINE_THINK)
    report(baseline, None)
    for users in args.levels:
        result = run_level(
            env, classes, users, args.duration, args.spawn_rate, logged_in, login_failed, args.think
        )
        report(result, baseline)
        base_rps = baseline["total"]["rps"]
        print(
            f"throughput {result['total']['rps']:.1f} req/s = {result['total']['rps'] / base_rps:.0f}× the 2-user "
            f"baseline ({base_rps:.1f} req/s, think time {BASELINE_THINK[0]:g}–{BASELINE_THINK[1]:g} s); "
            f"think time {args.think[0]:g}–{args.think[1]:g} s; load average (1 min) {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores (PostgreSQL, gunicorn and locust included)"
        )
    env.runner.quit()
    return failures


if __name__ == "__main__":
    main()
