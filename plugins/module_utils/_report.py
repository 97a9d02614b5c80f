# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's topology picture: pure SVG text from the verified facts (no I/O, no outside service, no key)."""

from __future__ import annotations

from xml.sax.saxutils import escape

# Verified status -> (stroke, fill): up, down, not verified.
COLOURS = {True: ("#2e7d32", "#e8f5e9"), False: ("#c62828", "#ffebee"), None: ("#757575", "#f5f5f5")}
WIDTH = 1280


def _ok(value) -> bool | None:
    return None if value is None else bool(value)


class _Svg:
    def __init__(self):
        self.parts = []

    def box(self, x, y, w, h, lines, ok=None, bold_first=True, radius=6, dash=False):
        stroke, fill = COLOURS[_ok(ok)]
        dashes = ' stroke-dasharray="6 4"' if dash else ""
        self.parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}" fill="{fill}" '
                          f'stroke="{stroke}" stroke-width="2"{dashes}/>')
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if bold_first and i == 0 else ""
            self.text(x + 8, y + 18 + 16 * i, line, extra=weight)

    def panel(self, x, y, w, h, title, colour):
        self.parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="none" stroke="{colour}" '
                          'stroke-width="3"/>')
        self.text(x + 12, y + 26, title, size=18, extra=f' font-weight="bold" fill="{colour}"')

    def line(self, x1, y1, x2, y2, ok=None, width=3, label=None):
        stroke = COLOURS[_ok(ok)][0]
        self.parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{stroke}" stroke-width="{width}"/>')
        if label:
            self.text((x1 + x2) / 2 - 60, (y1 + y2) / 2 - 5, label, size=11, extra=f' fill="{stroke}"')

    def text(self, x, y, text, size=13, extra=""):
        self.parts.append(f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}"{extra}>{escape(str(text))}</text>')

    def document(self, height) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
                f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n'
                f'<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(self.parts) + "\n</svg>\n")


def _by(paths: list[dict], key, view) -> list[dict]:
    """One entry per distinct ``key(path)``, ``ok`` when every path through it is traced both ways."""
    found = {}
    for path in paths:
        entry = found.setdefault(key(path), {**view(path), "ok": True})
        entry["ok"] = entry["ok"] and path["to_gcp"]["ok"] and path["to_aws"]["ok"]
    return list(found.values())


