"""A short-lived, process-local cache of the figures, refreshed in the background."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, has_app_context

from models import User, db
from models.scoping import unscoped

from .scope import anonymised, prepare

# -- a short-lived cache for the totals across authorities ----------------------------------


@dataclass(frozen=True)
class Cached:
    """Figures and when they were computed (UTC)."""

    value: object
    computed_at: datetime


STALE_FACTOR = 10  # stale figures are served, while they refresh, up to 10 × the cache time


class _FiguresCache:
    """Process-local cache of one authority's figures and of the totals across authorities.

    The slowest things a page reads are the region's full tables and the largest
    authority's (50,000 cases): a dozen aggregates over tens or hundreds of thousands of
    rows each. They are the same for every reader of one authority, so each worker keeps
    them for ``LOTSE_STATISTICS_CACHE_SECONDS`` (default 120; 0 switches the cache off, as
    the tests do) and the page says when they were computed. After that they are stale:
    still served, for up to ten times as long, while a background thread computes them
    anew, so no reader waits for the region's tables. Only aggregates and the already
    redacted lessons are kept, never a row; the protection of small numbers is applied per
    request, against the reader's own figures. The caseworker's own desk is never cached.
    """

    MAX_ENTRIES = 128

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[float, Cached]] = {}
        self._running: dict[tuple, threading.Thread] = {}

    @staticmethod
    def ttl() -> int:
        if not has_app_context():
            return 0
        default = 0 if current_app.testing else 120
        return int(current_app.config.get("LOTSE_STATISTICS_CACHE_SECONDS", default))

    def get(
        self,
        key: tuple,
        compute: Callable[[], object],
        refresh: Callable[[], object] | None = None,
        *,
        wait: bool = True,
    ) -> Cached | None:
        """Fresh figures from the cache, or stale ones while ``refresh`` runs in the
        background, or ``compute()`` now. With ``wait=False`` a miss starts the background
        computation and returns None."""
        ttl = self.ttl()
        if ttl <= 0:
            return Cached(compute(), datetime.now(UTC))
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        age = now - hit[0] if hit else None
        if hit and age < ttl:
            return hit[1]
        if refresh is not None and (not wait or (hit and age < ttl * STALE_FACTOR)):
            self._refresh(key, refresh)
            return hit[1] if hit and age < ttl * STALE_FACTOR else None
        cached = Cached(compute(), datetime.now(UTC))
        self._store(key, now, cached)
        return cached

    def _store(self, key: tuple, stored: float, cached: Cached) -> None:
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.MAX_ENTRIES:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (stored, cached)

    def _refresh(self, key: tuple, refresh: Callable[[], object]) -> None:
        with self._lock:
            if key in self._running:
                return
            thread = threading.Thread(
                target=self._run, args=(key, refresh), name="lotse-figures", daemon=True
            )
            self._running[key] = thread
        thread.start()

    def _run(self, key: tuple, refresh: Callable[[], object]) -> None:
        try:
            started = time.monotonic()
            self._store(key, started, Cached(refresh(), datetime.now(UTC)))
        except Exception:  # noqa: BLE001 - logged; the next request tries again
            logging.getLogger(__name__).exception("figures %s could not be refreshed", key)
        finally:
            with self._lock:
                self._running.pop(key, None)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background computations (tests and benchmarks)."""
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(timeout)

    def clear(self) -> None:
        self.wait()
        with self._lock:
            self._entries.clear()


figures_cache = _FiguresCache()


def _cache_key(key: tuple) -> tuple:
    database = db.engine.url.render_as_string(hide_password=True) if has_app_context() else ""
    return (database, *key)


def _background(compute: Callable[[], object], user_id: int | None):
    """``compute`` for a thread of its own: an app context, a session, and the reader's
    authority rule (or, for totals across authorities, ``anonymised()``)."""
    app = current_app._get_current_object()

    def run():
        from models.scoping import as_user

        with app.app_context():
            try:
                if user_id is None:
                    prepare()
                    with anonymised():
                        return compute()
                with unscoped("steering: the reader of figures refreshed in the background"):
                    reader = db.session.get(User, user_id)
                with as_user(reader):
                    prepare()
                    return compute()
            finally:
                db.session.rollback()
                db.session.remove()

    return run


def of_authority(authority_id: int, key: tuple, compute: Callable[[], object]) -> Cached:
    """``compute()`` of one authority's figures, through the per-process cache. Runs with
    the current reader's authority rule, now or in the background."""
    from flask_login import current_user

    return figures_cache.get(
        _cache_key(("authority", authority_id, *key)),
        compute,
        _background(compute, current_user.id),
    )


def across_authorities(
    key: tuple, compute: Callable[[], object], *, wait: bool = True
) -> Cached | None:
    """``compute()`` inside ``anonymised()``, through the per-process cache. With
    ``wait=False``, None while the first computation runs in the background."""

    def run():
        with anonymised():
            return compute()

    return figures_cache.get(_cache_key(("all", *key)), run, _background(compute, None), wait=wait)
