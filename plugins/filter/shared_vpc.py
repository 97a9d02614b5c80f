# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that expose the Shared VPC rules (plugins/module_utils/_shared_vpc.py) to the gcp_shared_vpc role
and to the playbooks that feed its output to the Cloud Router."""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._shared_vpc import (
    advertised_ranges,
    connector_facts,
    plan,
)


class FilterModule:
    def filters(self):
        return {
            "gcp_shared_vpc_plan": plan,
            "gcp_shared_vpc_advertised_ranges": advertised_ranges,
            "gcp_shared_vpc_connector_facts": connector_facts,
        }
