"""The twin's test CA and the leaf certificate the proxy presents for the Google API hosts.

Created once per state directory; later runs reuse the files, so a client that trusted the CA
keeps trusting a restarted twin. ``ca-bundle.pem`` is certifi's bundle plus the test CA: pointing
REQUESTS_CA_BUNDLE / HTTPLIB2_CA_CERTS at it leaves every other HTTPS host verifiable.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GOOGLE_API_HOSTS = ("compute.googleapis.com", "www.googleapis.com", "cloudresourcemanager.googleapis.com",
                    "vpcaccess.googleapis.com")
_VALIDITY = datetime.timedelta(days=3650)  # state dirs are reused: do not expire under a long-lived checkout


@dataclass(frozen=True)
class Files:
    ca: Path  # the test CA certificate alone
    bundle: Path  # certifi's roots + the test CA
    leaf_cert: Path  # leaf certificate followed by the CA (the chain the proxy sends)
    leaf_key: Path


def files(state_dir) -> Files:
    state = Path(state_dir).resolve()
    return Files(state / "ca.pem", state / "ca-bundle.pem", state / "proxy-cert.pem", state / "proxy-key.pem")


def ensure(state_dir) -> Files:
    """Return the CA and leaf files in ``state_dir``, creating them if any is missing. Twin invention
    (harness): lets clients verify the proxy's TLS; it imitates no cloud API."""
    paths = files(state_dir)
    if all(p.exists() for p in vars(paths).values()) and _covers_hosts(paths.leaf_cert):
        return paths
    paths.ca.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloudbridge twin test CA")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key, now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, GOOGLE_API_HOSTS[0])]), ca_name, leaf_key, now)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in GOOGLE_API_HOSTS]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    paths.leaf_key.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths.leaf_cert.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM) + ca_pem)
    paths.bundle.write_bytes(Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca_pem)
    paths.ca.write_bytes(ca_pem)
    return paths


def _covers_hosts(leaf_cert: Path) -> bool:
    """False for a leaf made before a Google API host was added: the files are then made again."""
    cert = x509.load_pem_x509_certificate(leaf_cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    return set(GOOGLE_API_HOSTS) <= set(names)


def _builder(subject: x509.Name, issuer: x509.Name, key, now: datetime.datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
    )
