"""A tiny SMTP server on loopback for the SMTP backend's tests: plain, implicit TLS or STARTTLS.

It speaks just enough ESMTP for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT and
STARTTLS, keeps what it received in ``messages`` and answers refusals the test asks for.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import ipaddress
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class FakeSmtp:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    username: str = ""
    password: str = ""
    reject_recipients: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.open: list = []  # sockets and files this connection made, closed when it ends
        try:
            self._converse()
        finally:
            for thing in reversed(self.open):
                with contextlib.suppress(OSError):
                    thing.close()

    def _converse(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        state: FakeSmtp = server.state
        sock = self.request
        if server.mode == "ssl":
            sock = server.tls.wrap_socket(sock, server_side=True)
            self.open.append(sock)
        stream = sock.makefile("rwb")
        self.open.append(stream)
        tls_on = server.mode == "ssl"

        def reply(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        reply("220 fake.test ESMTP")
        sender, recipients, authed = "", [], not state.username
        while line := stream.readline():
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                extensions = ["AUTH PLAIN", "8BITMIME"]
                if server.mode == "starttls" and not tls_on:
                    extensions.append("STARTTLS")
                lines = ["fake.test", *extensions]
                for item in lines[:-1]:
                    reply(f"250-{item}")
                reply(f"250 {lines[-1]}")
            elif verb == "STARTTLS" and server.mode == "starttls" and not tls_on:
                reply("220 go ahead")
                sock = server.tls.wrap_socket(sock, server_side=True)
                stream = sock.makefile("rwb")
                self.open += [sock, stream]
                tls_on = True
            elif verb == "AUTH":
                _plain, _space, encoded = command.partition(" ")[2].partition(" ")
                parts = base64.b64decode(encoded).split(b"\0")
                user, password = parts[1].decode(), parts[2].decode()
                state.logins.append(user)
                authed = (user, password) == (state.username, state.password)
                reply("235 ok" if authed else "535 5.7.8 authentication failed")
            elif verb == "MAIL":
                if not authed:
                    reply("530 5.7.0 authentication required")
                    continue
                sender, recipients = command.split(":", 1)[1].split()[0].strip("<>"), []
                reply("250 ok")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in state.reject_recipients:
                    reply("550 5.1.1 no such user")
                else:
                    recipients.append(address)
                    reply("250 ok")
            elif verb == "DATA":
                reply("354 end with .")
                data = bytearray()
                while (chunk := stream.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                state.messages.append(Received(sender, recipients,
                                               message_from_bytes(bytes(data), policy=default_policy)))
                reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                reply("250 ok")
            elif verb == "QUIT":
                reply("221 bye")
                break
            else:
                reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written to ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def start(mode: str = "none", certificate: tuple[Path, Path] | None = None) -> tuple[FakeSmtp, _Server]:
    """Serve on a free loopback port in a thread; call ``server.shutdown()`` then ``server_close()``."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mode = mode
    if certificate is not None:
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(*certificate)
    server.state = FakeSmtp(*server.server_address[:2])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.state, server
