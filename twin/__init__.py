"""Local cloud twin: AWS (moto, extended) and a Compute Engine v1 API, linked so that
tunnel and BGP status depend on what both halves are configured with.

Run it with ``python -m twin up`` / ``python -m twin down`` (PYTHONPATH=tests), or ``make twin-up``.
"""
