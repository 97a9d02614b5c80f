# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Same option names and environment fallbacks as google.cloud's, so one module_defaults group
    # (group/cloudbridge.hybrid_vpn.gcp, which extends google.cloud.gcp) serves both collections.
    DOCUMENTATION = r"""
options:
  project:
    description:
      - The Google Cloud project that holds the resources.
      - Falls back to the E(GCP_PROJECT) environment variable.
    type: str
    required: true
  auth_kind:
    description:
      - The type of credential used.
      - Falls back to the E(GCP_AUTH_KIND) environment variable.
    type: str
    required: true
    choices: [accesstoken, application, machineaccount, serviceaccount]
  service_account_email:
    description:
      - The service account to use with O(auth_kind=machineaccount); C(default) when not set.
      - Falls back to the E(GCP_SERVICE_ACCOUNT_EMAIL) environment variable.
    type: str
  service_account_file:
    description:
      - Path of a service account JSON key file, with O(auth_kind=serviceaccount).
      - Falls back to the E(GCP_SERVICE_ACCOUNT_FILE) environment variable.
    type: path
  service_account_contents:
    description:
      - The contents of a service account JSON key file, with O(auth_kind=serviceaccount).
      - Falls back to the E(GCP_SERVICE_ACCOUNT_CONTENTS) environment variable.
    type: jsonarg
  access_token:
    description:
      - An OAuth2 access token, with O(auth_kind=accesstoken).
      - Falls back to the E(GCP_ACCESS_TOKEN) environment variable.
    type: str
  scopes:
    description:
      - OAuth2 scopes requested for the credentials.
      - Falls back to the E(GCP_SCOPES) environment variable.
    type: list
    elements: str
    default: [https://www.googleapis.com/auth/compute]
  env_type:
    description:
      - Accepted for compatibility with google.cloud module defaults; not used.
      - Falls back to the E(GCP_ENV_TYPE) environment variable.
    type: str
notes:
  - O(service_account_file), O(service_account_contents) and O(access_token) are mutually exclusive.
  - Requests go to U(https://compute.googleapis.com/compute/v1/) through the C(requests) library, which
    honours E(HTTPS_PROXY) and E(REQUESTS_CA_BUNDLE).
  - Throttling (HTTP 403 C(rateLimitExceeded), 429) and 5xx answers are retried with jittered exponential backoff.
requirements:
  - google-auth
  - requests
"""

    OPERATION = r"""
options:
  timeout:
    description:
      - Seconds to wait for each set of Compute operations this call starts (a replacement waits for its
        deletion, then for its insertion).
      - On expiry the module fails; the operations keep running in the cloud.
    type: int
    default: 600
"""
