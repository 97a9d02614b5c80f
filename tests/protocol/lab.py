"""Real IKEv2 and BGP for a ``readback.Config``: two network namespaces (``gcp`` holds the HA interface IPs,
``aws`` the tunnel outside IPs) joined by a veth pair, one strongSwan charon and one FRR bgpd in each.

- charon uses the userspace IPsec backend (kernel-libipsec, one ``ipsec0`` TUN device per namespace, ESP in
  UDP 4500): this kernel has no XFRM interfaces, VTI or kernel ESP. With one shared ``ipsec0`` the tunnels
  cannot carry 0.0.0.0/0 as the clouds' route-based tunnels do; each CHILD SA carries the two inside
  addresses (narrow traffic selectors), which is all BGP needs.
- The inside addresses sit on ``lo`` and are reachable only through the CHILD SA: the namespaces route
  nothing but the peer outside IPs over the veth, so BGP cannot come up in clear text.
- charon writes a fixed pid file, so each one gets a private /run (a bind mount inside ``ip netns exec``'s
  own mount namespace); bgpd runs as user frr, without zebra, with short timers.
- Every process is started and stopped by process id; the namespaces are deleted at ``close()``.
  Every address exists only inside these namespaces: nothing is sent anywhere else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from protocol.readback import Config, End

CHARON = "/usr/lib/ipsec/charon"
BGPD = "/usr/lib/frr/bgpd"
KERNEL_LIBIPSEC = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"  # Debian's libcharon-extra-plugins
SIDES = ("gcp", "aws")
# Plugins of the Debian packages strongswan-charon, strongswan-libcharon and libcharon-extra-plugins that
# this needs; kernel-libipsec before kernel-netlink so it provides the IPsec backend and netlink the routes.
PLUGINS = ("random nonce aes sha1 sha2 md5 hmac xcbc gmp curve25519 kdf pem pkcs1 pubkey "
           "kernel-libipsec kernel-netlink socket-default vici")
# strongSwan's log wording for the failures a peer reports (RFC 7296 notify types) -> GCP vpnTunnels.status.
FAILURES = (("AUTHENTICATION_FAILED", "AUTHORIZATION_ERROR"), ("MAC mismatched", "AUTHORIZATION_ERROR"),
            ("NO_PROPOSAL_CHOSEN", "NEGOTIATION_FAILURE"), ("no acceptable proposal", "NEGOTIATION_FAILURE"),
            ("giving up after", "NO_INCOMING_PACKETS"))


def run(*cmd: str, check: bool = True, timeout: float = 20) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if check and out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout


def missing() -> str | None:
    """Why the tier cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, /dev/net/tun)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun (strongSwan kernel-libipsec needs it)"
    needed = {"charon": CHARON, "bgpd": BGPD, "kernel-libipsec": KERNEL_LIBIPSEC, "swanctl": shutil.which("swanctl"),
              "vtysh": shutil.which("vtysh"), "ip": shutil.which("ip")}
    absent = [name for name, path in needed.items() if not path or not os.path.exists(path)]
    if absent:
        return (f"{', '.join(absent)} not found (apt-get install strongswan-charon strongswan-swanctl "
                "libcharon-extra-plugins frr iproute2)")
    probe = f"cbprobe{os.getpid()}"
    try:
        run("ip", "netns", "add", probe)
    except (RuntimeError, OSError) as exc:
        return f"`ip netns add` is not usable here: {exc}"
    run("ip", "netns", "del", probe, check=False)
    return None


@dataclass
class TunnelState:
    """One tunnel as strongSwan and FRR report it, on the GCP side (the initiator) and the AWS side."""

    name: str
    ike: str  # IKE SA state on the GCP side (ESTABLISHED, CONNECTING, ... or "-" when there is none)
    child: str  # CHILD SA state (INSTALLED, ...)
    aws_ike: str
    aws_child: str
    bgp: str  # FRR's state of the GCP side's session (Established, Active, Connect, Idle ...)
    aws_bgp: str
    failure: str | None  # GCP status a failure maps to (AUTHORIZATION_ERROR ...), from charon's log
    learned: tuple  # prefixes the GCP side learned over this session
    aws_learned: tuple

    @property
    def up(self) -> bool:
        return self.ike == "ESTABLISHED" and self.child == "INSTALLED"

    @property
    def gcp_status(self) -> str:
        """vpnTunnels.status for what was negotiated."""
        return "ESTABLISHED" if self.up else self.failure or "NO_INCOMING_PACKETS"

    def line(self) -> str:
        return (f"{self.name}  IKE {self.ike}/{self.aws_ike}  CHILD {self.child}/{self.aws_child}  "
                f"BGP {self.bgp}/{self.aws_bgp}  learned by GCP {list(self.learned)} by AWS {list(self.aws_learned)}"
                + (f"  -> {self.failure}" if self.failure else ""))


