"""Server TLS with certificates that reload without a restart.

gRPC asks `fetch()` for the certificate configuration at each new TLS handshake; it answers
None while the files are unchanged, and a new configuration once their modification times move
(a renewed certificate) or after `reload()` (SIGHUP). Connections already open keep the
certificate they were made with. A client CA makes client certificates mandatory (mTLS).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import grpc

from claude_pool_server.config_error import ConfigError

log = logging.getLogger(__name__)


class ReloadingCertificates:
    def __init__(self, cert: str, key: str, client_ca: str = "") -> None:
        self.paths = [p for p in (cert, key, client_ca) if p]
        self.cert, self.key, self.client_ca = cert, key, client_ca
        self._lock = threading.Lock()
        self._stamp = self._mtimes()
        self._forced = False
        self.initial = self._load()

    def _mtimes(self) -> tuple[float, ...]:
        try:
            return tuple(os.stat(p).st_mtime_ns for p in self.paths)
        except OSError as exc:
            raise ConfigError(f"cannot read TLS file {exc.filename}: {exc.strerror}") from exc

    def _load(self) -> grpc.ServerCertificateConfiguration:
        try:
            chain = Path(self.cert).read_bytes()
            key = Path(self.key).read_bytes()
            roots = Path(self.client_ca).read_bytes() if self.client_ca else None
        except OSError as exc:
            raise ConfigError(f"cannot read TLS file {exc.filename}: {exc.strerror}") from exc
        if b"PRIVATE KEY" not in key:
            raise ConfigError(f"{self.key} holds no PEM private key")
        if b"CERTIFICATE" not in chain:
            raise ConfigError(f"{self.cert} holds no PEM certificate")
        return grpc.ssl_server_certificate_configuration([(key, chain)], root_certificates=roots)

    def reload(self) -> None:
        """Load the files again at the next handshake (SIGHUP)."""
        with self._lock:
            self._forced = True

    def fetch(self) -> grpc.ServerCertificateConfiguration | None:
        with self._lock:
            try:
                stamp = self._mtimes()
            except ConfigError as exc:
                log.warning("TLS files unreadable, keeping the current certificate: %s", exc)
                return None
            if stamp == self._stamp and not self._forced:
                return None
            try:
                config = self._load()
            except ConfigError as exc:
                log.warning("TLS files changed but do not load, keeping the current ones: %s", exc)
                return None
            self._stamp, self._forced = stamp, False
            log.info("TLS certificate reloaded from %s", self.cert)
            return config

    def credentials(self) -> grpc.ServerCredentials:
        # gRPC documents None from the fetcher as "no change"; its stubs leave None out.
        return grpc.dynamic_ssl_server_credentials(
            self.initial,
            self.fetch,  # type: ignore[arg-type]
            require_client_authentication=bool(self.client_ca),
        )
