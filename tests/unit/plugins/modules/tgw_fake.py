"""In-memory RAM and EC2 (Transit Gateway route tables, attachments, VPC route tables) for the multi-account
modules' main() (unit tests only). Like the twin, associations and propagations are listed once in their
transitional state, then settled; a second association or a duplicate propagation is refused."""

from __future__ import annotations

import copy
from unittest import mock

import pytest
from ansible_collections.amazon.aws.plugins.module_utils import modules
from unit.plugins.modules.ec2_fake import client_error

TGW = "tgw-0123"
SETTLE = {"associating": "associated", "enabling": "enabled", "disassociating": None, "disabling": None}


class Recorder:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.errors: dict[str, Exception] = {}

    def record(self, name, kwargs):
        self.calls.append((name, copy.deepcopy(kwargs)))
        if name in self.errors:
            raise self.errors[name]

    def mutations(self) -> list[str]:
        return [n for n, _unused in self.calls if not n.startswith(("describe_", "get_", "search_", "list_"))]


class FakeRam(Recorder):
    def __init__(self):
        super().__init__()
        self.shares: dict[str, dict] = {}
        self.links: dict[str, dict] = {}  # arn -> {"RESOURCE": {entity: status}, "PRINCIPAL": {...}}
        self.invitations: list[dict] = []

    def add_share(self, name, resources=(), principals=(), allow_external=False, status="ASSOCIATED"):
        arn = self._new_share(name, resources, principals, allow_external, status)
        self.calls.clear()
        return arn

    def _new_share(self, name, resources, principals, allow_external, status):
        arn = f"arn:aws:ram:ap-northeast-1:111111111111:resource-share/{len(self.shares)}"
        self.shares[arn] = {"resourceShareArn": arn, "name": name, "status": "ACTIVE",
                            "allowExternalPrincipals": allow_external, "owningAccountId": "111111111111"}
        self.links[arn] = {"RESOURCE": {r: "ASSOCIATED" for r in resources},
                           "PRINCIPAL": {p: status for p in principals}}
        return arn

    def get_resource_shares(self, **kw):
        self.record("get_resource_shares", kw)
        return {"resourceShares": [copy.deepcopy(s) for s in self.shares.values() if s["name"] == kw.get("name")]}

    def get_resource_share_associations(self, **kw):
        self.record("get_resource_share_associations", kw)
        return {"resourceShareAssociations": [
            {"associatedEntity": e, "status": st, "associationType": kw["associationType"]}
            for arn in kw["resourceShareArns"] for e, st in self.links[arn][kw["associationType"]].items()]}

    def create_resource_share(self, **kw):
        self.record("create_resource_share", kw)
        arn = self._new_share(kw["name"], kw["resourceArns"], kw["principals"], kw["allowExternalPrincipals"],
                              "ASSOCIATING")
        return {"resourceShare": copy.deepcopy(self.shares[arn])}

    def update_resource_share(self, **kw):
        self.record("update_resource_share", kw)
        self.shares[kw["resourceShareArn"]]["allowExternalPrincipals"] = kw["allowExternalPrincipals"]
        return {"resourceShare": copy.deepcopy(self.shares[kw["resourceShareArn"]])}

    def associate_resource_share(self, **kw):
        self.record("associate_resource_share", kw)
        links = self.links[kw["resourceShareArn"]]
        links["RESOURCE"].update({r: "ASSOCIATED" for r in kw["resourceArns"]})
        links["PRINCIPAL"].update({p: "ASSOCIATING" for p in kw["principals"]})
        return {}

    def disassociate_resource_share(self, **kw):
        self.record("disassociate_resource_share", kw)
        links = self.links[kw["resourceShareArn"]]
        for r in kw["resourceArns"]:
            links["RESOURCE"][r] = "DISASSOCIATED"
        for p in kw["principals"]:
            links["PRINCIPAL"][p] = "DISASSOCIATED"
        return {}

    def delete_resource_share(self, **kw):
        self.record("delete_resource_share", kw)
        self.shares[kw["resourceShareArn"]]["status"] = "DELETED"
        return {"returnValue": True}

    def get_resource_share_invitations(self, **kw):
        self.record("get_resource_share_invitations", kw)
        return {"resourceShareInvitations": copy.deepcopy(self.invitations)}

    def _answer(self, name, kw, status):
        self.record(name, kw)
        invitation = next(i for i in self.invitations if i["resourceShareInvitationArn"] == kw[
            "resourceShareInvitationArn"])
        invitation["status"] = status
        return {"resourceShareInvitation": copy.deepcopy(invitation)}

    def accept_resource_share_invitation(self, **kw):
        return self._answer("accept_resource_share_invitation", kw, "ACCEPTED")

    def reject_resource_share_invitation(self, **kw):
        return self._answer("reject_resource_share_invitation", kw, "REJECTED")


