"""Cheap moto EC2 backends: moto builds every EC2 backend (one per account and region) with its ~1,350
default AMIs, each with an EBS snapshot, which takes about half a second; a reset re-creates every
backend used so far and the first request into a new account or region pays it again. The twin
loads them on first read of ``amis`` / ``snapshots`` instead, so DescribeImages / DescribeSnapshots
answer exactly as in plain moto, and nothing else waits for them. Twin invention (harness, speed only):
it changes no answer and imitates no cloud API."""

from __future__ import annotations

import threading

from moto.ec2.models import EC2Backend
from moto.ec2.models.amis import AmiBackend

_load_default_amis = AmiBackend._load_amis
_lock = threading.RLock()
_PENDING, _LOADING = "pending", "loading"


class _LoadedOnRead:
    """Data descriptor over a backend attribute that moto's default AMIs fill."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, backend, owner=None):
        if backend is None:
            return self
        if backend.__dict__.get("_twin_amis") is not None:
            # A concurrent reader waits for the load; the loading thread itself (re-entrant lock,
            # state LOADING) reads the partly filled dicts, as moto's own loader does.
            with _lock:
                if backend.__dict__.get("_twin_amis") == _PENDING:
                    backend.__dict__["_twin_amis"] = _LOADING
                    _load_default_amis(backend)
                    backend.__dict__["_twin_amis"] = None
        return backend.__dict__[self.name]

    def __set__(self, backend, value):
        backend.__dict__[self.name] = value


def _defer(self) -> None:
    self.__dict__["_twin_amis"] = _PENDING


def install() -> None:
    AmiBackend._load_amis = _defer
    for name in ("amis", "snapshots"):
        setattr(EC2Backend, name, _LoadedOnRead(name))
