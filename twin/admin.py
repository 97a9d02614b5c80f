"""The twin's control surface, served on its own 127.0.0.1 listener. Twin invention (harness): no cloud
API has these endpoints.

- ``GET /_twin/health``: 200 once the process serves.
- ``GET /_twin/calls``: ``{"aws": {action: n}, "gcp": {...}, "faults": {"aws": {...}, "gcp": {...}}}``;
  ``DELETE /_twin/calls`` clears it.
- ``GET /_twin/config``; ``POST /_twin/config`` with any of ``latency_scale``, ``fault_rate``
  (``{"aws": r, "gcp": r}``), ``fault_seed``, ``aws_reverse_tunnel_order``, ``aws_organization_accounts``,
  ``ram_visibility_delay``, ``ec2_visibility_delay``.
- ``POST /_twin/reset``: both clouds back to the seed, the link's memory of status changes and
  observed states forgotten, the run-time config back to what the process started with, counters cleared.
- ``GET /_twin/observed``; ``POST /_twin/observed`` with ``{"tunnels": [[gcp_ip, aws_ip, status], ...],
  "sessions": [[router_ip, aws_inside_ip, bgp_state], ...]}`` replaces the states real peers observed
  (tests/protocol), which the link reports instead of its own comparisons; ``DELETE`` forgets them.
- ``GET /_twin/permissions``: ``{"allowed": {identity: [...]}, "used": {identity: [...]}}``; ``POST`` with
  ``{"allowed": {identity: [permission, ...]}}`` enforces those sets (twin/permissions.py: an AWS account id or a GCP
  principal's email; an identity left out may do everything); ``DELETE`` lifts them all.
- ``GET /_twin/timeline``: every wait a call began (twin.clock.timeline: what, id, cloud seconds) in call order;
  ``DELETE`` clears it (so does ``reset``). ``make bench`` computes a run's critical path from it.
- ``POST /_twin/trap`` with ``{"action": "ec2:CreateVpnConnection", "nth": 1}`` arms the trap (middleware.Trap): that
  call is served and its answer held back; ``GET /_twin/trap?timeout=s`` waits up to s seconds for it to spring and
  returns ``{action, nth, seen, sprung}`` (``{}`` when none is armed); ``DELETE`` releases the answer and disarms.
"""

from __future__ import annotations

import copy
import json

from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from twin import clock, middleware, permissions
from twin.config import configure, settings


def current_config() -> dict:
    with settings.lock:
        return {
            "latency_scale": settings.latency_scale,
            "fault_rate": dict(settings.fault_rate),
            "fault_seed": settings.fault_seed,
            "aws_reverse_tunnel_order": settings.aws_reverse_tunnel_order,
            "aws_organization_accounts": list(settings.aws_organization_accounts),
            "ram_visibility_delay": settings.ram_visibility_delay,
            "ec2_visibility_delay": settings.ec2_visibility_delay,
        }


def apply_config(changes: dict) -> dict:
    unknown = set(changes) - {"latency_scale", "fault_rate", "fault_seed", "aws_reverse_tunnel_order",
                              "aws_organization_accounts", "ram_visibility_delay",
                              "ec2_visibility_delay"}
    if unknown:
        raise BadRequest(f"unknown settings: {sorted(unknown)}")
    rates = changes.get("fault_rate") or {}
    if set(rates) - set(middleware.CLOUDS) or not all(0 <= float(r) <= 1 for r in rates.values()):
        raise BadRequest("fault_rate takes {\"aws\": 0..1, \"gcp\": 0..1}")
    configure(latency_scale=changes.get("latency_scale"), fault_rate=rates or None,
              aws_reverse_tunnel_order=changes.get("aws_reverse_tunnel_order"))
    with settings.lock:
        if "aws_organization_accounts" in changes:
            settings.aws_organization_accounts = [str(a) for a in changes["aws_organization_accounts"]]
        for delay in ("ram_visibility_delay", "ec2_visibility_delay"):
            if delay in changes:
                setattr(settings, delay, float(changes[delay]))
    if "fault_seed" in changes:
        with settings.lock:
            settings.fault_seed = None if changes["fault_seed"] is None else int(changes["fault_seed"])
        middleware.reseed()
    return current_config()


