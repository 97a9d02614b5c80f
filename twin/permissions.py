"""Least privilege: a permission set per identity, enforced on every call (``/_twin/permissions``, twin/admin.py).

An identity is what a credential acts as: an AWS account id (its operator's key, or a role assumed in it) or a GCP
principal's email (seed ``gcp.principals``). An identity with no set may do everything (the twin's default, as an
administrator); one with a set gets each cloud's refusal for any permission outside it (twin/aws/accounts.py,
twin/gcp/app.py). Every permission checked is remembered per identity (``used``), so a run shows what it needed.
Twin invention (harness): the clouds evaluate policies, not lists; the refusals imitate theirs."""

from __future__ import annotations

import threading
from collections import defaultdict

_lock = threading.Lock()
_allowed: dict[str, frozenset] = {}
_used: dict[str, set] = defaultdict(set)


def permitted(identity: str, permission: str) -> bool:
    with _lock:
        _used[identity].add(permission)
        allowed = _allowed.get(identity)
    return allowed is None or permission in allowed


def configure(allowed: dict) -> dict:
    """Replace the sets (``{identity: [permission, ...]}``; None for an identity: everything); forget what was used."""
    with _lock:
        _allowed.clear()
        _allowed.update({str(k): frozenset(v) for k, v in allowed.items() if v is not None})
        _used.clear()
    return snapshot()


def snapshot() -> dict:
    with _lock:
        return {"allowed": {k: sorted(v) for k, v in _allowed.items()},
                "used": {k: sorted(v) for k, v in _used.items()}}


def clear() -> dict:
    return configure({})
