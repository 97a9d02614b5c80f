# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation shared by this collection's AWS modules."""


class ModuleDocFragment:
    # Used with amazon.aws.common.modules, amazon.aws.region.modules and amazon.aws.boto3, which
    # document the credential, region and endpoint options these modules share with amazon.aws.
    DOCUMENTATION = r"""
options: {}
notes:
  - Every EC2 API call is retried with jittered exponential backoff when AWS throttles
    (C(RequestLimitExceeded), C(Throttling)) or answers with a transient 5xx error.
  - The endpoint is O(endpoint_url) if set, otherwise boto3 honours the standard E(AWS_ENDPOINT_URL) variable.
  - The module is in the C(cloudbridge.hybrid_vpn.aws) action group, which extends C(amazon.aws.aws)
    and C(community.aws.aws), so one C(module_defaults) entry serves the upstream modules too.
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait until every connection this call created or modified is V(available) again.
      - Connections are waited for together, so two connections take as long as the slowest one.
      - With V(false), tunnel modifications still wait for each other (AWS refuses one while the connection is
        not V(available)); only the wait after the last one is skipped.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for one set of connections to become available (or deleted).
    type: int
    default: 1800
  wait_delay:
    description: Seconds between two polls while waiting.
    type: float
    default: 15
"""
