"""The pure parts of the protocol tier: what a cloud's settings become in strongSwan and FRR terms, and what
goes back to the twin. They need no daemons and run wherever the tier is skipped."""

from __future__ import annotations

from protocol import lab, readback
from protocol.driver import observed_body

AWS_IKE = readback.Proposals(("aes256",), ("sha256",), ("prfsha256",), ("modp2048",))
GCP_IKE = readback.Proposals(readback.GCP_ENCRYPTION, readback.GCP_INTEGRITY, readback.GCP_PRF, readback.GCP_DH)
# What the Debian packages' plugins implement (aes, sha1, sha2, hmac, xcbc, gmp): no GCM, no ECP.
DEBIAN = {"aes128", "aes192", "aes256", "sha1", "sha256", "sha384", "sha512", "aesxcbc", "prfsha1", "prfsha256",
          "prfsha384", "prfsha512", "prfaesxcbc", "modp1024", "modp1536", "modp2048", "modp3072", "modp4096",
          "modp6144", "modp8192", "modp1024s160", "modp2048s224", "modp2048s256"}


def end(side: str, name: str, **changes) -> readback.End:
    fields = dict(side=side, name=name, local_ip="35.0.0.1", remote_ip="3.0.0.1", psk="key_12345678",
                  ike_version=2, ike=AWS_IKE, esp=AWS_IKE, ike_lifetime=28800, child_lifetime=3600, rekey_margin=270,
                  dpd_delay=10, dpd_action="restart", initiate=side == "gcp", inside_ip="169.254.10.2",
                  inside_prefix=30, neighbour_ip="169.254.10.1", asn=65000, peer_asn=64512,
                  networks=("10.100.0.0/20",))
    return readback.End(**{**fields, **changes})


def test_aws_settings_become_one_proposal_with_the_prf_of_each_integrity_algorithm():
    assert AWS_IKE.render(DEBIAN) == ["aes256-sha256-prfsha256-modp2048"]
    assert AWS_IKE.render(DEBIAN, with_dh=False) == ["aes256-sha256-prfsha256"]


def test_gcp_documented_ciphers_keep_their_order_and_drop_what_this_strongswan_lacks():
    (classic,) = GCP_IKE.render(DEBIAN)  # no AES-GCM here: no AEAD proposal
    assert classic.startswith("aes128-aes192-aes256-sha256-sha384-sha512-sha1-aesxcbc-prfsha256")
    assert classic.endswith("-modp3072-modp4096-modp6144-modp8192-modp2048-modp2048s224-modp2048s256-modp1536-modp1024")
    assert "ecp256" not in classic and "curve25519" not in classic
    # With every algorithm available, AEAD ciphers go in a proposal of their own (no integrity algorithm).
    aead = GCP_IKE.render(None)[1]
    assert aead.startswith("aes128gcm16-") and "sha256-" not in aead.replace("prfsha256", "")


def test_implemented_keywords_come_from_list_algs():
    algs = ("encryption:\n  AES_CBC[aes]\n  AES_GCM_16[gcm]\nintegrity:\n  HMAC_SHA2_256_128[hmac]\n"
            "pseudo random functions:\n  PRF_HMAC_SHA2_256[hmac]\n"
            "key exchange:\n  MODP_2048[gmp]\n  ECP_256[openssl]\n")
    assert lab.implemented_keywords(algs) == {"aes128", "aes192", "aes256", "aes128gcm16", "aes192gcm16",
                                              "aes256gcm16", "sha256", "prfsha256", "modp2048", "ecp256"}


def test_the_key_comes_from_the_generic_customer_gateway_configuration_by_outside_ip():
    xml = ("<vpn_connection id='vpn-1'>"
           "<ipsec_tunnel><vpn_gateway><tunnel_outside_address><ip_address>3.0.0.1</ip_address>"
           "</tunnel_outside_address></vpn_gateway><ike><pre_shared_key>first_key_1</pre_shared_key></ike></ipsec_tunnel>"
           "<ipsec_tunnel><vpn_gateway><tunnel_outside_address><ip_address>3.0.0.2</ip_address>"
           "</tunnel_outside_address></vpn_gateway><ike><pre_shared_key>second_key_2</pre_shared_key></ike></ipsec_tunnel>"
           "</vpn_connection>")
    assert readback._xml_keys(xml) == {"3.0.0.1": "first_key_1", "3.0.0.2": "second_key_2"}


def test_a_connection_carries_only_the_inside_addresses_and_starts_on_the_initiating_side():
    text = lab._conn(end("gcp", "t0"), DEBIAN)
    assert "local_ts = 169.254.10.2/32" in text and "remote_ts = 169.254.10.1/32" in text
    assert "start_action = start" in text and "encap = yes" in text and "version = 2" in text
    assert "rekey_time = 3330s" in text and "life_time = 3600s" in text  # phase 2 lifetime minus the margin
    assert "start_action = none" in lab._conn(end("aws", "t0"), DEBIAN)


def test_bgpd_gets_one_neighbour_per_tunnel_and_the_side_networks():
    text = lab._frr_conf("gcp", (end("gcp", "t0"), end("gcp", "t1", inside_ip="169.254.11.2",
                                                          neighbour_ip="169.254.11.1", networks=("10.1.0.0/16",))))
    assert "router bgp 65000" in text
    assert " neighbor 169.254.10.1 remote-as 64512" in text
    assert " neighbor 169.254.11.1 update-source 169.254.11.2" in text
    assert "  network 10.1.0.0/16" in text and "  network 10.100.0.0/20" in text


def test_what_goes_back_to_the_twin_is_keyed_as_the_link_matches_tunnels_and_sessions():
    config = readback.Config((end("gcp", "t0"),), (end("aws", "t0", local_ip="3.0.0.1", remote_ip="35.0.0.1"),))
    down = lab.TunnelState("t0", "-", "-", "-", "-", "Idle", "Idle", "AUTHORIZATION_ERROR", (), ())
    assert observed_body(config, [down]) == {"tunnels": [["35.0.0.1", "3.0.0.1", "AUTHORIZATION_ERROR"]],
                                             "sessions": [["169.254.10.2", "169.254.10.1", "Idle"]]}
    up = lab.TunnelState("t0", "ESTABLISHED", "INSTALLED", "ESTABLISHED", "INSTALLED", "Established",
                         "Established", None, (), ())
    assert observed_body(config, [up])["tunnels"] == [["35.0.0.1", "3.0.0.1", "ESTABLISHED"]]
