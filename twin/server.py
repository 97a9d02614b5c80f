"""One process serving every part of the twin, each on its own 127.0.0.1 listener."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass

from werkzeug.serving import make_server

from twin import config


@dataclass
class Ports:
    aws: int = 18566  # AWS endpoint (AWS_ENDPOINT_URL)
    proxy: int = 18567  # HTTPS proxy for *.googleapis.com
    admin: int = 18568  # /_twin/* admin and call counter
    gcp: int = 18569  # Compute API behind the proxy (plain HTTP, loopback only)


def _serve(app, port: int, name: str):
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return server


def start(ports: Ports, state_dir: str) -> list:
    """Start every listener; return the server objects (each has ``shutdown()``)."""
    from twin import admin, aws, gcp, middleware, proxy

    servers = [
        _serve(middleware.wrap("aws", aws.build_app()), ports.aws, "twin-aws"),
        _serve(middleware.wrap("gcp", gcp.build_app()), ports.gcp, "twin-gcp"),
        _serve(admin.build_app(), ports.admin, "twin-admin"),
    ]
    servers.append(proxy.start(ports.proxy, upstream_port=ports.gcp, state_dir=state_dir))
    return servers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="twin serve")
    parser.add_argument("--state-dir", default=".twin")
    parser.add_argument("--seed", default=None)
    parser.add_argument("--latency-scale", type=float, default=float(os.environ.get("TWIN_LATENCY_SCALE", "0")))
    for name, default in vars(Ports()).items():
        parser.add_argument(f"--{name}-port", type=int, default=default)
    args = parser.parse_args(argv)
    os.makedirs(args.state_dir, exist_ok=True)
    fault = float(os.environ.get("TWIN_FAULT_RATE", "0"))
    config.configure(seed=config.load_seed(args.seed), latency_scale=args.latency_scale,
                     fault_rate={"aws": fault, "gcp": fault})
    ports = Ports(**{n: getattr(args, f"{n}_port") for n in vars(Ports())})
    servers = start(ports, args.state_dir)
    print(json.dumps({"ready": True, "ports": vars(ports)}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
