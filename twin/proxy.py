"""HTTP CONNECT proxy that stands in for the Google API front end.

Clients reach the Google API twin exactly as they reach Google: ``https://compute.googleapis.com``
(the Compute discovery document's rootUrl), ``https://www.googleapis.com`` (the host real responses use
in selfLink, which clients follow), ``https://cloudresourcemanager.googleapis.com`` and
``https://vpcaccess.googleapis.com`` (the rootUrls of those APIs' discovery documents), through
``HTTPS_PROXY``. For those hosts (twin.ca.GOOGLE_API_HOSTS) on port 443 the proxy answers ``200``,
terminates TLS with the test CA's leaf certificate (twin.ca) and pipes the plain HTTP stream to the
Google API app on 127.0.0.1 (which routes by the Host header). Everything else (other hosts or ports,
plain proxy requests) gets ``403``: nothing leaves the machine through the twin.
"""

from __future__ import annotations

import selectors
import socket
import socketserver
import ssl
import threading

from twin import ca

_ALLOWED = {(host, 443) for host in ca.GOOGLE_API_HOSTS}
_MAX_HEADER_LINES = 100
_CHUNK = 65536


class _Handler(socketserver.StreamRequestHandler):
    # Unbuffered: reading the CONNECT head must not swallow the bytes of the TLS handshake after it.
    rbufsize = 0
    # Bounds the CONNECT head and the handshake only: _read_available leaves the tunnel blocking, as
    # idle keep-alive tunnels are normal.
    timeout = 30

    def handle(self) -> None:
        target = self._read_connect_target()
        if target not in _ALLOWED:
            self._reply(b"403 Forbidden", b"twin proxy: only CONNECT to "
                        + ", ".join(f"{h}:443" for h in ca.GOOGLE_API_HOSTS).encode() + b" is allowed\n")
            return
        self._reply(b"200 Connection established")
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate or went away during the handshake
        with tls, socket.create_connection(("127.0.0.1", self.server.upstream_port)) as upstream:
            _pipe(tls, upstream)

    def _read_connect_target(self) -> tuple[str, int] | None:
        request_line = self.rfile.readline(8192).decode("latin-1").split()
        for _ in range(_MAX_HEADER_LINES):  # the headers carry nothing the tunnel needs
            if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                break
        if len(request_line) != 3 or request_line[0].upper() != "CONNECT":
            return None
        host, _, port = request_line[1].rpartition(":")
        return (host.lower(), int(port)) if port.isdigit() else None

    def _reply(self, status: bytes, body: bytes = b"") -> None:
        head = b"HTTP/1.1 " + status + b"\r\n"
        if body:
            head += b"Content-Type: text/plain\r\nConnection: close\r\nContent-Length: %d\r\n" % len(body)
        self.wfile.write(head + b"\r\n" + body)


def _pipe(tls: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    peer = {tls: upstream, upstream: tls}
    with selectors.DefaultSelector() as selector:
        for sock in peer:
            selector.register(sock, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                try:
                    data = _read_available(key.fileobj)
                    if data == b"":
                        return
                    if data:
                        peer[key.fileobj].sendall(data)
                except OSError:  # ssl.SSLError included: a reset or a bad record ends the tunnel
                    return


def _read_available(sock: socket.socket) -> bytes | None:
    """What ``sock`` has now; b"" at end of stream; None when only part of a TLS record arrived."""
    if not isinstance(sock, ssl.SSLSocket):
        return sock.recv(_CHUNK)
    sock.setblocking(False)
    try:
        data = sock.recv(_CHUNK)
        # Decrypted bytes already buffered inside the TLS object do not wake select(): drain them now.
        while data and sock.pending():
            data += sock.recv(sock.pending())
        return data
    except ssl.SSLWantReadError:
        return None
    finally:
        sock.setblocking(True)


class ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, upstream_port: int, state_dir):
        paths = ca.ensure(state_dir)
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(paths.leaf_cert, paths.leaf_key)
        self.upstream_port = upstream_port
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request, client_address) -> None:
        pass  # clients dropping tunnels mid-stream is normal; keep the twin's log readable

    def shutdown(self) -> None:
        super().shutdown()
        self.server_close()


def start(port: int, upstream_port: int, state_dir) -> ProxyServer:
    """Serve the proxy on 127.0.0.1:``port`` in a daemon thread; ``shutdown()`` stops it."""
    server = ProxyServer(port, upstream_port, state_dir)
    threading.Thread(target=server.serve_forever, name="twin-proxy", daemon=True).start()
    return server
