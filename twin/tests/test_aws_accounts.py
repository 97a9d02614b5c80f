"""Accounts, assumed roles, the seed and regions, as a boto3 user sees them."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


def test_default_credentials_act_in_the_hub(sts):
    assert sts.get_caller_identity()["Account"] == "111111111111"


def test_assume_role_into_a_seed_account_acts_there(sts):
    creds = sts.assume_role(RoleArn="arn:aws:iam::333333333333:role/admin", RoleSessionName="twin-test")["Credentials"]
    spoke = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                  aws_secret_access_key=creds["SecretAccessKey"],
                                  aws_session_token=creds["SessionToken"])
    assert spoke.client("sts").get_caller_identity()["Account"] == "333333333333"
    vpcs = spoke.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["gunosy-prod"]}])["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs] == ["10.30.0.0/16"]


def test_assume_role_into_an_unknown_account_is_access_denied(sts):
    with pytest.raises(ClientError) as caught:
        sts.assume_role(RoleArn="arn:aws:iam::999999999999:role/admin", RoleSessionName="twin-test")
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/admin" in error[
        "Message"]


def test_seed_subnets_carry_name_tags_and_hub_has_no_spoke_vpcs(ec2):
    assert not ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["news-prod"]}])["Vpcs"]


def test_unknown_region_is_refused_and_real_regions_are_served(twin):
    bogus = boto3.session.Session().client("ec2", region_name="xx-fake-1")
    with pytest.raises(ClientError) as caught:
        bogus.describe_vpcs()
    assert caught.value.response["Error"]["Code"] == "AuthFailure"
    with pytest.raises(ClientError) as caught:
        boto3.session.Session().client("sts", region_name="xx-fake-1").get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    for region in ("us-east-1", "eu-west-3", "ap-southeast-4"):
        assert boto3.session.Session().client("ec2", region_name=region).describe_vpcs()["Vpcs"] is not None


def test_moto_default_amis_are_still_described_with_their_snapshots(ec2):
    # The twin loads them on first read only (twin/aws/backends.py); what a caller sees is unchanged.
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    assert len(images) > 100
    snapshot_id = images[0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["SnapshotId"] == snapshot_id