def topology_svg(picture: dict) -> str:
    """``picture``: ``{environment, aws: aws_tgw_vpn_verification, gcp: gcp_ha_vpn_verification, paths:
    hybrid_vpn_trace paths, shared_vpc: the gcp_shared_vpc fact}``; any may be missing (not verified: grey).
    Spokes and shared destinations are coloured by the paths through them; tunnels by both clouds' status."""
    aws, gcp = picture.get("aws") or {}, picture.get("gcp") or {}
    paths, shared = picture.get("paths") or [], picture.get("shared_vpc") or {}
    spokes = _by(paths, lambda p: p["vpc_id"], lambda p: {"host": p.get("spoke"), "vpc": p["vpc"],
                                                          "cidr": p["vpc_cidr"]})
    dests = _by(paths, lambda p: p["destination"], lambda p: {"name": p["destination"], "kind": p["kind"],
                                                              "range": p["range"]})
    if not dests:
        dests = ([{"name": d["name"], "kind": "subnetwork", "range": d.get("ip_cidr_range"), "ok": None}
                  for d in shared.get("subnetworks") or []]
                 + [{"name": d["name"], "kind": "connector", "range": d.get("ip_cidr_range"), "ok": None}
                    for d in shared.get("connectors") or []])
    services = [{"project": p, "ok": True} for p in shared.get("service_projects") or []]
    aws_rows = {r["outside_ip"]: r for r in aws.get("rows") or []}
    gcp_rows = sorted(gcp.get("rows") or [], key=lambda r: r["peer_interface"])
    svg = _Svg()
    svg.text(20, 30, f"AWS Transit Gateway <-> GCP HA VPN: {picture.get('environment', '')}", size=20,
             extra=' font-weight="bold"')
    legend = [("verified up", True), ("down / failing", False), ("not verified", None)]
    for i, (label, ok) in enumerate(legend):
        svg.box(760 + 170 * i, 10, 160, 28, [label], ok=ok, bold_first=False)
    top = 60

    # AWS: the spokes on the left, the TGW in the middle, the VPN connections' tunnels on the right edge.
    tgw_ok = _all([r.get("status") == "UP" for r in aws_rows.values()]) if aws_rows else None
    tgw_y = top + 60
    tgw_lines = ["Transit Gateway", aws.get("transit_gateway_id") or "not found",
                 f"ASN {aws.get('amazon_side_asn', '?')}"]
    svg.box(195, tgw_y, 180, 134, tgw_lines, ok=tgw_ok)
    for i, spoke in enumerate(spokes):
        y = top + 50 + 90 * i
        svg.box(25, y, 160, 70, [spoke.get("vpc", ""), spoke.get("cidr", ""), spoke.get("host", "")],
                ok=spoke.get("ok"))
        svg.line(185, y + 35, 195, tgw_y + 60, ok=spoke.get("ok"))
    # Tunnels: AWS outside IP (right edge of the AWS panel) to the GCP tunnel (left edge of the GCP panel).
    gateway_y = top + 60
    for row in gcp_rows:
        i = row["peer_interface"]
        y = top + 60 + 100 * i
        aws_row = aws_rows.get(row.get("outside_ip"), {})
        aws_ok = None if not aws_row else aws_row.get("status") == "UP"
        svg.box(390, y, 150, 70, [f"tunnel {i}", row.get("outside_ip") or "?",
                                  f"AWS {aws_row.get('status', '?')}"], ok=aws_ok)
        svg.line(375, tgw_y + 60, 390, y + 35, ok=aws_ok, width=2)
        gcp_ok = None if row.get("status") is None else (
            row.get("status") == "ESTABLISHED" and row.get("bgp_status") == "UP")
        svg.box(740, y, 182, 70, [row["tunnel"], f"{row.get('status') or 'missing'}",
                                  f"BGP {row.get('bgp_status') or '?'} ({row.get('learned_routes', 0)} routes)"],
                ok=gcp_ok)
        both = None if aws_ok is None or gcp_ok is None else (aws_ok and gcp_ok)
        svg.line(540, y + 35, 740, y + 35, ok=both, width=4,
                 label=f"{row.get('inside_cidr') or ''} if{row.get('gcp_interface', '?')}")
    # GCP: HA gateway + Cloud Router, then the host VPC with its subnetworks and connectors, then service projects.
    router_ok = _all([r.get("bgp_status") == "UP" for r in gcp_rows]) if gcp_rows else None
    svg.box(930, gateway_y, 320, 70, [f"HA VPN gateway + Cloud Router {gcp.get('router', '')}",
                                      f"ASN {gcp.get('asn', '?')}",
                                      f"{sum(r.get('learned_routes', 0) for r in gcp_rows)} routes learned"],
            ok=router_ok)
    for row in gcp_rows:
        svg.line(922, top + 95 + 100 * row["peer_interface"], 930, gateway_y + 35,
                 ok=None if row.get("bgp_status") is None else row.get("bgp_status") == "UP", width=2)
    vpc_y = gateway_y + 100
    vpc_h = 40 + 60 * max(len(dests), 1)
    dests_ok = _all([d.get("ok") for d in dests]) if dests else None
    network = (gcp.get("network") or shared.get("network") or "").rsplit("/", 1)[-1]
    svg.box(930, vpc_y, 320, vpc_h, [f"host VPC {network} ({gcp.get('project', '')})"], ok=dests_ok)
    svg.line(1090, gateway_y + 70, 1090, vpc_y, ok=router_ok)
    for i, dest in enumerate(dests):
        svg.box(945, vpc_y + 30 + 60 * i, 290, 50, [f"{dest.get('kind', 'subnetwork')} {dest['name']}",
                                                    dest.get("range", "")], ok=dest.get("ok"))
    if not dests:
        svg.text(945, vpc_y + 50, "no shared subnetwork or connector configured", size=12)
    svc_y = vpc_y + vpc_h + 20
    for i, service in enumerate(services):
        x, y = 930 + 165 * (i % 2), svc_y + 60 * (i // 2)
        svg.line(x + 77, y, x + 77, svc_y - 20, ok=service["ok"], width=2)
        svg.box(x, y, 155, 50, ["service project", service["project"]], ok=service["ok"], dash=True)
    bottom = max(top + 470, top + 130 + 90 * len(spokes), svc_y + 60 * ((len(services) + 1) // 2))
    svg.panel(10, top, 540, bottom - top, "AWS", "#ff9900")
    svg.panel(730, top, 540, bottom - top, "Google Cloud", "#4285f4")
    return svg.document(bottom + 10)


def _all(values: list) -> bool | None:
    if any(v is None for v in values):
        return None
    return all(values)
