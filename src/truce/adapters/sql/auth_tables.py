"""Tables of authentication and of the audit trail, on the same `metadata` as the rest
(tables.py imports this module at its end, so Alembic and the tests see them)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from truce.adapters.sql.tables import ID, NAME, metadata

DIGEST = 64  # SHA-256, hex
ADDRESS = 100  # an IPv6 address with a zone fits; longer input is cut by the domain

# One row per member who has any credential. `totp_secret` holds the seed encrypted with
# AES-GCM (nonce, ciphertext and tag), never the seed itself.
credentials = Table(
    "credentials",
    metadata,
    Column("member_id", String(ID), ForeignKey("members.id"), primary_key=True),
    Column("password_hash", String(255), nullable=True),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    Column("totp_secret", LargeBinary(128), nullable=True),
    Column("totp_confirmed", Boolean, nullable=False),
    Column("totp_last_step", BigInteger, nullable=True),
)

# A session is known by the SHA-256 of its id; the id itself lives only in the cookie.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(DIGEST), primary_key=True),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("address", String(ADDRESS), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False, index=True),
    Column("label", String(NAME), nullable=False),
    Column("secret_hash", String(DIGEST), nullable=False),
    # Space-separated, as OAuth writes scopes.
    Column("scopes", String(NAME), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Recent failed sign-ins, for the throttle only (the audit trail keeps the history). The
# account is the SHA-256 of the username as typed, so unknown usernames throttle alike and a
# password typed into the username field is never stored readably.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(DIGEST), nullable=False),
    Column("address", String(ADDRESS), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False, index=True),
    Index("ix_login_failures_account_key_failed_at", "account_key", "failed_at"),
    Index("ix_login_failures_address_failed_at", "address", "failed_at"),
)

# Append-only. No foreign keys: an entry must be written even when it names an id that was
# never stored (a guessed id is exactly what the trail is for).
audit_entries = Table(
    "audit_entries",
    metadata,
    # 64-bit where the engine has it: every decision is written, so the count grows fast.
    # SQLite's rowid is already 64-bit but autoincrements only for a column typed INTEGER.
    Column(
        "seq",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor_member_id", String(ID), nullable=True, index=True),
    Column("action", String(32), nullable=False),
    Column("resource_kind", String(32), nullable=False),
    Column("resource_id", String(140), nullable=True),
    Column("allowed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("address", String(ADDRESS), nullable=True),
    Index("ix_audit_entries_allowed_seq", "allowed", "seq"),
)

# WebAuthn credentials. The credential id (base64url) is the key: an authenticator names it
# in every assertion, and no two members can hold the same one. `public_key` is the COSE
# key; `transports` is space-separated ("internal hybrid usb").
passkeys = Table(
    "passkeys",
    metadata,
    Column("credential_id", String(1400), primary_key=True),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False, index=True),
    Column("name", String(NAME), nullable=False),
    Column("public_key", LargeBinary(1024), nullable=False),
    Column("sign_count", BigInteger, nullable=False),
    Column("transports", String(NAME), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

# Short-lived states of sign-in and enrolment (a sign-in waiting for its second factor, a
# WebAuthn challenge, a recent re-entry of the password), keyed by the SHA-256 of a secret
# handle the browser holds and by what they wait for.
auth_challenges = Table(
    "auth_challenges",
    metadata,
    Column("handle_hash", String(DIGEST), primary_key=True),
    Column("purpose", String(32), primary_key=True),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False),
    Column("challenge", LargeBinary(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)
