"""Time-driven lifecycles: a resource's state is derived from how long ago it entered a phase,
scaled by ``settings.latency_scale``, so a twin at scale 0 answers at once and one at scale 1
takes as long as the real cloud."""

from __future__ import annotations

import time

from twin.config import settings


def now() -> float:
    return time.monotonic()


class Lifecycle:
    """A sequence of (state, real_seconds) phases; the last phase's duration is ignored.

    >>> lc = Lifecycle([("pending", 300), ("available", None)])
    >>> lc.state  # "available" at latency scale 0
    """

    def __init__(self, phases, started: float | None = None):
        self.phases = list(phases)
        self.started = now() if started is None else started

    def restart(self, phases) -> None:
        self.phases = list(phases)
        self.started = now()

    @property
    def state(self) -> str:
        elapsed = now() - self.started
        scale = settings.latency_scale
        for name, seconds in self.phases[:-1]:
            if elapsed < (seconds or 0) * scale:
                return name
            elapsed -= (seconds or 0) * scale
        return self.phases[-1][0]

    @property
    def settled(self) -> bool:
        return self.state == self.phases[-1][0]
