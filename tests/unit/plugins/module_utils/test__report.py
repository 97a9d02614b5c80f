"""The report's picture: a well-formed SVG with both clouds, the four tunnels, the spokes, the host VPC and its
service projects, each coloured by what was verified, and never a key."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from unit.plugins.module_utils.test__verify import aws_tunnels, connection, gcp_side, topology, trace

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._report import COLOURS, topology_svg
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._verify import aws_vpn_check, gcp_vpn_check

SVG = "{http://www.w3.org/2000/svg}"


def picture(paths=None, aws_statuses=("UP", "UP")):
    aws = aws_vpn_check([connection("vpn-if0", 0, statuses=aws_statuses), connection("vpn-if1", 1)],
                        ["vpn-if0", "vpn-if1"], "tgw-0abc")
    gcp = gcp_vpn_check(aws_tunnels(), *gcp_side(), "aws")
    return {"environment": "sandbox", "aws": {**aws, "transit_gateway_id": "tgw-0abc", "amazon_side_asn": 64512},
            "gcp": {**gcp, "project": "cb-net-host", "router": "cr-aws", "asn": 65000},
            "paths": trace(topology())["paths"] if paths is None else paths,
            "shared_vpc": {"network": "vpc-hub", "service_projects": ["cb-svc-ml", "cb-svc-api"]}}


def texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def boxes(svg: str, colour: str) -> list[str]:
    """The first line of every box drawn in ``colour``'s stroke (the legend left out)."""
    root, found = ET.fromstring(svg), []
    children = list(root)
    for i, node in enumerate(children):
        if node.tag == f"{SVG}rect" and node.get("stroke") == colour and node.get("fill") != "none":
            following = children[i + 1] if i + 1 < len(children) else None
            if following is not None and following.tag == f"{SVG}text":
                found.append(following.text)
    return found[1:]  # the legend's box of that colour comes first


def test_everything_verified_is_drawn_green():
    svg = topology_svg(picture())
    words = texts(svg)
    for expected in ("AWS", "Google Cloud", "Transit Gateway", "tgw-0abc", "news-prod", "10.20.0.0/16",
                     "aws-tunnel-3", "subnetwork hub-tokyo", "connector svpc-tokyo", "cb-svc-ml", "ASN 65000"):
        assert expected in words
    assert [w for w in words if w.startswith("tunnel ")] == ["tunnel 0", "tunnel 1", "tunnel 2", "tunnel 3"]
    assert boxes(svg, COLOURS[False][0]) == [] and "news-prod" in boxes(svg, COLOURS[True][0])


def test_a_tunnel_down_on_aws_and_a_broken_path_are_drawn_red_and_no_key_is_drawn():
    t = topology()
    t["spokes"][0]["vpcs"][0]["route_tables"][0]["routes"].pop(1)
    svg = topology_svg(picture(paths=trace(t)["paths"], aws_statuses=("UP", "DOWN")))
    failing = boxes(svg, COLOURS[False][0])
    assert failing == ["Transit Gateway", "news-prod", "tunnel 1", "host VPC vpc-hub (cb-net-host)",
                       "subnetwork hub-tokyo"]
    assert not any(key in svg for key in (t["pre_shared_key"] for t in aws_tunnels()))


def test_nothing_verified_is_drawn_grey():
    svg = topology_svg({"environment": "sandbox", "shared_vpc": {
        "subnetworks": [{"name": "hub-tokyo", "ip_cidr_range": "10.100.0.0/20"}]}})
    assert "subnetwork hub-tokyo" in boxes(svg, COLOURS[None][0]) and "not found" in texts(svg)
