"""The critical path of a run's cloud work: the longest chain of waits that must happen one after another.

The twin's timeline (``GET /_twin/timeline``, twin/clock.py) lists every wait a call began, in call order, with its
duration in cloud seconds. What each kind of wait has to wait for comes from the clouds' own rules (NEEDS below,
each with its source); a wait may begin once every earlier wait it needs has finished (or, for "begun", has begun).
No scheduler can finish the run's cloud work sooner than the longest such chain, whatever it runs in parallel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATTACHMENT = r"ec2 TransitGateway(Vpc)?Attachment/(vpc|vpn) pending"

# kind of wait -> [(kind it needs, "finished" | "begun", same resource only)]
NEEDS: dict[str, list[tuple[str, str, bool]]] = {
    # CreateVpnConnection on a TGW needs the TGW available (IncorrectState otherwise) and the customer gateway's
    # IP, which is the HA VPN gateway's interface (GCP assigns it when the gateway's insert is done).
    r"ec2 TwinVpnConnection pending": [(r"ec2 TransitGateway pending", "finished", False),
                                       (r"compute insert vpnGateways", "finished", False)],
    r"ec2 TransitGatewayAttachment/vpn pending": [(r"ec2 TransitGateway pending", "finished", False),
                                                  (r"compute insert vpnGateways", "finished", False)],
    # The peer gateway holds the AWS outside IPs, known as soon as CreateVpnConnection answers.
    r"compute insert externalVpnGateways": [(r"ec2 TwinVpnConnection pending", "begun", False)],
    # A tunnel names its HA gateway, peer gateway and router (vpnTunnels.insert refuses missing ones).
    r"compute insert vpnTunnels": [(r"compute insert (vpnGateways|externalVpnGateways|routers)", "finished", False)],
    # A router interface names its tunnel; the BGP peer its interface.
    r"compute patch routers": [(r"compute insert (vpnTunnels|routers)", "finished", False)],
    # A spoke attaches to the shared TGW once it is available.
    r"ec2 TransitGatewayVpcAttachment/vpc pending": [(r"ec2 TransitGateway pending", "finished", False)],
    # Associations and propagations need the attachment available (IncorrectState otherwise), and an attachment
    # leaves its default table before it joins another (Resource.AlreadyAssociated).
    r"ec2 RouteTableAssociation/\w+ associating": [(_ATTACHMENT, "finished", True),
                                                   (r"ec2 RouteTableAssociation/\w+ disassociating", "finished", True)],
    r"ec2 RouteTableAssociation/\w+ disassociating": [(r"ec2 RouteTableAssociation/\w+ associating", "finished",
                                                       True)],
    r"ec2 RouteTablePropagation/\w+ enabling": [(_ATTACHMENT, "finished", True)],
    # A service project attaches to an enabled host project.
    r"compute enableXpnResource projects": [(r"compute enableXpnHost projects", "finished", False)],
    # Teardown: a TGW is deleted once nothing is attached (IncorrectState), a route table once nothing is
    # associated or propagated; GCP refuses to delete a gateway or router a tunnel still uses
    # (resourceInUseByAnotherResource), and a host project with service projects attached.
    r"ec2 TransitGateway deleting": [
        (r"ec2 (TransitGateway\w*Attachment/\w+|TwinVpnConnection|TransitGatewayRouteTable) deleting", "finished",
         False)],
    r"ec2 TransitGatewayRouteTable deleting": [
        (r"ec2 RouteTable\w+/\w+ (disassociating|disabling)", "finished", False)],
    r"compute delete (vpnGateways|externalVpnGateways|routers)": [(r"compute delete vpnTunnels", "finished", False)],
    r"compute disableXpnHost projects": [(r"compute disableXpnResource projects", "finished", False)],
}


@dataclass
class Path:
    seconds: float  # cloud seconds at latency scale 1
    chain: list[str]  # the waits on it, first to last: "<what> <id> (<seconds> s)"


def critical_path(timeline: list[dict]) -> Path:
    """The longest chain of ``timeline`` (call order) under NEEDS.

    >>> critical_path([{"what": "ec2 TransitGateway pending", "id": "tgw-1", "seconds": 60},
    ...                {"what": "compute insert vpnGateways", "id": "gw", "seconds": 5},
    ...                {"what": "ec2 TwinVpnConnection pending", "id": "vpn-1", "seconds": 300}]).seconds
    360.0
    """
    rules = [(re.compile(kind), [(re.compile(k), how, same) for k, how, same in needs])
             for kind, needs in NEEDS.items()]
    begins: list[float] = []
    ends: list[float] = []
    before: list[int | None] = []
    for i, wait in enumerate(timeline):
        needs = next((n for kind, n in rules if kind.fullmatch(wait["what"])), [])
        start, after = 0.0, None
        for j in range(i):
            earlier = timeline[j]
            for kind, how, same in needs:
                if kind.fullmatch(earlier["what"]) and (not same or earlier["id"] == wait["id"]):
                    at = ends[j] if how == "finished" else begins[j]
                    if at > start:
                        start, after = at, j
        begins.append(start)
        ends.append(start + wait["seconds"])
        before.append(after)
    if not timeline:
        return Path(0, [])
    last = max(range(len(timeline)), key=ends.__getitem__)
    chain, at = [], last
    while at is not None:
        chain.append(f"{timeline[at]['what']} {timeline[at]['id']} ({timeline[at]['seconds']:g} s)")
        at = before[at]
    return Path(ends[last], chain[::-1])
