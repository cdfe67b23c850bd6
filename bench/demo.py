"""Benchmark of ``flask seed demo``: wall time, cases per second and peak memory.

Each run gets a fresh database (a new SQLite file, or a PostgreSQL database created for it
and dropped afterwards), is migrated and loaded with the reference data, and then times the
command itself, end to end, in a process of its own (so peak RSS is that run's alone):

    .venv/bin/python bench/demo.py                        # N=30 and N=100,000, both databases
    .venv/bin/python bench/demo.py --cases 30 2000 --databases sqlite
    .venv/bin/python bench/demo.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/x

The PostgreSQL database named in ``--postgres-url`` is dropped and created again for every
run: name one that holds nothing else. Speed targets: N=30 under 10 s, N=100,000
under 3 minutes on both databases. The figures are in README.md, "Benchmarks".
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/lotse_bench_demo"
TARGETS = {30: 10.0, 100_000: 180.0}  # seconds


@dataclass
class Result:
    database: str
    cases: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    rows: int

    @property
    def per_second(self) -> float:
        return self.cases / self.seconds

    def target(self) -> str:
        limit = TARGETS.get(self.cases)
        if limit is None:
            return "–"
        return f"< {limit:.0f} s: {'yes' if self.seconds < limit else 'NO'}"


def _flask(database_url: str, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOTSE_ENV": "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )


def _timed_flask(database_url: str, *args: str) -> tuple[float, float, float, str]:
    """Run one flask command; (wall seconds, CPU seconds, peak RSS in MiB, its stdout)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOTSE_ENV": "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
    }
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({process.returncode}):\n{output}")
    # ru_maxrss is in KiB on Linux
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def _fresh_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = target.database
    if not name or name in ("postgres", "test", "template0", "template1"):
        raise SystemExit(f"refusing to drop the database {name!r}; name a benchmark database")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _drop_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _count(url: str) -> tuple[int, int]:
    """Cases, and rows in all tables the generator writes."""
    sys.path.insert(0, str(ROOT))
    from seed.demo import TABLES

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            cases = conn.execute(select(func.count()).select_from(text('"case"'))).scalar_one()
            rows = sum(
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in TABLES
            )
    finally:
        engine.dispose()
    return cases, rows


def run_one(database: str, cases: int, seed: int, postgres_url: str, workdir: Path) -> Result:
    if database == "sqlite":
        path = workdir / f"demo-{cases}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = postgres_url
        _fresh_postgres(url)
    try:
        _flask(url, "db", "upgrade")
        _flask(url, "seed", "reference")
        seconds, cpu, rss, output = _timed_flask(
            url, "seed", "demo", "--cases", str(cases), "--random-seed", str(seed)
        )
        written, rows = _count(url)
        if written != cases:
            raise SystemExit(f"{database}: expected {cases} cases, found {written}:\n{output}")
        return Result(database, cases, seconds, cpu, rss, rows)
    finally:
        if database == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            _drop_postgres(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[30, 100_000], metavar="N")
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    print(
        f"flask seed demo: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}",
        flush=True,
    )
    header = f"{'database':<11}{'cases':>9}{'seconds':>10}{'cases/s':>10}{'CPU s':>8}"
    header += f"{'peak RSS':>11}{'rows':>11}  target"
    print(header, flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="lotse-bench-demo-") as tmp:
        for database in args.databases:
            for cases in args.cases:
                result = run_one(database, cases, args.seed, args.postgres_url, Path(tmp))
                results.append(result)
                print(
                    f"{result.database:<11}{result.cases:>9,}{result.seconds:>10.1f}"
                    f"{result.per_second:>10,.0f}{result.cpu_seconds:>8.1f}"
                    f"{result.peak_rss_mib:>8.0f} MiB{result.rows:>11,}  {result.target()}",
                    flush=True,
                )
    return 0 if all("NO" not in r.target() for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
