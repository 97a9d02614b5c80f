# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the pure verification and report logic (plugins/module_utils/_verify.py, _report.py)."""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.filter.wiring import _wrap
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._report import topology_svg
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._verify import (
    aws_vpn_check,
    gcp_vpn_check,
    trace_paths,
)


class FilterModule:
    def filters(self):
        return {
            "gcp_ha_vpn_verify": _wrap(gcp_vpn_check),
            "aws_tgw_vpn_verify": _wrap(aws_vpn_check),
            "hybrid_vpn_trace": _wrap(trace_paths),
            "hybrid_vpn_topology_svg": _wrap(topology_svg),
        }
