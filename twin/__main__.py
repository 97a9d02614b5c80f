"""``python -m twin up|down|env``: run the twin as one background process (PYTHONPATH=tests).

``up`` starts ``python -m twin.server`` detached, waits until its listeners answer and writes
``<state>/env`` (``. .twin/env`` points boto3, requests and googleapiclient at the twin).
``down`` stops the process recorded in ``<state>/twin.pid``; ``env`` prints the env file's path.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from twin import ca, config
from twin.server import Ports

_PACKAGE_PARENT = Path(__file__).resolve().parents[1]  # the directory that makes "twin" importable
_READY_TIMEOUT = 60.0
_STOP_TIMEOUT = 10.0
# The probes go straight to 127.0.0.1, whatever proxy the caller's environment names.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _state(state_dir) -> dict[str, Path]:
    root = Path(state_dir).resolve()
    return {name: root / f for name, f in
            {"pid": "twin.pid", "ports": "ports.json", "env": "env", "log": "twin.log"}.items()}


def free_ports() -> Ports:
    """Ports nothing listens on right now (for a twin beside another one)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in vars(Ports())]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return Ports(*(sock.getsockname()[1] for sock in socks))


def running_pid(state_dir) -> int | None:
    """The twin's pid if the pid file names a live twin server process."""
    try:
        pid = int(_state(state_dir)["pid"].read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    # A recycled pid or an unreaped zombie is not our twin.
    return pid if b"twin.server" in cmdline and state != "Z" else None


def up(state_dir, ports: Ports | None = None, latency_scale: float = 0.0, seed: str | None = None) -> dict:
    """Start the twin unless it already runs; write and return its env (name -> value)."""
    paths = _state(state_dir)
    paths["env"].parent.mkdir(parents=True, exist_ok=True)
    pid = running_pid(state_dir)
    if pid is not None:
        print(f"twin already running (pid {pid})", file=sys.stderr)
        ports = Ports(**json.loads(paths["ports"].read_text()))
    else:
        ports = ports or Ports()
        process = _spawn(paths, ports, latency_scale, seed)
        paths["pid"].write_text(str(process.pid))
        paths["ports"].write_text(json.dumps(vars(ports)))
        _wait_ready(paths, process, ports)
    env = twin_env(state_dir, ports, config.load_seed(seed))
    paths["env"].write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
    return env


def _spawn(paths: dict, ports: Ports, latency_scale: float, seed: str | None) -> subprocess.Popen:
    args = [sys.executable, "-m", "twin.server", "--state-dir", str(paths["env"].parent),
            "--latency-scale", str(latency_scale)]
    args += [f"--{name}-port={port}" for name, port in vars(ports).items()]
    if seed:
        args += ["--seed", str(Path(seed).resolve())]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_PARENT),
                                                                     os.environ.get("PYTHONPATH")]))}
    with open(paths["log"], "ab") as log:
        # A new session: the twin outlives this command and ignores the terminal's Ctrl-C.
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                start_new_session=True, cwd=paths["env"].parent)


def _wait_ready(paths: dict, process: subprocess.Popen, ports: Ports) -> None:
    probes = [f"http://127.0.0.1:{ports.admin}/_twin/health",
              f"http://127.0.0.1:{ports.aws}/",
              f"http://127.0.0.1:{ports.proxy}/"]  # the proxy answers 403 to anything but CONNECT
    deadline = time.monotonic() + _READY_TIMEOUT
    while probes:
        if process.poll() is not None:
            raise SystemExit(f"twin exited while starting; see {paths['log']}:\n{_tail(paths['log'])}")
        if time.monotonic() > deadline:
            stop(paths["env"].parent)
            raise SystemExit(f"twin not ready after {_READY_TIMEOUT:.0f} s ({probes[0]}); see {paths['log']}")
        if _answers(probes[0]):
            probes.pop(0)
        else:
            time.sleep(0.1)
    # The probes are not API calls: start the counters from zero.
    _LOCAL.open(urllib.request.Request(f"http://127.0.0.1:{ports.admin}/_twin/calls", method="DELETE"))


def _answers(url: str) -> bool:
    """True when an HTTP server answers at ``url``, whatever its status."""
    try:
        with _LOCAL.open(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def twin_env(state_dir, ports: Ports, seed: dict) -> dict[str, str]:
    """What a shell, a test or ansible-playbook needs to talk to the twin with ordinary clients."""
    bundle = str(ca.files(state_dir).bundle)
    host_project = next(p["id"] for p in seed["gcp"]["projects"] if p.get("role") == "host")
    hub = next(a for a in seed["aws"]["accounts"] if a.get("role") == "hub")["credentials"]
    proxy = f"http://127.0.0.1:{ports.proxy}"
    no_proxy = "127.0.0.1,localhost"
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports.aws}",
        # The hub operator's key (seed.yml): the twin refuses keys it does not know, as AWS does.
        "AWS_ACCESS_KEY_ID": hub["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": hub["secret_access_key"],
        "AWS_DEFAULT_REGION": seed["aws"]["default_region"],
        "AWS_REGION": seed["aws"]["default_region"],
        # requests and httplib2 read the lower-case names first: set both so a stale one cannot win.
        "HTTPS_PROXY": proxy,
        "https_proxy": proxy,
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
        "REQUESTS_CA_BUNDLE": bundle,
        "HTTPLIB2_CA_CERTS": bundle,
        "GCP_AUTH_KIND": "accesstoken",
        "GCP_ACCESS_TOKEN": seed["gcp"]["principals"][0]["token"],
        "GCP_PROJECT": host_project,
        "GCP_REGION": seed["gcp"]["default_region"],
        "TWIN_ADMIN_URL": f"http://127.0.0.1:{ports.admin}",
    }


def stop(state_dir) -> bool:
    """SIGTERM the twin, SIGKILL it after 10 s; True if one was running. Idempotent."""
    paths = _state(state_dir)
    pid = running_pid(state_dir)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT
        while running_pid(state_dir) == pid and time.monotonic() < deadline:
            time.sleep(0.1)
        if running_pid(state_dir) == pid:
            os.kill(pid, signal.SIGKILL)
    paths["pid"].unlink(missing_ok=True)
    return pid is not None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twin")
    commands = parser.add_subparsers(dest="command", required=True)
    up_cmd = commands.add_parser("up", help="start the twin in the background and write <state>/env")
    up_cmd.add_argument("--latency-scale", type=float, default=float(os.environ.get("TWIN_LATENCY_SCALE", "0")))
    up_cmd.add_argument("--seed", default=None, help="seed YAML (default: $TWIN_SEED or the sandbox inventory's)")
    for name, default in vars(Ports()).items():
        up_cmd.add_argument(f"--{name}-port", type=int, default=default)
    up_cmd.add_argument("--free-ports", action="store_true",
                        help="ports nothing listens on now, instead of the --*-port ones (a twin beside others)")
    commands.add_parser("down", help="stop the twin")
    commands.add_parser("env", help="print the path of <state>/env")
    for sub in commands.choices.values():
        sub.add_argument("--state-dir", default=".twin")
    args = parser.parse_args(argv)

    if args.command == "up":
        ports = free_ports() if args.free_ports else Ports(**{name: getattr(args, f"{name}_port")
                                                              for name in vars(Ports())})
        up(args.state_dir, ports, args.latency_scale, args.seed)
        print(_state(args.state_dir)["env"])
    elif args.command == "down":
        print("twin stopped" if stop(args.state_dir) else "twin was not running")
    else:
        print(_state(args.state_dir)["env"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
