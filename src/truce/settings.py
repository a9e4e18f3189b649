"""One settings object, read from the environment (TRUCE_*). Every setting is documented in
docs/settings.md, and a test keeps the two in step."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///truce.db"
DEMO_DATABASE_URL = "sqlite:///truce-demo.db"
DEMO_KEY_DIR = Path("truce-demo-keys")
DEMO_EVIDENCE_DIR = Path("truce-demo-evidence")


def _project_root() -> Path:
    """The checkout this package runs from, where package.json and node_modules live."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "package.json").is_file():
            return parent
    return Path.cwd()


@dataclass(frozen=True, slots=True)
class Settings:
    # SQLAlchemy URL of the store: a SQLite file, or postgresql+psycopg://user:pw@host/db.
    database_url: str = DEFAULT_DATABASE_URL
    # Where package.json and node_modules (front-end libraries from npm) are found.
    frontend_dir: Path = field(default_factory=_project_root)
    # Demo mode seeds the Astana case and accepts the documented demo credentials.
    demo: bool = False
    # Debug mode shows internal error pages; never turn it on where parties connect.
    debug: bool = False
    # Secret for signing session cookies and CSRF tokens: 32 bytes or more, hex or text.
    secret_key: str = ""
    # Fetch front-end libraries with `npm ci` at start when node_modules lacks them.
    install_frontend: bool = True
    # Mark session cookies Secure (sent over HTTPS only). The demo, on http://127.0.0.1, turns
    # this off; leave it on wherever parties connect.
    secure_cookies: bool = True
    # Largest request body accepted, in bytes.
    max_body_bytes: int = 1_048_576
    # Where the mechanism's record signing key is kept (encrypted with TRUCE_SECRET_KEY).
    key_dir: Path = Path("truce-keys")
    # The record's origin line in checkpoints: a name unique to this deployment's log.
    record_origin: str = "truce.local/record"
    # The witnesses whose checkpoint co-signatures the record keeps: their verifier keys (from
    # `truce witness init`), separated by spaces or commas. Others are refused.
    witness_keys: str = ""
    # A served app signs a checkpoint this often (seconds) when the record has grown; 0 = never.
    checkpoint_interval: int = 300
    # Passkeys (WebAuthn): the site's domain they belong to, e.g. truce.example.org. Empty:
    # the host the browser asked for. Set it wherever parties connect; a passkey made for one
    # domain never works on another, so it must not change once members have enrolled.
    webauthn_rp_id: str = ""
    # The name a browser shows when it asks to create or use a passkey.
    webauthn_rp_name: str = "Truce"
    # The origin (https://host[:port]) whose passkey answers are accepted. Empty: the scheme,
    # host and port the browser asked for.
    webauthn_origin: str = ""
    # Organisations' OpenID Connect providers, as a JSON list (docs/settings.md); more can be
    # stored with `truce oidc add`.
    oidc_providers: str = ""
    # The address parties reach this server at (https://truce.example.org), from which the
    # OpenID Connect redirect URI is made; empty = taken from each request.
    public_url: str = ""
    # OCHA admin-1 boundaries (GeoJSON with PCODE, or a folder holding syr_admin1.geojson) for
    # the compliance reports' map; empty = a schematic map.
    boundaries: str = ""
    # Where evidence files are kept by their SHA-256: write-once, read-only, beside the store.
    evidence_dir: Path = Path("truce-evidence")
    # Largest evidence file accepted, in bytes (uploads only; other requests keep
    # max_body_bytes).
    evidence_max_bytes: int = 52_428_800
    # Processes that prepare a large import's batches while the importing one writes them.
    # One keeps an import under 300 MB all told; on two cores a second adds memory and no
    # speed, since the writing process is as busy as the preparing one (bench/README.md).
    import_workers: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = env.get(f"TRUCE_{item.name.upper()}")
            if raw is not None:
                values[item.name] = _coerce(item.name, raw, item.type)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _coerce(name: str, raw: str, kind: object) -> object:
    if kind in ("bool", bool):
        lowered = raw.strip().lower()
        if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise ValueError(f"TRUCE_{name.upper()} must be true or false, not {raw!r}")
        return lowered in {"1", "true", "yes", "on"}
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"TRUCE_{name.upper()} must be a whole number, not {raw!r}") from None
    if kind in ("Path", Path):
        return Path(raw)
    return raw


def setting_names() -> list[str]:
    return [f"TRUCE_{item.name.upper()}" for item in fields(Settings)]
