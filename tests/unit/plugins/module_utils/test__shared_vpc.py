import pytest

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import GcpApiError, read_modify_write
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._shared_vpc import (
    advertised_ranges,
    member_problems,
    plan,
    range_overlaps,
)

R = "asia-northeast1"
FOUND = [{"name": "hub-tokyo", "region": f"https://www.googleapis.com/compute/v1/projects/h/regions/{R}",
          "ipCidrRange": "10.100.0.0/20"},
         {"name": "ml-tokyo", "region": R, "ipCidrRange": "10.100.16.0/20"}]
SHARED = [{"name": "hub-tokyo", "region": R}, {"name": "ml-tokyo"}]
ML = {"project": "cb-svc-ml", "members": ["serviceAccount:a@cb-svc-ml.iam.gserviceaccount.com"],
      "subnetworks": ["ml-tokyo"],
      "connector_members": ["serviceAccount:s@serverless-robot-prod.iam.gserviceaccount.com"]}
API = {"project": "cb-svc-api", "members": ["group:api@example.com"]}
CONN = {"name": "svpc-tokyo", "ip_cidr_range": "10.100.240.0/28", "max_instances": 3}


def test_subnet_level_members_follow_each_service_projects_subnetworks():
    result = plan([ML, API], SHARED, FOUND, [CONN], "subnet", R)
    assert result["problems"] == [] and result["service_projects"] == ["cb-svc-api", "cb-svc-ml"]
    assert result["subnetworks"] == [
        {"name": "hub-tokyo", "region": R, "ip_cidr_range": "10.100.0.0/20", "members": ["group:api@example.com"]},
        {"name": "ml-tokyo", "region": R, "ip_cidr_range": "10.100.16.0/20",
         "members": sorted(API["members"] + ML["members"])}]
    assert result["subnetwork_grants"][0] == {"name": "hub-tokyo", "region": R, "members": API["members"]}
    assert result["project_members"] == [] and result["connector_members"] == ML["connector_members"]
    assert result["connectors"] == [dict(CONN, region=R)]


def test_project_level_puts_every_member_on_the_project():
    result = plan([ML, API], SHARED, FOUND, [], "project", R)
    assert result["project_members"] == sorted(API["members"] + ML["members"])
    assert all(s["members"] == [] for s in result["subnetworks"])


def test_every_problem_named_with_its_setting():
    bad = [dict(ML, members=["a@x.com"], subnetworks=["nope"]), {"members": []}]
    result = plan(bad, [{"name": "hub-tokyo", "region": "us-east1"}], FOUND,
                  [dict(CONN, ip_cidr_range="10.100.1.0/28"), {"name": "Bad", "ip_cidr_range": "10.0.0.0/24"}],
                  "subnet", R)
    assert result["problems"] == [
        "gcp_shared_vpc_subnetworks: subnetwork 'hub-tokyo' not found in region us-east1 of the host network "
        "(expected an existing subnetwork of that network and region)",
        "member 'a@x.com' of gcp_shared_vpc_service_projects[cb-svc-ml].members: expected user:EMAIL, "
        "serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN",
        "gcp_shared_vpc_service_projects[cb-svc-ml].subnetworks: nope not in gcp_shared_vpc_subnetworks (none)",
        "gcp_shared_vpc_service_projects[1]: needs project (the service project id)",
        "gcp_shared_vpc_connectors[svpc-tokyo] ip_cidr_range 10.100.1.0/28: overlaps hub-tokyo (10.100.0.0/20)",
        "gcp_shared_vpc_connectors[Bad] name 'Bad': expected 2 to 25 lower case letters, digits or hyphens, "
        "starting with a letter and not ending with a hyphen",
        "gcp_shared_vpc_connectors[Bad] ip_cidr_range '10.0.0.0/24': expected a /28 range such as 10.8.0.0/28"]


def test_firewall_needs_allowed_and_cidrs():
    assert plan([], [], FOUND, [], "subnet", R, {"name": "fw"}, ["10.20.0.0/16", "10.30.0.0/33"])["problems"] == [
        "gcp_shared_vpc_firewall: needs allowed ([{ip_protocol, ports}])",
        "gcp_shared_vpc_aws_ranges: '10.30.0.0/33' is not an IPv4 CIDR such as 10.20.0.0/16"]


def test_connectors_may_not_overlap_each_other():
    assert plan([], [], FOUND, [CONN, dict(CONN, name="other")], "subnet", R)["problems"] == [
        "gcp_shared_vpc_connectors[other] ip_cidr_range 10.100.240.0/28: overlaps connector svpc-tokyo "
        "(10.100.240.0/28)"]


def test_recorded_connectors_no_longer_listed_are_dropped():
    recorded = [{"name": "svpc-tokyo", "region": R, "state": "READY"}, {"name": "old", "region": R, "state": None},
                {"name": "svpc-tokyo", "region": "us-east1", "state": "READY"}]
    assert plan([], [], FOUND, [CONN], "subnet", R, recorded_connectors=recorded)["dropped_connectors"] == [
        {"name": "old", "region": R}, {"name": "svpc-tokyo", "region": "us-east1"}]
    assert plan([], [], FOUND, [CONN], "subnet", R)["dropped_connectors"] == []


def test_advertised_ranges_subnetworks_then_connectors_each_once():
    fact = plan([ML], SHARED, FOUND, [CONN, {"name": "on-subnet", "subnet": {"name": "ml-tokyo"}, "max_instances": 3}],
                "subnet", R)
    assert advertised_ranges(fact) == [
        {"range": "10.100.0.0/20", "description": f"shared subnetwork hub-tokyo ({R})"},
        {"range": "10.100.16.0/20", "description": f"shared subnetwork ml-tokyo ({R})"},
        {"range": "10.100.240.0/28", "description": f"Serverless VPC Access connector svpc-tokyo ({R})"}]


def test_range_overlaps_sees_secondary_ranges():
    subnets = [{"name": "a", "ipCidrRange": "10.0.0.0/24", "secondaryIpRanges": [{"ipCidrRange": "10.8.0.0/20"}]}]
    assert range_overlaps("10.8.0.0/28", subnets) == ["a (10.0.0.0/24)"]
    assert range_overlaps("10.9.0.0/28", subnets) == []


def test_member_problems_accept_the_four_types():
    good = ["user:a@example.com", "serviceAccount:s@p.iam.gserviceaccount.com", "group:g@example.com",
            "domain:example.com"]
    assert member_problems("x", good) == []
    assert len(member_problems("x", ["allUsers", "user:nobody", "domain:not a domain"])) == 3


def test_read_modify_write_retries_a_stale_write_with_a_fresh_read():
    reads, writes = iter([{"etag": "1"}, {"etag": "2"}]), []

    def write(new):
        writes.append(new)
        if new["etag"] == "1":
            raise GcpApiError("There were concurrent policy changes.", status=409, reasons=["ABORTED"])
        return new

    before, after = read_modify_write(lambda: next(reads), write, lambda cur: dict(cur, x=1), sleep=lambda s: None)
    assert (before, after, len(writes)) == ({"etag": "2"}, {"etag": "2", "x": 1}, 2)
    with pytest.raises(GcpApiError):
        read_modify_write(lambda: {"etag": "1"}, lambda new: (x for x in ()).throw(GcpApiError("bad", status=400)),
                          lambda cur: cur, sleep=lambda s: None)
