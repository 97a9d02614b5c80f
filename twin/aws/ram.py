"""AWS RAM for sharing a transit gateway across accounts: resource shares with resources and
principals, invitations (PENDING -> ACCEPTED / REJECTED), associations, ListResources,
ListPrincipals, and what a spoke can see once it accepted.

Sources: botocore RAM model (operations, shapes, error shapes), api-samples.md §3.1, AWS TGW guide
transit-gateway-share.md. Accounts outside the hub's AWS Organization are external principals and get an
invitation (api-samples §3.1 "external"); accounts the ``aws_organization_accounts`` knob lists are members of
an Organization with RAM sharing enabled and get the share with no invitation (api-samples §3.1, AWS TGW guide
transit-gateway-share.md; cloud-constraints.md). Shares and invitations are eventually consistent
(cloud-constraints.md: terraform's RAM resources retry reads after create): the ``ram_visibility_delay`` knob
hides them from the accounts they name for that many seconds."""

from __future__ import annotations

import json
import re
import time
import uuid
from urllib.parse import parse_qs

import moto.ram.urls as ram_urls
from moto.core.exceptions import JsonRESTError
from moto.ec2.models import ec2_backends
from moto.ram.responses import ResourceAccessManagerResponse

from twin.config import settings

_ARN = re.compile(r"^arn:aws:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):([a-z-]+)/(.+)$")
# RAM resource type names (ListResourceTypes): ec2:TransitGateway, ec2:Subnet, ...
_RESOURCE_TYPES = {("ec2", "transit-gateway"): "ec2:TransitGateway", ("ec2", "subnet"): "ec2:Subnet",
                   ("ec2", "prefix-list"): "ec2:PrefixList"}
_ACTIONS = ("associateresourceshare", "disassociateresourceshare", "getresourceshareinvitations",
            "acceptresourceshareinvitation", "rejectresourceshareinvitation", "listresources", "listprincipals",
            "listpendinginvitationresources")

_shares: list[Share] = []


def _in_organization(account: str) -> bool:
    return account in settings.aws_organization_accounts


def _visible(since: float) -> bool:
    """Whether something created at ``since`` is visible yet to the accounts it names (eventual consistency)."""
    return time.time() >= since + settings.ram_visibility_delay


def ram_error(code: str, message: str) -> JsonRESTError:
    """A RAM error: HTTP 400, code = the model's exception shape name (api-samples §3.1)."""
    return JsonRESTError(code, message)


class Invitation:
    def __init__(self, share: Share, receiver: str):
        self.arn = f"arn:aws:ram:{share.region}:{share.owner}:resource-share-invitation/{uuid.uuid4()}"
        self.share = share
        self.receiver = receiver
        self.status = "PENDING"
        self.timestamp = time.time()

    def describe(self) -> dict:
        return {"resourceShareInvitationArn": self.arn, "resourceShareName": self.share.name,
                "resourceShareArn": self.share.arn, "senderAccountId": self.share.owner,
                "receiverAccountId": self.receiver, "invitationTimestamp": self.timestamp, "status": self.status}


class Share:
    def __init__(self, owner: str, region: str, name: str, allow_external: bool, tags: list):
        self.arn = f"arn:aws:ram:{region}:{owner}:resource-share/{uuid.uuid4()}"
        self.owner, self.region, self.name = owner, region, name
        self.allow_external = allow_external
        self.tags = tags
        self.status = "ACTIVE"
        self.created = self.updated = time.time()
        self.resources: dict[str, float] = {}  # arn -> association time
        self.principals: dict[str, float] = {}
        self.former_principals: dict[str, float] = {}  # disassociated, still listed as DISASSOCIATED
        self.invitations: list[Invitation] = []

    def describe(self) -> dict:
        return {"resourceShareArn": self.arn, "name": self.name, "owningAccountId": self.owner,
                "allowExternalPrincipals": self.allow_external, "status": self.status, "tags": self.tags,
                "creationTime": self.created, "lastUpdatedTime": self.updated, "featureSet": "STANDARD"}

    def tagged(self, tag_filters: list[dict]) -> bool:
        # model TagFilter: a tag key with optional values; several filters are ORed.
        return any(t["key"] == f.get("tagKey") and (not f.get("tagValues") or t["value"] in f["tagValues"])
                   for f in tag_filters for t in self.tags)

    def has_resource_type(self, resource_type: str) -> bool:
        return any(_resource_type(arn).lower() == resource_type.lower() for arn in self.resources)

    def invitation_for(self, account: str) -> Invitation | None:
        return next((i for i in reversed(self.invitations) if i.receiver == account), None)

    def principal_status(self, principal: str) -> str:
        # Model ResourceShareAssociationStatus. An Organization member is ASSOCIATING until the share reaches it
        # (eventual consistency), then ASSOCIATED; an external principal is ASSOCIATING until it answers the
        # invitation (twin guess), then ASSOCIATED or FAILED.
        if principal == self.owner or _in_organization(principal):
            return "ASSOCIATED" if _visible(self.principals[principal]) else "ASSOCIATING"
        invitation = self.invitation_for(principal)
        return {"PENDING": "ASSOCIATING", "ACCEPTED": "ASSOCIATED", "REJECTED": "FAILED"}.get(
            invitation.status if invitation else "ACCEPTED", "ASSOCIATED")

    def accepted_by(self, account: str) -> bool:
        if _in_organization(account):  # no invitation inside the Organization: usable once visible
            return self.status == "ACTIVE" and account in self.principals and _visible(self.principals[account])
        invitation = self.invitation_for(account)
        return (self.status == "ACTIVE" and account in self.principals
                and invitation is not None and invitation.status == "ACCEPTED")

    def association(self, entity: str, kind: str, status: str, since: float) -> dict:
        return {"resourceShareArn": self.arn, "resourceShareName": self.name, "associatedEntity": entity,
                "associationType": kind, "status": status, "creationTime": since, "lastUpdatedTime": self.updated,
                "external": kind == "PRINCIPAL" and entity != self.owner and not _in_organization(entity)}


