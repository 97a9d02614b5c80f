"""ec2_transit_gateway: tagged in the create call, found by id or Name tag (a pending one is waited for and
adopted), refusals named, check mode writes nothing."""

import pytest
from ansible_collections.amazon.aws.plugins.module_utils import modules
from unit.plugins.modules.ec2_fake import FakeEc2, client_error, run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_transit_gateway as mod

NAME = "cloudbridge-hybrid-vpn"
OURS = {"cloudbridge:created-by": "aws_tgw_vpn"}
FAST = {"wait_delay": 0}


class FakeTgws(FakeEc2):
    """FakeEc2 with real Transit Gateways: created pending, available on the next read, filtered by tag:Name."""

    def __init__(self):
        super().__init__()
        self.tgws: dict[str, dict] = {}

    def add(self, state="available", tags=None):
        tgw_id = self._id("tgw")
        self.tgws[tgw_id] = {"TransitGatewayId": tgw_id, "State": state, "Options": {"AmazonSideAsn": 64512},
                             "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
        return tgw_id

    def describe_transit_gateways(self, TransitGatewayIds=None, Filters=None):
        self._record("describe_transit_gateways", {"TransitGatewayIds": TransitGatewayIds, "Filters": Filters})
        if TransitGatewayIds and not set(TransitGatewayIds) <= set(self.tgws):
            raise client_error("InvalidTransitGatewayID.NotFound", "not found", "DescribeTransitGateways")
        found = [t for i, t in self.tgws.items() if not TransitGatewayIds or i in TransitGatewayIds]
        for f in Filters or []:
            if f["Name"] == "tag:Name":
                found = [t for t in found if {"Key": "Name", "Value": f["Values"][0]} in t["Tags"]]
            elif f["Name"] == "state":
                found = [t for t in found if t["State"] in f["Values"]]
        return {"TransitGateways": self._advance(found)}

    def create_transit_gateway(self, **kwargs):
        self._record("create_transit_gateway", kwargs)
        tgw_id = self.add("pending", {t["Key"]: t["Value"] for t in kwargs["TagSpecifications"][0]["Tags"]})
        return {"TransitGateway": dict(self.tgws[tgw_id])}

    def create_tags(self, Resources, Tags):
        self._record("create_tags", {"Resources": Resources, "Tags": Tags})
        self.tgws[Resources[0]]["Tags"] += Tags

    def delete_transit_gateway(self, TransitGatewayId):
        self._record("delete_transit_gateway", {"TransitGatewayId": TransitGatewayId})
        self.tgws[TransitGatewayId]["State"] = "deleting"


@pytest.fixture
def ec2(monkeypatch):
    fake = FakeTgws()
    monkeypatch.setattr(modules, "boto3_conn", lambda *a, **k: fake)
    return fake


def test_the_create_request_carries_the_tags():
    params = {"asn": 64512, "vpn_ecmp_support": True, "auto_associate": True, "auto_propagate": False,
              "tags": OURS, "name": NAME, "description": NAME}
    request = mod.create_request(params)
    assert request["TagSpecifications"] == [{"ResourceType": "transit-gateway", "Tags": [
        {"Key": "cloudbridge:created-by", "Value": "aws_tgw_vpn"}, {"Key": "Name", "Value": NAME}]}]
    assert request["Options"]["DefaultRouteTablePropagation"] == "disable"


def test_none_found_creates_it_tagged_in_the_create_call_and_waits(ec2):
    result = run_module(mod, {"name": NAME, "tags": OURS, **FAST})
    assert result["changed"] and result["transit_gateway"]["state"] == "available"
    assert result["transit_gateway"]["tags"] == {"Name": NAME, **OURS}
    assert ec2.mutations() == ["create_transit_gateway"]  # no tagging call after the wait


def test_a_pending_one_left_by_an_interrupted_create_is_waited_for_and_adopted(ec2):
    left = ec2.add("pending", {"Name": NAME, **OURS})
    result = run_module(mod, {"name": NAME, "tags": OURS, **FAST})
    assert not result["changed"] and result["transit_gateway"]["transit_gateway_id"] == left
    assert result["transit_gateway"]["state"] == "available" and ec2.mutations() == []


def test_a_missing_tag_is_added_to_an_existing_one(ec2):
    found = ec2.add("available", {"Name": NAME})
    result = run_module(mod, {"name": NAME, "tags": OURS, **FAST}, diff=True)
    assert result["changed"] and result["diff"]["after"]["tags"] == {"Name": NAME, **OURS}
    assert ec2.calls[-1] == ("create_tags", {"Resources": [found], "Tags": [
        {"Key": "cloudbridge:created-by", "Value": "aws_tgw_vpn"}]})


def test_two_with_the_name_tag_fail_naming_both(ec2):
    ids = [ec2.add(tags={"Name": NAME}), ec2.add(tags={"Name": NAME})]
    result = run_module(mod, {"name": NAME, **FAST})
    assert result["failed"] and result["msg"] == (f"Failed to find transit gateway {NAME}: {ids[0]}, {ids[1]} all "
                                                  "have this Name tag; set transit_gateway_id to choose one")


def test_an_id_that_does_not_exist_fails_instead_of_creating(ec2):
    result = run_module(mod, {"transit_gateway_id": "tgw-0123456789abcdef0", "name": NAME, **FAST})
    assert result["msg"] == ("Failed to find transit gateway tgw-0123456789abcdef0: "
                             "no such Transit Gateway in this region")
    assert ec2.mutations() == []


def test_check_mode_shows_what_it_would_create_and_writes_nothing(ec2):
    result = run_module(mod, {"name": NAME, "tags": OURS, **FAST}, check=True)
    assert result["changed"] and result["transit_gateway"]["transit_gateway_id"] is None
    assert result["transit_gateway"]["tags"] == {"Name": NAME, **OURS} and ec2.mutations() == []


def test_absent_deletes_by_id_and_waits_then_does_nothing(ec2):
    tgw = ec2.add()
    assert run_module(mod, {"state": "absent", "transit_gateway_id": tgw, **FAST})["changed"]
    assert ec2.tgws[tgw]["State"] == "deleted"
    assert not run_module(mod, {"state": "absent", "transit_gateway_id": tgw, **FAST})["changed"]


def test_a_new_tgw_not_visible_yet_is_waited_for_not_reported_missing(ec2):
    # EC2 eventual consistency: describes right after the create may answer InvalidTransitGatewayID.NotFound.
    describe, unseen = ec2.describe_transit_gateways, iter(range(2))

    def eventually(TransitGatewayIds=None, Filters=None):
        if TransitGatewayIds and next(unseen, None) is not None:
            raise client_error("InvalidTransitGatewayID.NotFound", "does not exist", "DescribeTransitGateways")
        return describe(TransitGatewayIds=TransitGatewayIds, Filters=Filters)

    ec2.describe_transit_gateways = eventually
    result = run_module(mod, {"name": NAME, "tags": OURS, **FAST})
    assert result["changed"] and result["transit_gateway"]["state"] == "available"
