# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that expose the pure wiring rules (plugins/module_utils/_wiring.py) to the roles."""

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._settings import normalise
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import (
    WiringError,
    gcp_plan,
    gcp_teardown_plan,
    gcp_tunnel_facts,
    new_pre_shared_keys,
    placeholder_aws_tunnels,
    rotation_plan,
    validate_gcp_inputs,
    validate_tunnel_inputs,
)


def aws_regions(service="ec2"):
    """Every region botocore knows for ``service``, in every partition (no AWS call)."""
    import botocore.session  # on the controller, with boto3

    session = botocore.session.get_session()
    return sorted({region for partition in session.get_available_partitions()
                   for region in session.get_available_regions(service, partition_name=partition)})


def _wrap(func):
    def filter_(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except WiringError as e:
            raise AnsibleFilterError(str(e)) from e

    filter_.__doc__ = func.__doc__
    return filter_


class FilterModule:
    def filters(self):
        return {
            "gcp_ha_vpn_plan": _wrap(gcp_plan),
            "gcp_ha_vpn_teardown_plan": _wrap(gcp_teardown_plan),
            "gcp_ha_vpn_tunnel_facts": _wrap(gcp_tunnel_facts),
            "aws_tgw_vpn_check_inputs": _wrap(validate_tunnel_inputs),
            "gcp_ha_vpn_check_inputs": _wrap(validate_gcp_inputs),
            "hybrid_vpn_settings": _wrap(normalise),
            "aws_tgw_vpn_placeholder_tunnels": _wrap(placeholder_aws_tunnels),
            "aws_regions": aws_regions,
            "hybrid_vpn_rotation_plan": _wrap(rotation_plan),
            "aws_tgw_vpn_new_keys": _wrap(new_pre_shared_keys),
        }