class Lab:
    """Both namespaces and their daemons. ``start(config)`` brings everything up; ``load(config)`` restarts
    both charons with another configuration (bgpd keeps running and reconnects); ``follow(config)`` reloads only
    the tunnels that changed; ``close()`` ends it all."""

    def __init__(self):
        tag = os.getpid()
        self.ns = {side: f"cb{side}{tag}" for side in SIDES}
        self.veth = {side: f"cb{side[0]}{tag}"[:15] for side in SIDES}
        self.dir = Path(tempfile.mkdtemp(prefix="cb-protocol-"))
        self.charon: dict[str, subprocess.Popen] = {}
        self.bgpd: dict[str, subprocess.Popen] = {}
        self.config: Config | None = None
        self.loaded: dict[str, dict[str, End]] = {}  # side -> tunnel name -> the End its charon holds
        self.marks: dict[str, dict[str, int]] = {}  # tunnel name -> side -> log length when it was last reloaded
        self.starts = 0
        self.implemented: set[str] | None = None

    # ---- network ----

    def _ns(self, side: str, *cmd: str) -> str:
        return run("ip", "netns", "exec", self.ns[side], *cmd)

    def _network(self, config: Config) -> None:
        for side in SIDES:
            run("ip", "netns", "add", self.ns[side])
        run("ip", "link", "add", self.veth["gcp"], "netns", self.ns["gcp"], "type", "veth",
            "peer", "name", self.veth["aws"], "netns", self.ns["aws"])
        for side in SIDES:
            ends, other = getattr(config, side), getattr(config, "aws" if side == "gcp" else "gcp")
            self._ns(side, "ip", "link", "set", "lo", "up")
            self._ns(side, "ip", "link", "set", self.veth[side], "up")
            for ip in sorted({e.local_ip for e in ends}):
                self._ns(side, "ip", "addr", "add", f"{ip}/32", "dev", self.veth[side])
            for ip in sorted({e.local_ip for e in other}):
                self._ns(side, "ip", "route", "add", f"{ip}/32", "dev", self.veth[side])
            for e in ends:
                self._ns(side, "ip", "addr", "add", f"{e.inside_ip}/32", "dev", "lo")

    # ---- strongSwan ----

    def _strongswan_conf(self, side: str) -> Path:
        home = self.dir / side
        (home / "run").mkdir(parents=True, exist_ok=True)
        conf = home / "strongswan.conf"
        conf.write_text(f"""charon {{
  load_modular = no
  load = {PLUGINS}
  install_virtual_ip = no
  retransmit_tries = 2
  retransmit_timeout = 1.0
  retransmit_base = 1.2
  filelog {{
    log {{
      path = {home}/charon-{self.starts}.log
      default = 1
      ike_name = yes
      time_format = %H:%M:%S
      flush_line = yes
    }}
  }}
  plugins {{
    vici {{
      socket = unix://{home}/charon.vici
    }}
  }}
}}
""")
        return conf

    def _uri(self, side: str) -> str:
        return f"unix://{self.dir / side / 'charon.vici'}"

    def swanctl(self, side: str, *args: str, check: bool = True) -> str:
        """swanctl against this side's charon (the command first, then its options)."""
        return run("swanctl", *args, "--uri", self._uri(side), check=check)

    def _swanctl_conf(self, side: str, ends: tuple) -> Path:
        conns, secrets = [], []
        for e in ends:
            conns.append(_conn(e, self.implemented))
            secrets.append(f"""  ike-{e.name} {{
    id-local = {e.local_ip}
    id-remote = {e.remote_ip}
    secret = "{e.psk}"
  }}""")
        path = self.dir / side / "swanctl.conf"
        path.touch(mode=0o600)  # the keys: the directory is open to user frr
        path.write_text("connections {\n" + "\n".join(conns) + "\n}\nsecrets {\n" + "\n".join(secrets) + "\n}\n")
        return path

    def _start_charon(self, side: str) -> None:
        home = self.dir / side
        env = dict(os.environ, STRONGSWAN_CONF=str(self._strongswan_conf(side)))
        vici = home / "charon.vici"
        vici.unlink(missing_ok=True)
        # `ip netns exec` runs the command in a mount namespace of its own: the bind mount stays private.
        with open(home / "charon.err", "a") as err:
            self.charon[side] = subprocess.Popen(
                ["ip", "netns", "exec", self.ns[side], "sh", "-c", f'mount --bind "{home}/run" /run && exec {CHARON}'],
                env=env, stdout=subprocess.DEVNULL, stderr=err)
        _until(lambda: vici.exists() or self.charon[side].poll() is not None, 10, f"{side} charon's vici socket")
        if self.charon[side].poll() is not None:
            raise RuntimeError(f"{side} charon exited: {(home / 'charon.err').read_text()[-500:]}")
        _until(lambda: self.swanctl(side, "--stats", check=False), 10, f"{side} charon answering")

    def load(self, config: Config) -> None:
        """(Re)start both charons on ``config``: AWS first, since it only answers."""
        self.starts += 1
        for side in ("aws", "gcp"):
            _stop(self.charon.pop(side, None))
            self._start_charon(side)
            if self.implemented is None:
                self.implemented = implemented_keywords(self.swanctl(side, "--list-algs"))
            self.swanctl(side, "--load-all", "--file", str(self._swanctl_conf(side, getattr(config, side))))
            self.loaded[side] = {e.name: e for e in getattr(config, side)}
        self.config, self.marks = config, {}

    def follow(self, config: Config) -> list[str]:
        """Make each charon hold what its own cloud holds now, touching only the tunnels that changed on either
        side: reload both charons' connections and keys (``--load-creds``/``--load-conns`` unload what is gone),
        end the changed tunnels' SAs and initiate them again from GCP's end when both ends exist. ``config`` may
        lack an end (a GCP tunnel being replaced): that end is unloaded. bgpd needs nothing (same sessions).
        Returns the names of the tunnels changed."""
        changed = set()
        for side in SIDES:
            ends = {e.name: e for e in getattr(config, side)}
            names = {n for n in ends.keys() | self.loaded[side].keys() if ends.get(n) != self.loaded[side].get(n)}
            if names:
                conf = str(self._swanctl_conf(side, tuple(ends.values())))
                self.swanctl(side, "--load-creds", "--file", conf)
                self.swanctl(side, "--load-conns", "--file", conf)
                self.loaded[side] = ends
                changed |= names
        for name in sorted(changed):
            self.marks[name] = {side: len(self.log(side)) for side in SIDES}
            for side in SIDES:
                self.swanctl(side, "--terminate", "--ike", name, "--force", check=False)
            if all(name in self.loaded[side] for side in SIDES):
                self.swanctl("gcp", "--initiate", "--child", name, "--timeout", "1", check=False)
        # Names and addresses for the states: what the clouds hold, or the last known end while one is absent.
        self.config = Config(*(tuple(next((e for e in getattr(config, side) if e.name == old.name), old)
                                     for old in getattr(self.config, side)) for side in SIDES))
        return sorted(changed)

    # ---- FRR ----

    def _start_bgpd(self, side: str, ends: tuple) -> None:
        home = self.dir / side / "frr"  # bgpd writes its pid file, vty socket and log after it drops to user frr
        home.mkdir(parents=True, exist_ok=True)
        for path in (self.dir, self.dir / side):
            os.chmod(path, 0o755)
        shutil.chown(home, "frr", "frr")
        conf = home / "bgpd.conf"
        conf.write_text(_frr_conf(side, ends))
        with open(self.dir / side / "bgpd.err", "a") as err:
            self.bgpd[side] = subprocess.Popen(
                ["ip", "netns", "exec", self.ns[side], BGPD, "-Z", "-n", "-u", "frr", "-g", "frr", "-f", str(conf),
                 "-i", str(home / "bgpd.pid"), "--vty_socket", str(home), "--log", f"file:{home}/bgpd.log", "-P", "0"],
                stdout=subprocess.DEVNULL, stderr=err)
        _until(lambda: (home / "bgpd.vty").exists() or self.bgpd[side].poll() is not None, 10, f"{side} bgpd")
        if self.bgpd[side].poll() is not None:
            raise RuntimeError(f"{side} bgpd exited: {(self.dir / side / 'bgpd.err').read_text()[-500:]}")

    def vtysh(self, side: str, *commands: str) -> list[dict]:
        """One vtysh run for several `... json` commands: their documents, in order."""
        args = [arg for command in commands for arg in ("-c", command)]
        out = run("vtysh", "--vty_socket", str(self.dir / side / "frr"), "-d", "bgpd", *args)
        decoder, documents, at = json.JSONDecoder(), [], 0
        while (at := re.compile(r"\s*").match(out, at).end()) < len(out):
            document, at = decoder.raw_decode(out, at)
            documents.append(document)
        return documents

    # ---- lifecycle ----

    def start(self, config: Config) -> float:
        """Everything up; returns the seconds until every tunnel is up with its BGP session Established
        (or raises after 20 s)."""
        begin = time.monotonic()
        self._network(config)
        for side in SIDES:
            self._start_bgpd(side, getattr(config, side))
        self.load(config)
        self.wait(lambda states: all(s.up and s.bgp == s.aws_bgp == "Established" for s in states), 20)
        return time.monotonic() - begin

    def close(self) -> None:
        for procs in (self.charon, self.bgpd):
            for side in list(procs):
                _stop(procs.pop(side))
        for side in SIDES:
            run("ip", "netns", "del", self.ns[side], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- what the daemons report ----

    def _sas(self, side: str) -> dict:
        """conn name -> (IKE SA state, CHILD SA state) from `swanctl --list-sas`."""
        sas, current = {}, None
        for line in self.swanctl(side, "--list-sas").splitlines():
            if m := re.match(r"^(\S+): #\d+, (\w+), IKEv", line):
                current = m.group(1)
                sas[current] = (m.group(2), "-")
            elif (m := re.match(r"^  (\S+): #\d+, reqid \d+, (\w+),", line)) and current \
                    and sas[current][1] != "INSTALLED":  # a rekeyed CHILD SA may show twice for a moment
                sas[current] = (sas[current][0], m.group(2))
        return sas

    def log(self, side: str) -> str:
        path = self.dir / side / f"charon-{self.starts}.log"
        return path.read_text() if path.exists() else ""

    def failure(self, name: str) -> str | None:
        """The GCP status a failure charon logged for this tunnel maps to (either side's log, since the
        tunnel was last reloaded)."""
        marks = self.marks.get(name, {})
        lines = [line for side in SIDES for line in self.log(side)[marks.get(side, 0):].splitlines()
                 if f"<{name}|" in line]
        return next((status for text, status in FAILURES for line in lines if text in line), None)

    def _bgp(self, side: str) -> tuple[dict, dict]:
        summary, table = self.vtysh(side, "show bgp ipv4 unicast summary json", "show bgp ipv4 unicast json")
        peers, routes = summary.get("peers", {}), table.get("routes", {})
        learned: dict = {}
        for prefix, paths in routes.items():
            for path in paths:
                if path.get("peerId") not in (None, "(unspec)"):
                    learned.setdefault(path["peerId"], set()).add(prefix)
        return peers, learned

    def states(self) -> list[TunnelState]:
        sas = {side: self._sas(side) for side in SIDES}
        (gcp_peers, gcp_learned), (aws_peers, aws_learned) = self._bgp("gcp"), self._bgp("aws")
        out = []
        for g in self.config.gcp:
            a = self.config.end("aws", g.name)
            ike, child = sas["gcp"].get(g.name, ("-", "-"))
            aws_ike, aws_child = sas["aws"].get(g.name, ("-", "-"))
            out.append(TunnelState(
                g.name, ike, child, aws_ike, aws_child,
                gcp_peers.get(g.neighbour_ip, {}).get("state", "-"),
                aws_peers.get(a.neighbour_ip, {}).get("state", "-"),
                None if ike == "ESTABLISHED" and child == "INSTALLED" else self.failure(g.name),
                tuple(sorted(gcp_learned.get(g.neighbour_ip, ()))),
                tuple(sorted(aws_learned.get(a.neighbour_ip, ())))))
        return out

    def wait(self, done, timeout: float = 15) -> list[TunnelState]:
        return _until(lambda: (lambda s: s if done(s) else None)(self.states()), timeout, "tunnel and BGP states",
                      last=self.states)


def implemented_keywords(algs: str) -> set[str]:
    """Proposal keywords this charon implements, from `swanctl --list-algs` (e.g. no AES-GCM or ECP groups
    without the openssl/gcm plugins, which the Debian packages this tier installs do not bring)."""
    names = set(re.findall(r"^\s+(\w+)\[", algs, re.M))
    keywords = {
        "AES_CBC": ["aes128", "aes192", "aes256"],
        "AES_GCM_16": ["aes128gcm16", "aes192gcm16", "aes256gcm16"],
        "AES_GCM_12": ["aes128gcm12", "aes192gcm12", "aes256gcm12"],
        "AES_GCM_8": ["aes128gcm8", "aes192gcm8", "aes256gcm8"],
        "HMAC_SHA1_96": ["sha1"], "HMAC_SHA2_256_128": ["sha256"], "HMAC_SHA2_384_192": ["sha384"],
        "HMAC_SHA2_512_256": ["sha512"], "AES_XCBC_96": ["aesxcbc"],
        "PRF_HMAC_SHA1": ["prfsha1"], "PRF_HMAC_SHA2_256": ["prfsha256"], "PRF_HMAC_SHA2_384": ["prfsha384"],
        "PRF_HMAC_SHA2_512": ["prfsha512"], "PRF_AES128_XCBC": ["prfaesxcbc"],
        "MODP_1024": ["modp1024"], "MODP_1536": ["modp1536"], "MODP_2048": ["modp2048"], "MODP_3072": ["modp3072"],
        "MODP_4096": ["modp4096"], "MODP_6144": ["modp6144"], "MODP_8192": ["modp8192"],
        "MODP_1024_160": ["modp1024s160"], "MODP_2048_224": ["modp2048s224"], "MODP_2048_256": ["modp2048s256"],
        "ECP_256": ["ecp256"], "ECP_384": ["ecp384"], "ECP_521": ["ecp521"], "CURVE_25519": ["curve25519"],
    }
    return {k for name in names for k in keywords.get(name, [])}


def _conn(e: End, implemented: set[str] | None) -> str:
    """One swanctl connection: IKEv2, PSK, the end's proposals, lifetimes and DPD, UDP encapsulation
    (kernel-libipsec handles ESP in UDP only), the two inside addresses as traffic selectors."""
    ike = ", ".join(e.ike.render(implemented)) or "none"
    esp = ", ".join(e.esp.render(implemented)) or "none"
    return f"""  {e.name} {{
    version = {e.ike_version}
    local_addrs = {e.local_ip}
    remote_addrs = {e.remote_ip}
    proposals = {ike}
    rekey_time = {max(e.ike_lifetime - e.rekey_margin, 60)}s
    over_time = {e.rekey_margin}s
    dpd_delay = {e.dpd_delay}s
    encap = yes
    mobike = no
    local {{
      auth = psk
      id = {e.local_ip}
    }}
    remote {{
      auth = psk
      id = {e.remote_ip}
    }}
    children {{
      {e.name} {{
        local_ts = {e.inside_ip}/32
        remote_ts = {e.neighbour_ip}/32
        esp_proposals = {esp}
        rekey_time = {max(e.child_lifetime - e.rekey_margin, 60)}s
        life_time = {e.child_lifetime}s
        dpd_action = {e.dpd_action}
        start_action = {"start" if e.initiate else "none"}
      }}
    }}
  }}"""


def _frr_conf(side: str, ends: tuple) -> str:
    """bgpd: the side's ASN, one neighbour per tunnel over the inside addresses, its networks; 1 s keepalive,
    3 s hold and 1 s connect retry so a session follows its tunnel quickly."""
    asn = ends[0].asn
    lines = ["frr defaults traditional", f"hostname {side}", "!", f"router bgp {asn}",
             f" bgp router-id {ends[0].inside_ip}", " no bgp ebgp-requires-policy", " no bgp network import-check",
             " coalesce-time 100"]
    for e in ends:
        lines += [f" neighbor {e.neighbour_ip} remote-as {e.peer_asn}",
                  f" neighbor {e.neighbour_ip} update-source {e.inside_ip}",
                  f" neighbor {e.neighbour_ip} disable-connected-check",
                  f" neighbor {e.neighbour_ip} timers 1 3",
                  f" neighbor {e.neighbour_ip} timers connect 1",
                  f" neighbor {e.neighbour_ip} advertisement-interval 0"]
    lines.append(" address-family ipv4 unicast")
    lines += [f"  network {n}" for n in sorted({n for e in ends for n in e.networks})]
    lines += [" exit-address-family", "!", ""]
    return "\n".join(lines)


def _stop(proc: subprocess.Popen | None) -> None:
    """End one process we started, by its id."""
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _until(fetch, timeout: float, what: str, last=None, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (result := fetch()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {timeout}s: {last() if last else result}")
        time.sleep(interval)
    return result