def reset() -> None:
    _shares.clear()


def _resource_type(arn: str) -> str:
    match = _ARN.match(arn)
    return _RESOURCE_TYPES.get((match.group(1), match.group(4)), f"{match.group(1)}:{match.group(4)}")


def _check_resource(arn: str, owner: str, region: str) -> None:
    match = _ARN.match(arn)
    if not match:
        # Model error shape MalformedArnException; wording as observed for a malformed resource share ARN
        # ("The specified resource share ARN is not valid. Verify the ARN and try again.",
        # terraform-provider-aws #40360), said of the resource ARN.
        raise ram_error("MalformedArnException",
                        "The specified resource ARN is not valid. Verify the ARN and try again.")
    service, arn_region, account, kind, resource_id = match.groups()
    exists = (service, kind) != ("ec2", "transit-gateway") or (
        account == owner and arn_region == region and resource_id in ec2_backends[owner][region].transit_gateways)
    if not exists:
        raise ram_error("UnknownResourceException", f"ResourceArn {arn} could not be found.")  # twin wording


def _add_principals(share: Share, principals: list[str]) -> None:
    for principal in principals:
        if not re.fullmatch(r"\d{12}", principal):
            # Real wording (aws/aws-cdk #14131, terraform-provider-aws #7769), which moto copies.
            raise ram_error("InvalidParameterException",
                            f"Principal ID {principal} is malformed. Verify the ID and try again.")
        if principal != share.owner and not share.allow_external and not _in_organization(principal):
            # model: allowExternalPrincipals=false limits sharing to the owner's organization (twin wording).
            raise ram_error("OperationNotPermittedException",
                            f"The resource share {share.arn} does not allow external principals: {principal}.")
    for principal in principals:
        share.principals.setdefault(principal, time.time())
        share.former_principals.pop(principal, None)
        invitation = share.invitation_for(principal)
        if principal != share.owner and not _in_organization(principal) and (
                invitation is None or invitation.status != "ACCEPTED"):
            share.invitations.append(Invitation(share, principal))


def _share(arn: str, owner: str | None = None) -> Share:
    share = next((s for s in _shares if s.arn == arn and (owner is None or s.owner == owner)), None)
    if share is None:
        raise ram_error("UnknownResourceException", f"ResourceShare {arn} could not be found.")
    return share


def shared_transit_gateways(account: str, region: str) -> list:
    """TGWs another account shared with ``account`` and that ``account`` accepted."""
    found = []
    for share in _shares:
        if share.region != region or not share.accepted_by(account):
            continue
        for arn in share.resources:
            match = _ARN.match(arn)
            tgw = ec2_backends[share.owner][region].transit_gateways.get(match.group(5))
            if match.group(4) == "transit-gateway" and tgw is not None and tgw not in found:
                found.append(tgw)
    return found


def _visible_shares(account: str, region: str, owner: str) -> list[Share]:
    if owner == "SELF":
        return [s for s in _shares if s.owner == account and s.region == region]
    if owner == "OTHER-ACCOUNTS":
        return [s for s in _shares if s.region == region and s.accepted_by(account)]
    raise ram_error("InvalidParameterException",  # moto's wording
                    f"{owner} is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again.")


