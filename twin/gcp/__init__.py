"""Compute Engine v1 twin: ``build_app()`` (WSGI, served behind the TLS proxy), ``reset()``, and
``inspect`` for the link. See README.md beside this package's parent for the conventions."""

from twin.gcp.app import build_app
from twin.gcp.store import reset

__all__ = ["build_app", "reset"]
