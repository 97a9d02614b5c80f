"""`python -m protocol [-- COMMAND...]` on a running twin (`. .twin/env`) after site.yml: read back what the
collection configured, bring it up with strongSwan and FRR, print the states they report, feed them to the
twin, run COMMAND (e.g. ansible-playbook ... playbooks/verify.yml) while everything is up, then end it all.
`make demo TWIN_PROTOCOL=1` runs it with verify.yml. Needs what the tier needs (root, /dev/net/tun, packages).
"""

from __future__ import annotations

import os
import subprocess
import sys

import boto3
import google.oauth2.credentials
from google.auth.transport.requests import AuthorizedSession

from protocol import lab as lab_module
from protocol import readback
from protocol.driver import feed, forget, sandbox


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    reason = lab_module.missing()
    if reason:
        print(f"protocol: cannot run here: {reason}", file=sys.stderr)
        return 2
    settings = sandbox()
    gcp = AuthorizedSession(google.oauth2.credentials.Credentials(os.environ["GCP_ACCESS_TOKEN"]))
    config = readback.read(boto3.session.Session().client("ec2"), gcp, settings["gcp_project"],
                           settings["gcp_region"], tgw_name=settings["name"])
    lab = lab_module.Lab()
    try:
        seconds = lab.start(config)
        print(f"protocol: 4 tunnels and BGP sessions up in {seconds:.2f} s (IKE/CHILD/BGP: GCP side/AWS side)")
        states = lab.states()
        print("\n".join(s.line() for s in states))
        feed(os.environ["TWIN_ADMIN_URL"], config, states)
        return subprocess.run(command, check=False).returncode if command else 0
    finally:
        lab.close()
        forget(os.environ["TWIN_ADMIN_URL"])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