class _Ram:
    """RAM operations; each takes (account, region, params) and returns the JSON body as a dict."""

    @staticmethod
    def create_resource_share(account, region, p):
        share = Share(account, region, p["name"], p.get("allowExternalPrincipals", True), p.get("tags", []))
        for arn in p.get("resourceArns", []):
            _check_resource(arn, account, region)
        _add_principals(share, p.get("principals", []))
        share.resources.update({arn: time.time() for arn in p.get("resourceArns", [])})
        _shares.append(share)
        return {"resourceShare": share.describe(), "clientToken": p.get("clientToken")}

    @staticmethod
    def get_resource_shares(account, region, p):
        shares = _visible_shares(account, region, p.get("resourceOwner"))
        if p.get("resourceShareArns"):
            shares = [s for s in shares if s.arn in p["resourceShareArns"]]
        if p.get("name"):
            shares = [s for s in shares if s.name == p["name"]]
        if p.get("resourceShareStatus"):
            shares = [s for s in shares if s.status == p["resourceShareStatus"]]
        if p.get("tagFilters"):
            shares = [s for s in shares if s.tagged(p["tagFilters"])]
        return {"resourceShares": [s.describe() for s in shares]}

    @staticmethod
    def update_resource_share(account, region, p):
        # model UpdateResourceShare: name and allowExternalPrincipals change in place.
        share = _share(p.get("resourceShareArn"), account)
        share.name = p.get("name") or share.name
        if p.get("allowExternalPrincipals") is not None:
            share.allow_external = bool(p["allowExternalPrincipals"])
        share.updated = time.time()
        return {"resourceShare": share.describe(), "clientToken": p.get("clientToken")}

    @staticmethod
    def delete_resource_share(account, region, p):
        share = _share(p.get("resourceShareArn"), account)
        # A deleted share stays listed with status DELETED (model ResourceShareStatus; terraform-provider-aws
        # #25157: deleted shares remain visible to API calls for a long time).
        share.status, share.updated = "DELETED", time.time()
        return {"returnValue": True, "clientToken": p.get("clientToken")}

    @staticmethod
    def associate_resource_share(account, region, p):
        share = _share(p.get("resourceShareArn"), account)
        for arn in p.get("resourceArns", []):
            _check_resource(arn, account, region)
        _add_principals(share, p.get("principals", []))
        share.resources.update({arn: time.time() for arn in p.get("resourceArns", []) if arn not in share.resources})
        share.updated = time.time()
        return {"resourceShareAssociations":
                [share.association(a, "RESOURCE", "ASSOCIATING", share.resources[a]) for a in p.get("resourceArns", [])]
                + [share.association(a, "PRINCIPAL", "ASSOCIATING", share.principals[a])
                   for a in p.get("principals", [])],
                "clientToken": p.get("clientToken")}

    @staticmethod
    def disassociate_resource_share(account, region, p):
        share = _share(p.get("resourceShareArn"), account)
        result = []
        for kind, field, store in (("RESOURCE", "resourceArns", share.resources),
                                   ("PRINCIPAL", "principals", share.principals)):
            for entity in p.get(field, []):
                if entity not in store:
                    raise ram_error("UnknownResourceException",  # twin wording
                                    f"{entity} is not associated with resource share {share.arn}.")
                result.append(share.association(entity, kind, "DISASSOCIATING", store.pop(entity)))
                if kind == "PRINCIPAL":
                    share.former_principals[entity] = time.time()
        share.updated = time.time()
        return {"resourceShareAssociations": result, "clientToken": p.get("clientToken")}

    @staticmethod
    def get_resource_share_associations(account, region, p):
        kind = p.get("associationType")
        # Model: associationType is required, PRINCIPAL or RESOURCE; the message is twin wording.
        if kind not in ("PRINCIPAL", "RESOURCE"):
            raise ram_error("InvalidParameterException", f"{kind} is not a valid association type. "
                                                         "Specify either PRINCIPAL or RESOURCE and try again.")
        result = []
        for share in _visible_shares(account, region, "SELF"):
            if p.get("resourceShareArns") and share.arn not in p["resourceShareArns"]:
                continue
            if kind == "PRINCIPAL":
                result += [share.association(e, kind, share.principal_status(e), t)
                           for e, t in share.principals.items() if p.get("principal") in (None, e)]
                # A removed principal stays listed as DISASSOCIATED (model ResourceShareAssociationStatus).
                result += [share.association(e, kind, "DISASSOCIATED", t)
                           for e, t in share.former_principals.items() if p.get("principal") in (None, e)]
            else:
                result += [share.association(e, kind, "ASSOCIATED", t)
                           for e, t in share.resources.items() if p.get("resourceArn") in (None, e)]
        if p.get("associationStatus"):
            result = [a for a in result if a["status"] == p["associationStatus"]]
        return {"resourceShareAssociations": result}

    @staticmethod
    def get_resource_share_invitations(account, region, p):
        invitations = [i for s in _shares if s.region == region for i in s.invitations
                       if i.receiver == account and _visible(i.timestamp)]
        if p.get("resourceShareInvitationArns"):
            invitations = [i for i in invitations if i.arn in p["resourceShareInvitationArns"]]
        if p.get("resourceShareArns"):
            invitations = [i for i in invitations if i.share.arn in p["resourceShareArns"]]
        return {"resourceShareInvitations": [i.describe() for i in invitations]}

    @staticmethod
    def _invitation(account, arn):
        invitation = next((i for s in _shares for i in s.invitations
                           if i.arn == arn and i.receiver == account and _visible(i.timestamp)), None)
        if invitation is None:
            raise ram_error("ResourceShareInvitationArnNotFoundException",
                            f"ResourceShareInvitationArn {arn} could not be found.")
        if invitation.status != "PENDING":
            raise ram_error(f"ResourceShareInvitationAlready{invitation.status.title()}Exception",
                            f"The invitation {arn} has already been {invitation.status.lower()}.")
        return invitation

    @classmethod
    def _answer(cls, account, p, status):
        invitation = cls._invitation(account, p.get("resourceShareInvitationArn"))
        invitation.status = status
        return {"resourceShareInvitation": invitation.describe(), "clientToken": p.get("clientToken")}

    @classmethod
    def accept_resource_share_invitation(cls, account, region, p):
        return cls._answer(account, p, "ACCEPTED")

    @classmethod
    def reject_resource_share_invitation(cls, account, region, p):
        return cls._answer(account, p, "REJECTED")

    @staticmethod
    def _resource(share, arn, since):
        return {"arn": arn, "type": _resource_type(arn), "resourceShareArn": share.arn, "status": "AVAILABLE",
                "creationTime": since, "lastUpdatedTime": share.updated, "resourceRegionScope": "REGIONAL"}

    @classmethod
    def list_resources(cls, account, region, p):
        result = [cls._resource(s, arn, t) for s in _visible_shares(account, region, p.get("resourceOwner"))
                  if s.status == "ACTIVE" and (not p.get("resourceShareArns") or s.arn in p["resourceShareArns"])
                  and (not p.get("principal") or p["principal"] in s.principals)
                  for arn, t in s.resources.items()]
        if p.get("resourceArns"):
            result = [r for r in result if r["arn"] in p["resourceArns"]]
        if p.get("resourceType"):
            result = [r for r in result if r["type"].lower() == p["resourceType"].lower()]
        if p.get("resourceRegionScope", "ALL") != "ALL":  # model: ALL (default) | REGIONAL | GLOBAL
            result = [r for r in result if r["resourceRegionScope"] == p["resourceRegionScope"]]
        return {"resources": result}

    @classmethod
    def list_pending_invitation_resources(cls, account, region, p):
        invitation = next((i for s in _shares for i in s.invitations
                           if i.arn == p.get("resourceShareInvitationArn") and i.receiver == account), None)
        if invitation is None:
            raise ram_error("ResourceShareInvitationArnNotFoundException",
                            f"ResourceShareInvitationArn {p.get('resourceShareInvitationArn')} could not be found.")
        return {"resources": [cls._resource(invitation.share, arn, t) for arn, t in invitation.share.resources.items()]}

    @staticmethod
    def list_principals(account, region, p):
        result = [{"id": e, "resourceShareArn": s.arn, "creationTime": t, "lastUpdatedTime": s.updated,
                   "external": e != s.owner and not _in_organization(e)}
                  for s in _visible_shares(account, region, p.get("resourceOwner"))
                  if s.status == "ACTIVE" and (not p.get("resourceShareArns") or s.arn in p["resourceShareArns"])
                  and (not p.get("resourceArn") or p["resourceArn"] in s.resources)
                  and (not p.get("resourceType") or s.has_resource_type(p["resourceType"]))
                  for e, t in s.principals.items()]
        if p.get("principals"):
            result = [r for r in result if r["id"] in p["principals"]]
        return {"principals": result}


def _handler(name: str):
    def respond(self):
        # Members bound to the query string plus the JSON body: the RAM model sends DeleteResourceShare as
        # DELETE /deleteresourceshare with resourceShareArn and clientToken in the query string.
        params = {name: values[0] for name, values in parse_qs(self.parsed_url.query).items()}
        params.update(json.loads(self.body) if self.body else {})
        return json.dumps(getattr(_Ram, name)(self.current_account, self.region, params))

    respond.__name__ = name
    return respond


def install() -> None:
    # Routes for the RAM actions moto 5.2.5 lacks, at the model's requestUri ("/<action in lower case>").
    for name in [n for n in vars(_Ram) if not n.startswith("_")]:
        setattr(ResourceAccessManagerResponse, name, _handler(name))
    for action in _ACTIONS:
        ram_urls.url_paths.setdefault(f"{{0}}/{action}$", ResourceAccessManagerResponse.dispatch)
