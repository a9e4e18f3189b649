"""The WebAuthn protocol through py_webauthn, behind the application's PasskeyVerifier port.

Registration asks for no attestation ("none"): the mechanism trusts the member who enrols
after entering the password, not the maker of the key. User verification (a PIN or a
fingerprint on the key) is preferred, not required, so plain security keys work as a second
factor. The library's errors become PasskeyRejectedError with a short reason for the audit
trail; nothing a client sent is trusted before the library has checked it.
"""

from __future__ import annotations

import json

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from truce.domain.passkeys import (
    MAX_CREDENTIAL_ID_LENGTH,
    NewPasskey,
    Passkey,
    PasskeyRejectedError,
    RelyingParty,
)

# How long the browser waits for the member to touch the key (milliseconds).
CEREMONY_TIMEOUT_MS = 120_000
# ES256 first (every authenticator has it), then Ed25519 and RS256 (Windows Hello).
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
# What the library may raise on malformed input besides its own errors.
_MALFORMED = (WebAuthnException, ValueError, KeyError, TypeError, AttributeError)
_REASON_LENGTH = 200


def _rejected(error: Exception) -> PasskeyRejectedError:
    return PasskeyRejectedError(str(error)[:_REASON_LENGTH] or type(error).__name__)


def _descriptor(
    credential_id: str, transports: tuple[str, ...] = ()
) -> PublicKeyCredentialDescriptor:
    known = {t.value for t in AuthenticatorTransport}
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(credential_id),
        transports=[AuthenticatorTransport(t) for t in transports if t in known] or None,
    )


class WebAuthnVerifier:
    """Options for navigator.credentials.create/get, and verification of their answers."""

    def registration_options(
        self,
        rp: RelyingParty,
        *,
        user_id: bytes,
        user_name: str,
        display_name: str,
        challenge: bytes,
        exclude: list[str],
    ) -> str:
        options = generate_registration_options(
            rp_id=rp.id,
            rp_name=rp.name,
            user_id=user_id,
            user_name=user_name,
            user_display_name=display_name,
            challenge=challenge,
            timeout=CEREMONY_TIMEOUT_MS,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[_descriptor(c) for c in exclude],
            supported_pub_key_algs=ALGORITHMS,
        )
        return options_to_json(options)

    def verify_registration(
        self, rp: RelyingParty, response: str, *, challenge: bytes
    ) -> NewPasskey:
        try:
            credential = parse_registration_credential_json(response)
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=list(rp.origins),
                supported_pub_key_algs=ALGORITHMS,
            )
        except _MALFORMED as error:
            raise _rejected(error) from None
        credential_id = bytes_to_base64url(verified.credential_id)
        if len(credential_id) > MAX_CREDENTIAL_ID_LENGTH:
            raise PasskeyRejectedError("credential id too long")
        transports = tuple(t.value for t in credential.response.transports or ())
        return NewPasskey(
            credential_id, verified.credential_public_key, verified.sign_count, transports
        )

    def authentication_options(
        self, rp: RelyingParty, *, challenge: bytes, allow: list[Passkey]
    ) -> str:
        options = generate_authentication_options(
            rp_id=rp.id,
            challenge=challenge,
            timeout=CEREMONY_TIMEOUT_MS,
            allow_credentials=[_descriptor(p.credential_id, p.transports) for p in allow],
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        return options_to_json(options)

    def credential_id(self, response: str) -> str:
        try:
            raw_id = parse_authentication_credential_json(response).raw_id
        except _MALFORMED as error:
            raise _rejected(error) from None
        credential_id = bytes_to_base64url(raw_id)
        if not raw_id or len(credential_id) > MAX_CREDENTIAL_ID_LENGTH:
            raise PasskeyRejectedError("not a credential id")
        return credential_id

    def verify_authentication(
        self, rp: RelyingParty, response: str, *, challenge: bytes, passkey: Passkey
    ) -> int:
        try:
            verified = verify_authentication_response(
                credential=parse_authentication_credential_json(response),
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=list(rp.origins),
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
            )
        except _MALFORMED as error:
            raise _rejected(error) from None
        return int(verified.new_sign_count)


def options_challenge(options: str) -> bytes:
    """The challenge inside options JSON (for tests and diagnostics)."""
    return base64url_to_bytes(json.loads(options)["challenge"])
