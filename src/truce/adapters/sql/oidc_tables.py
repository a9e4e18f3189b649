"""Tables of sign-in through an organisation's OpenID Connect provider, on the same `metadata`
as the rest (tables.py imports this module at its end, beside auth_tables)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from truce.adapters.sql.tables import ID, NAME, metadata

PROVIDER_NAME = 40
URL = 500
DIGEST = 64
ADDRESS = 100

# The client secret is never stored as given: the row names the environment variable that
# holds it, or keeps it sealed with AES-GCM under a key derived from TRUCE_SECRET_KEY.
oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("name", String(PROVIDER_NAME), primary_key=True),
    Column("issuer", String(URL), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("body_id", String(ID), ForeignKey("bodies.id"), nullable=False),
    Column("label", String(80), nullable=False),
    # Space-separated, as OAuth writes scopes.
    Column("scopes", String(NAME), nullable=False),
    Column("client_secret_env", String(100), nullable=True),
    Column("sealed_client_secret", LargeBinary(1024), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# (issuer, subject) names one person at a provider and is linked to exactly one member; a row
# provisioned by email has no subject until the first sign-in fills it in. NULLs are distinct
# in unique constraints on both engines, so many rows may await their subject.
oidc_identities = Table(
    "oidc_identities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issuer", String(URL), nullable=False),
    Column("subject", String(255), nullable=True),
    Column("email", String(254), nullable=True),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False, index=True),
    Column("provider", String(PROVIDER_NAME), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("issuer", "subject"),
    UniqueConstraint("issuer", "email"),
    UniqueConstraint("issuer", "member_id"),
)

# Sign-ins sent to a provider and not yet back: digests only (of the state, and of the secret
# in the browser's cookie from which the nonce and the PKCE verifier are derived).
oidc_logins = Table(
    "oidc_logins",
    metadata,
    Column("state_hash", String(DIGEST), primary_key=True),
    Column("binding_hash", String(DIGEST), nullable=False),
    Column("provider", String(PROVIDER_NAME), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("address", String(ADDRESS), nullable=True),
)
