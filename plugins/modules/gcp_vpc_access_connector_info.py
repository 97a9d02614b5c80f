# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_vpc_access_connector_info
short_description: The Serverless VPC Access connectors that gcp_vpc_access_connector created in a project
version_added: 0.2.0
description:
  - Reads the record M(cloudbridge.hybrid_vpn.gcp_vpc_access_connector) keeps in the project's common instance
    metadata under O(record_key), then each recorded connector, so that a caller can delete the connectors it
    created and no longer lists (and only those).
options:
  record_key:
    description: Metadata key of the record (as given to M(cloudbridge.hybrid_vpn.gcp_vpc_access_connector)).
    type: str
    default: cloudbridge-vpc-access-connectors
  scopes:
    description: OAuth2 scopes; Serverless VPC Access needs the cloud-platform scope.
    type: list
    elements: str
    default: [https://www.googleapis.com/auth/cloud-platform]
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.attributes.info
  - cloudbridge.hybrid_vpn.gcp
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Connectors this collection created in the host project
  cloudbridge.hybrid_vpn.gcp_vpc_access_connector_info:
    project: cb-net-host
    auth_kind: application
  register: recorded
"""

RETURN = r"""
connectors:
  description:
    - One entry per recorded connector, C(state) as the API reports it, or null when the connector is gone
      (deleted by someone else; deleting it with the connector module clears its record entry).
  returned: success
  type: list
  elements: dict
  sample: [{name: svpc-tokyo, region: asia-northeast1, state: READY, ip_cidr_range: 10.100.240.0/28}]
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    CLOUD_PLATFORM_SCOPES,
    VPCACCESS_URL,
    GcpApiError,
    GcpModule,
    ProjectRecord,
)


def recorded_connectors(record):
    """``[(region, name)]`` of a connector record, sorted."""
    return sorted((region, name) for region, names in record.items() for name in names)


def main():
    module = GcpModule(
        argument_spec=dict(
            record_key=dict(type="str", default="cloudbridge-vpc-access-connectors", no_log=False),
            scopes=dict(type="list", elements="str", default=CLOUD_PLATFORM_SCOPES),
        ),
        operations=False,
        supports_check_mode=True,
    )
    p = module.params
    try:
        api = module.client(VPCACCESS_URL)
        found = []
        for region, name in recorded_connectors(ProjectRecord(module, p["project"], p["record_key"]).read()):
            current = api.get(f"projects/{p['project']}/locations/{region}/connectors/{name}") or {}
            found.append({"name": name, "region": region, "state": current.get("state"),
                          "ip_cidr_range": current.get("ipCidrRange")})
    except GcpApiError as e:
        module.fail_api(e, f"Serverless VPC Access connectors recorded in {p['project']}", verb="read")
    module.exit_json(changed=False, connectors=found)


if __name__ == "__main__":
    main()