class FakeEc2(Recorder):
    def __init__(self):
        super().__init__()
        self.attachments: dict[str, dict] = {}
        self.tables: dict[str, dict] = {}
        self.vpc_tables: dict[str, dict] = {}
        self.slow: dict[str, int] = {}  # attachment id -> reads its link stays in a transitional state

    # --- attachments ---
    def add_attachment(self, attachment_id, owner, state="available", resource_id=None, resource_type="vpc"):
        self.attachments[attachment_id] = {"TransitGatewayAttachmentId": attachment_id, "TransitGatewayId": TGW,
                                           "ResourceOwnerId": owner, "ResourceId": resource_id or f"vpc-{owner}",
                                           "ResourceType": resource_type, "State": state}
        self.calls.clear()

    def describe_transit_gateway_attachments(self, TransitGatewayAttachmentIds=None, Filters=None):
        self.record("describe_transit_gateway_attachments", {"ids": TransitGatewayAttachmentIds, "Filters": Filters})
        found = [a for a in self.attachments.values()
                 if TransitGatewayAttachmentIds is None
                 or a["TransitGatewayAttachmentId"] in TransitGatewayAttachmentIds]
        for flt in Filters or []:
            key = {"resource-type": "ResourceType", "resource-id": "ResourceId", "state": "State",
                   "transit-gateway-id": "TransitGatewayId"}[flt["Name"]]
            found = [a for a in found if a[key] in flt["Values"]]
        shown = []
        for attachment in found:
            view = copy.deepcopy(attachment)
            table = next((t for t in self.tables.values() if attachment["TransitGatewayAttachmentId"] in
                          t["associations"]), None)
            if table:
                state = table["associations"][attachment["TransitGatewayAttachmentId"]]
                view["Association"] = {"TransitGatewayRouteTableId": table["id"], "State": state}
                if state == "disassociating":  # listed once so, then gone
                    del table["associations"][attachment["TransitGatewayAttachmentId"]]
            shown.append(view)
            if attachment["State"] == "pending":
                attachment["State"] = "available"
        return {"TransitGatewayAttachments": shown}

    def accept_transit_gateway_vpc_attachment(self, **kw):
        self.record("accept_transit_gateway_vpc_attachment", kw)
        self.attachments[kw["TransitGatewayAttachmentId"]]["State"] = "pending"
        return {}

    def reject_transit_gateway_vpc_attachment(self, **kw):
        self.record("reject_transit_gateway_vpc_attachment", kw)
        self.attachments[kw["TransitGatewayAttachmentId"]]["State"] = "rejected"
        return {}

    def delete_transit_gateway_vpc_attachment(self, **kw):
        self.record("delete_transit_gateway_vpc_attachment", kw)
        self.attachments[kw["TransitGatewayAttachmentId"]]["State"] = "deleting"
        for table in self.tables.values():
            table["associations"].pop(kw["TransitGatewayAttachmentId"], None)
        return {}

    # --- route tables ---
    def add_table(self, name, routes=None, associations=(), propagations=()):
        table_id = self._new_table(name, routes, associations, propagations)
        self.calls.clear()
        return table_id

    def _new_table(self, name, routes=None, associations=(), propagations=()):
        table_id = f"tgw-rtb-{len(self.tables)}"
        self.tables[table_id] = {"id": table_id, "name": name, "routes": dict(routes or {}),
                                 "associations": {a: "associated" for a in associations},
                                 "propagations": {p: "enabled" for p in propagations}}
        return table_id

    def describe_transit_gateway_route_tables(self, Filters=None):
        self.record("describe_transit_gateway_route_tables", {"Filters": Filters})
        names = next((f["Values"] for f in Filters if f["Name"] == "tag:Name"), None)
        return {"TransitGatewayRouteTables": [{"TransitGatewayRouteTableId": t["id"], "State": "available",
                                               "Tags": [{"Key": "Name", "Value": t["name"]}]}
                                              for t in self.tables.values() if names is None or t["name"] in names]}

    def create_transit_gateway_route_table(self, **kw):
        self.record("create_transit_gateway_route_table", kw)
        name = kw["TagSpecifications"][0]["Tags"][0]["Value"]
        table_id = self._new_table(name)
        return {"TransitGatewayRouteTable": {"TransitGatewayRouteTableId": table_id}}

    def delete_transit_gateway_route_table(self, **kw):
        self.record("delete_transit_gateway_route_table", kw)
        table = self.tables[kw["TransitGatewayRouteTableId"]]
        if table["associations"] or table["propagations"]:
            raise client_error("IncorrectState", "in use", "DeleteTransitGatewayRouteTable")
        del self.tables[kw["TransitGatewayRouteTableId"]]
        return {}

    def search_transit_gateway_routes(self, **kw):
        self.record("search_transit_gateway_routes", kw)
        routes = []
        for cidr, target in self.tables[kw["TransitGatewayRouteTableId"]]["routes"].items():
            blackhole = target == "blackhole"
            routes.append({"DestinationCidrBlock": cidr, "Type": "static", "State": "blackhole"} if blackhole
                          else {"DestinationCidrBlock": cidr, "Type": "static", "State": "active",
                                "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": target}]})
        return {"Routes": routes}

    def _route(self, name, kw, exists):
        self.record(name, kw)
        routes = self.tables[kw["TransitGatewayRouteTableId"]]["routes"]
        if (kw["DestinationCidrBlock"] in routes) != exists:
            raise client_error("RouteAlreadyExists" if not exists else "InvalidRoute.NotFound", "", name)
        routes[kw["DestinationCidrBlock"]] = "blackhole" if kw.get("Blackhole") else kw["TransitGatewayAttachmentId"]
        return {}

    def create_transit_gateway_route(self, **kw):
        return self._route("create_transit_gateway_route", kw, exists=False)

    def replace_transit_gateway_route(self, **kw):
        return self._route("replace_transit_gateway_route", kw, exists=True)

    def delete_transit_gateway_route(self, **kw):
        self.record("delete_transit_gateway_route", kw)
        del self.tables[kw["TransitGatewayRouteTableId"]]["routes"][kw["DestinationCidrBlock"]]
        return {}

    def _links(self, kind, table_id):
        shown = [{"TransitGatewayAttachmentId": a, "State": s} for a, s in self.tables[table_id][kind].items()]
        links = self.tables[table_id][kind]
        for attachment_id, state in list(links.items()):
            if self.slow.get(attachment_id):  # still in its transitional state at the next read
                self.slow[attachment_id] -= 1
            elif state in SETTLE:
                if SETTLE[state]:
                    links[attachment_id] = SETTLE[state]
                else:
                    del links[attachment_id]
        return shown

    def get_transit_gateway_route_table_associations(self, **kw):
        self.record("get_transit_gateway_route_table_associations", kw)
        return {"Associations": self._links("associations", kw["TransitGatewayRouteTableId"])}

    def get_transit_gateway_route_table_propagations(self, **kw):
        self.record("get_transit_gateway_route_table_propagations", kw)
        return {"TransitGatewayRouteTablePropagations": self._links("propagations", kw["TransitGatewayRouteTableId"])}

    def associate_transit_gateway_route_table(self, **kw):
        self.record("associate_transit_gateway_route_table", kw)
        if any(kw["TransitGatewayAttachmentId"] in t["associations"] for t in self.tables.values()):
            raise client_error("Resource.AlreadyAssociated", "", "AssociateTransitGatewayRouteTable")
        self.tables[kw["TransitGatewayRouteTableId"]]["associations"][kw["TransitGatewayAttachmentId"]] = "associating"
        return {}

    def disassociate_transit_gateway_route_table(self, **kw):
        self.record("disassociate_transit_gateway_route_table", kw)
        self.tables[kw["TransitGatewayRouteTableId"]]["associations"][kw["TransitGatewayAttachmentId"]] = \
            "disassociating"
        return {}

    def enable_transit_gateway_route_table_propagation(self, **kw):
        self.record("enable_transit_gateway_route_table_propagation", kw)
        propagations = self.tables[kw["TransitGatewayRouteTableId"]]["propagations"]
        if kw["TransitGatewayAttachmentId"] in propagations:
            raise client_error("TransitGatewayRouteTablePropagation.Duplicate", "", "Enable")
        propagations[kw["TransitGatewayAttachmentId"]] = "enabling"
        return {}

    def disable_transit_gateway_route_table_propagation(self, **kw):
        self.record("disable_transit_gateway_route_table_propagation", kw)
        self.tables[kw["TransitGatewayRouteTableId"]]["propagations"][kw["TransitGatewayAttachmentId"]] = "disabling"
        return {}

    # --- VPC route tables ---
    def add_vpc_table(self, table_id, routes=None):
        self.vpc_tables[table_id] = dict(routes or {})
        self.calls.clear()

    def describe_route_tables(self, RouteTableIds=None, Filters=None):
        self.record("describe_route_tables", {"RouteTableIds": RouteTableIds, "Filters": Filters})
        ids = RouteTableIds or list(self.vpc_tables)[:1]  # the first one stands for the main route table
        return {"RouteTables": [{"RouteTableId": i, "Routes": [
            {"DestinationCidrBlock": c,
             **({"GatewayId": t} if t == "local" or t.startswith("igw-") else {"TransitGatewayId": t}),
             "State": "active"}
            for c, t in self.vpc_tables[i].items()]} for i in ids]}

    def create_route(self, **kw):
        self.record("create_route", kw)
        self.vpc_tables[kw["RouteTableId"]][kw["DestinationCidrBlock"]] = kw["TransitGatewayId"]
        return {"Return": True}

    def replace_route(self, **kw):
        self.record("replace_route", kw)
        self.vpc_tables[kw["RouteTableId"]][kw["DestinationCidrBlock"]] = kw["TransitGatewayId"]
        return {}

    def delete_route(self, **kw):
        self.record("delete_route", kw)
        del self.vpc_tables[kw["RouteTableId"]][kw["DestinationCidrBlock"]]
        return {}


@pytest.fixture
def aws():
    """{"ec2": FakeEc2, "ram": FakeRam}, served to the modules in place of boto3 clients."""
    fakes = {"ec2": FakeEc2(), "ram": FakeRam()}
    with mock.patch.object(modules, "boto3_conn", side_effect=lambda *a, resource, **k: fakes[resource]):
        yield fakes