def build_app():
    """The admin WSGI app; the config in force now is what ``/_twin/reset`` returns to."""
    initial = copy.deepcopy(current_config())

    def reset() -> dict:
        from twin import aws, gcp, link  # imported late: the clouds import the twin core this module is part of

        apply_config(initial)  # also restarts the fault draws
        middleware.disarm()
        permissions.clear()
        aws.reset()
        gcp.reset()
        link.reset()
        middleware.clear()
        clock.clear_timeline()
        return {"reset": True}

    def set_observed(body: dict) -> dict:
        from twin import link

        unknown = set(body) - {"tunnels", "sessions"}
        if unknown:
            raise BadRequest(f"unknown keys: {sorted(unknown)}; expected tunnels, sessions")
        link.set_observed({(a, b): s for a, b, s in body.get("tunnels", [])},
                          {(a, b): s for a, b, s in body.get("sessions", [])})
        return link.observed()

    def observed() -> dict:
        from twin import link

        return link.observed()

    def set_permissions(body: dict) -> dict:
        allowed = body.get("allowed")
        if set(body) != {"allowed"} or not isinstance(allowed, dict) or not all(
                v is None or isinstance(v, list) for v in allowed.values()):
            raise BadRequest("permissions take {\"allowed\": {identity: [permission, ...]}}")
        return permissions.configure(allowed)

    def arm_trap(body: dict) -> dict:
        if not isinstance(body.get("action"), str) or int(body.get("nth", 1)) < 1:
            raise BadRequest("trap takes {\"action\": \"<cloud action as counted>\", \"nth\": n >= 1}")
        return middleware.arm(body["action"], int(body.get("nth", 1))).view()

    def wait_trap(request: Request) -> dict:
        armed = middleware.trap()
        if armed is None:
            return {}
        armed.sprung.wait(min(float(request.args.get("timeout", 0)), 300.0))
        return armed.view()

    def disarm_trap() -> dict:
        middleware.disarm()
        return {}

    def clear_calls() -> dict:
        middleware.clear()
        return middleware.snapshot()

    routes = {
        ("GET", "/_twin/health"): lambda _: {"status": "ok"},
        ("GET", "/_twin/calls"): lambda _: middleware.snapshot(),
        ("DELETE", "/_twin/calls"): lambda _: clear_calls(),
        ("GET", "/_twin/config"): lambda _: current_config(),
        ("POST", "/_twin/config"): lambda request: apply_config(request.get_json(force=True) or {}),
        ("POST", "/_twin/reset"): lambda _: reset(),
        ("GET", "/_twin/observed"): lambda _: observed(),
        ("POST", "/_twin/observed"): lambda request: set_observed(request.get_json(force=True) or {}),
        ("DELETE", "/_twin/observed"): lambda _: set_observed({}),
        ("GET", "/_twin/permissions"): lambda _: permissions.snapshot(),
        ("POST", "/_twin/permissions"): lambda request: set_permissions(request.get_json(force=True) or {}),
        ("DELETE", "/_twin/permissions"): lambda _: permissions.clear(),
        ("POST", "/_twin/trap"): lambda request: arm_trap(request.get_json(force=True) or {}),
        ("GET", "/_twin/trap"): wait_trap,
        ("DELETE", "/_twin/trap"): lambda _: disarm_trap(),
        ("GET", "/_twin/timeline"): lambda _: clock.timeline(),
        ("DELETE", "/_twin/timeline"): lambda _: clock.clear_timeline() or [],
    }

    @Request.application
    def app(request: Request) -> Response:
        handler = routes.get((request.method, request.path))
        try:
            if handler is None:
                raise MethodNotAllowed() if any(p == request.path for _, p in routes) else NotFound()
            return Response(json.dumps(handler(request)), content_type="application/json")
        except (ValueError, TypeError) as exc:  # a setting that is not a number
            return _error(400, str(exc))
        except HTTPException as exc:
            return _error(exc.code, exc.description)

    return app


def _error(code: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=code, content_type="application/json")
