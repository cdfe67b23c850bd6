"""Load test: 50 members of staff of four authorities, every role, against gunicorn with four
workers on PostgreSQL and the Redis rate-limit store, with a leak checker per authority.

    .venv/bin/python bench/load.py                          # 50 users, 10 minutes
    .venv/bin/python bench/load.py --minutes 1 --users 10   # a short validation run

One command prepares a fresh database (``bench/load_prepare.py``: migrations, reference data,
a demo region, accounts, own rows per caseworker, a marker client per authority, the workers'
own PostgreSQL role, which row-level security binds), starts gunicorn, runs the users
headless with locust as a library (``bench/load_users.py``) while it samples the workers'
resident memory, and prints per page the requests, failures and
p50/p95/p99, then the totals: HTTP 5xx, failed saves, version conflicts, leaks and the
workers' largest RSS. Exit status 1 if there was any 5xx, failed save, leak, missed own marker
or failed request, or a worker reached 300 MB or was started anew.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

# locust patches the interpreter for gevent when imported; it comes first, before ssl.
import locust  # noqa: F401
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lotse_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
RSS_LIMIT_MB = 300


def prepare(url: str, users: int, cases: int, app_role: str) -> tuple[list[dict], str]:
    """Run bench/load_prepare.py in its own process (before gevent patches this one); the
    accounts, and the URL the workers connect with."""
    print(f"Preparing {url} ({cases} demo cases, {users} users) …", flush=True)
    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-m", "bench.load_prepare", "--url", url, "--users", str(users),
         "--cases", str(cases), "--app-role", app_role],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    prepared = json.loads(result.stdout)
    return prepared["accounts"], prepared["app_url"]


def start_server(url: str, redis: str, workers: int, log_dir: Path, owner_url: str):
    """gunicorn with ``workers`` workers, as bench/list_server.py starts it."""
    from bench.list_server import Server, free_port
    from bench.load_forms import SECRET_KEY

    server = Server.__new__(Server)
    server.label = "load"
    server.port = free_port()
    server.log = log_dir / "gunicorn-load.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOTSE_OWNER_DATABASE_URL": owner_url,
        "LOTSE_ENV": "development",  # plain-HTTP cookies: there is no TLS proxy in front
        "SECRET_KEY": SECRET_KEY,
        "LOTSE_RATELIMIT_STORAGE_URI": redis,
        # Every simulated user logs in from 127.0.0.1: the per-address login limit is raised
        # so that it does not count an office of fifty as one client.
        "LOTSE_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w", str(workers), "-b", f"127.0.0.1:{server.port}", "--timeout", "120",
        "app:create_app()",
    ]  # fmt: skip
    server.log_file = server.log.open("w")
    server.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
        command, cwd=ROOT, env=env, stdout=server.log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    server.wait_ready()
    return server


def clear_redis(redis: str) -> None:
    """Empty the rate-limit database of the run, so an earlier run's counts do not apply."""
    import redis as redis_client

    redis_client.Redis.from_url(redis).flushdb()


