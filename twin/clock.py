"""Time-driven lifecycles on a virtual cloud clock (twin invention, harness: the durations each module
sets cite their sources; the clock that scales them imitates no cloud API).

Cloud time runs at ``1 / settings.latency_scale`` times real time: scale 1 takes as long as the real
cloud, 0.01 a hundred times less, and 0 makes every transition immediate. A resource's state is
derived from how much cloud time passed since it entered its first phase, so nothing sleeps or polls.
Changing the scale never moves a finished resource back: leaving scale 0 jumps the clock past every
phase begun so far.

Each named lifecycle also goes on the timeline (``GET /_twin/timeline``): what waited, for how many cloud
seconds, in the order the calls came. ``make bench`` derives the critical path of a run from it.
"""

from __future__ import annotations

import threading
import time

from twin.config import settings

# Longer than any phase: what "everything started so far has finished" means in cloud seconds.
_FAR = 10.0**9


class _CloudClock:
    def __init__(self):
        self._lock = threading.Lock()
        self._scale = 0.0
        self._real = time.monotonic()
        self._cloud = 0.0

    def now(self) -> float:
        with self._lock:
            real = time.monotonic()
            cloud = self._cloud if self._scale == 0 else self._cloud + (real - self._real) / self._scale
            scale = settings.latency_scale
            if scale != self._scale:  # re-anchor on the first read after a change
                if self._scale == 0:
                    cloud += _FAR
                self._scale, self._real, self._cloud = scale, real, cloud
            return cloud


_clock = _CloudClock()
_timeline: list[dict] = []
_timeline_lock = threading.Lock()


def now() -> float:
    """Cloud seconds since the twin started."""
    return _clock.now()


def timeline() -> list[dict]:
    """Every named wait begun since the last clear: ``{"what", "id", "seconds"}`` in call order (seconds: cloud
    seconds until the last phase, at latency scale 1)."""
    with _timeline_lock:
        return list(_timeline)


def clear_timeline() -> None:
    with _timeline_lock:
        _timeline.clear()


class Lifecycle:
    """A sequence of (state, cloud_seconds) phases; the last phase's duration is ignored. ``what`` and ``ident``
    name it on the timeline (a kind of wait, e.g. "compute insert vpnGateways", and the resource).

    >>> Lifecycle([("pending", 300), ("available", None)]).state  # "available" at latency scale 0
    """

    def __init__(self, phases, started: float | None = None, what: str | None = None, ident: str | None = None):
        self.what, self.ident = what, ident
        self.phases = list(phases)
        self.started = now() if started is None else started
        self._record()

    def restart(self, phases, what: str | None = None) -> None:
        self.what = what or self.what
        self.phases = list(phases)
        self.started = now()
        self._record()

    def _record(self) -> None:
        seconds = sum(s or 0 for _, s in self.phases[:-1])
        if self.what and seconds:
            with _timeline_lock:
                _timeline.append({"what": self.what, "id": self.ident, "seconds": seconds})

    @property
    def state(self) -> str:
        elapsed = now() - self.started
        if settings.latency_scale == 0:
            return self.phases[-1][0]
        for name, seconds in self.phases[:-1]:
            if elapsed < (seconds or 0):
                return name
            elapsed -= seconds or 0
        return self.phases[-1][0]

    @property
    def settled(self) -> bool:
        return self.state == self.phases[-1][0]
