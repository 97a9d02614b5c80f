"""Settings shared by every part of the twin, changeable at run time through the admin endpoint."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_SEED = Path(__file__).resolve().parent / "seed.yml"


@dataclass
class Settings:
    # 0: every transition is immediate; 1: the durations the real clouds show.
    latency_scale: float = 0.0
    # Share of requests (0..1) answered with throttling or a 5xx, per cloud ("aws", "gcp").
    fault_rate: dict = field(default_factory=lambda: {"aws": 0.0, "gcp": 0.0})
    fault_seed: int | None = None
    # AWS may list a connection's tunnels in any order (cloud-constraints.md): reverse them to prove
    # that clients match tunnels by outside IP, never by position.
    aws_reverse_tunnel_order: bool = False
    # Accounts that share one AWS Organization with the hub, RAM sharing enabled for the Organization: a share
    # reaches them with no invitation (empty: no Organization, every other account gets an invitation).
    aws_organization_accounts: list = field(default_factory=list)
    # Real seconds before a new RAM share or invitation is visible to the accounts it names (eventual consistency).
    ram_visibility_delay: float = 0.0
    # Real seconds before a new VPN connection, customer gateway or TGW shows in describes (twin/aws/consistency.py).
    ec2_visibility_delay: float = 0.0
    seed: dict = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)


settings = Settings()


def load_seed(path: str | os.PathLike | None = None) -> dict:
    with open(path or os.environ.get("TWIN_SEED") or DEFAULT_SEED, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def configure(seed: dict | None = None, latency_scale: float | None = None, fault_rate: dict | None = None,
              aws_reverse_tunnel_order: bool | None = None) -> Settings:
    with settings.lock:
        if aws_reverse_tunnel_order is not None:
            settings.aws_reverse_tunnel_order = bool(aws_reverse_tunnel_order)
        if seed is not None:
            settings.seed = seed
        if latency_scale is not None:
            from twin import clock  # late: clock reads these settings

            clock.now()  # time so far runs at the old scale
            settings.latency_scale = float(latency_scale)
            clock.now()  # and from now on at the new one
        if fault_rate is not None:
            settings.fault_rate.update({k: float(v) for k, v in fault_rate.items()})
    return settings