def run(args, accounts: list[dict], server) -> int:
    import gevent
    from locust import events
    from locust.env import Environment

    from bench import load_users
    from bench.load_forms import Account

    roles = {}
    for raw in accounts:
        account = Account(**raw)
        load_users.POOL.setdefault(account.role, deque()).append(account)
        roles[account.role] = roles.get(account.role, 0) + 1
    for user_class in load_users.USER_CLASSES:
        user_class.fixed_count = roles.get(user_class.role, 0)
    tally = load_users.TALLY

    @events.request.add_listener
    def count_server_errors(response=None, exception=None, name=None, **_kwargs):
        status = getattr(response, "status_code", 0) or 0
        if status >= 500:
            tally.add("server_errors")
            tally.error(f"HTTP {status} on {name}")

    host = f"http://127.0.0.1:{server.port}"
    environment = Environment(user_classes=list(load_users.USER_CLASSES), host=host, events=events)
    runner = environment.create_local_runner()
    total = sum(roles.values())
    peak: dict[int, int] = {}

    def sample_memory():
        while True:
            for pid, rss, _hwm in server.memory():
                peak[pid] = max(peak.get(pid, 0), rss)
            gevent.sleep(3)

    sampler = gevent.spawn(sample_memory)
    print(f"Running {total} users ({roles}) for {args.minutes} min against {host} …", flush=True)
    started = time.monotonic()
    runner.start(total, spawn_rate=args.spawn_rate)
    gevent.sleep(args.minutes * 60)
    runner.quit()
    sampler.kill()
    for pid, rss, _hwm in server.memory():
        peak[pid] = max(peak.get(pid, 0), rss)
    elapsed = time.monotonic() - started
    return report(environment.stats, tally, peak, elapsed, args.workers)


def report(stats, tally, peak: dict[int, int], elapsed: float, workers: int) -> int:
    print()
    print(f"{'page':<29} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for entry in sorted(stats.entries.values(), key=lambda e: (e.name, e.method)):
        page = f"{entry.name} ({entry.method})"
        print(
            f"{page:<29} {entry.num_requests:>9} {entry.num_failures:>9} "
            f"{entry.get_response_time_percentile(0.5):>8.0f} "
            f"{entry.get_response_time_percentile(0.95):>8.0f} "
            f"{entry.get_response_time_percentile(0.99):>8.0f}"
        )
    whole = stats.total
    largest = max(peak.values(), default=0)
    print()
    rate = whole.num_requests / elapsed
    print(f"requests {whole.num_requests} in {elapsed:.0f} s ({rate:.1f}/s), "
          f"failed requests {whole.num_failures}")  # fmt: skip
    print(f"HTTP 5xx {tally.server_errors}")
    print(f"saves {tally.saves}, failed saves {tally.failed_saves}, "
          f"version conflicts {tally.conflicts}")  # fmt: skip
    print(f"leak checks {tally.leak_checks}, leaks {tally.leaks}, "
          f"own marker missing {tally.checker_misses}")  # fmt: skip
    print(f"worker RSS max {largest} MiB = {largest * 1.048576:.0f} MB "
          f"({len(peak)} workers; limit {RSS_LIMIT_MB} MB)")  # fmt: skip
    if len(peak) > workers:
        print(f"ERROR {len(peak) - workers} workers were started anew during the run")
    for line in tally.errors:
        print(f"ERROR {line}")
    for error in stats.errors.values():
        print(f"ERROR {error.method} {error.name}: {error.error} ({error.occurrences}×)")
    failed = (
        tally.server_errors
        or tally.failed_saves
        or tally.leaks
        or tally.checker_misses
        or whole.num_failures
        or largest * 1024 * 1024 >= RSS_LIMIT_MB * 1000 * 1000
        or whole.num_requests == 0
        or len(peak) > workers
    )
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="a PostgreSQL database to empty")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="the rate-limit store")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cases", type=int, default=400, help="demo cases of the region")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument(
        "--app-role",
        default="lotse_load_app",
        help="the workers' own PostgreSQL role, bound by row-level security ('' for --url's)",
    )
    args = parser.parse_args()
    accounts, app_url = prepare(args.url, args.users, args.cases, args.app_role)
    clear_redis(args.redis)
    user = make_url(app_url).username
    print(f"The workers connect as {user}", flush=True)
    with tempfile.TemporaryDirectory(prefix="lotse-load-") as log_dir:
        server = start_server(app_url, args.redis, args.workers, Path(log_dir), args.url)
        try:
            status = run(args, accounts, server)
        finally:
            server.stop()
            log = server.log.read_text()
            if "Traceback" in log:
                print("gunicorn log (tracebacks):")
                print(log[-4000:])
    return status


if __name__ == "__main__":
    sys.exit(main())
