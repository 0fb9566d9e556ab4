"""Certificates for TLS tests, made on the spot with `trustme`: a CA, a server certificate for
localhost / 127.0.0.1, and client certificates (mTLS) whose common name names the principal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def client_pair(self) -> tuple[bytes, bytes, bytes]:
        """(root CA, client key, client chain) as PEM bytes, for grpc.ssl_channel_credentials."""
        return self.ca.read_bytes(), self.client_key.read_bytes(), self.client_cert.read_bytes()


def pkcs8(pem: bytes) -> bytes:
    """The key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), which every client reads."""
    key = serialization.load_pem_private_key(pem, password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_tls_files(directory: Path, client_name: str = "conformance-client") -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="claude-pool test CA")
    server = ca.issue_cert("localhost", "127.0.0.1", "::1")
    client = ca.issue_cert(client_name, common_name=client_name)
    files = TlsFiles(
        ca=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
    )
    ca.cert_pem.write_to_path(str(files.ca))
    files.server_key.write_bytes(pkcs8(server.private_key_pem.bytes()))
    with open(files.server_cert, "wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    files.client_key.write_bytes(pkcs8(client.private_key_pem.bytes()))
    with open(files.client_cert, "wb") as out:
        for blob in client.cert_chain_pems:
            out.write(blob.bytes())
    return files
