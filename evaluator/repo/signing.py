"""Keys and JWS signatures for bundles (and for checkpoints of the decision log).

Keys are PEM files: the private key PKCS#8, the public key SubjectPublicKeyInfo, which Java (`KeyFactory` with
`X509EncodedKeySpec`) and Go (`x509.ParsePKIXPublicKey`) read with their standard libraries. ES256 (ECDSA P-256,
SHA-256) is the default, EdDSA (Ed25519) the option. A signature is a compact JWS (RFC 7515) over the RFC 8785 form
of the payload, with the key id in the header: the SHA-256 of the public key's DER form.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .manifest import canonical

ALGORITHMS = ("ES256", "EdDSA")


class SigningError(Exception):
    """A key cannot be used, or a signature does not verify; the message says which and why."""


def _lib():
    """PyJWT and cryptography, imported on first use: most commands never sign, and the import costs a cold start."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    return jwt, serialization, ec, ed25519


def keygen(alg: str = "ES256") -> tuple[bytes, bytes]:
    """A new key pair as (private PEM, public PEM)."""
    _, serialization, ec, ed25519 = _lib()
    if alg == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    elif alg == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise SigningError(f"unknown algorithm '{alg}'; use one of {', '.join(ALGORITHMS)}")
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def write_keypair(directory: Path, name: str, alg: str) -> tuple[Path, Path]:
    """Write NAME.key (mode 0600) and NAME.pub into directory; never overwrite an existing key."""
    directory.mkdir(parents=True, exist_ok=True)
    priv_path, pub_path = directory / f"{name}.key", directory / f"{name}.pub"
    for p in (priv_path, pub_path):
        if p.exists():
            raise SigningError(f"{p} already exists; not overwriting a key")
    private, public = keygen(alg)
    fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private)
    pub_path.write_bytes(public)
    return priv_path, pub_path


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read key file {path}: {exc.strerror}") from None


def load_private(path: Path):
    _, serialization, _, _ = _lib()
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    return key


def load_public(path: Path):
    _, serialization, _, _ = _lib()
    data = _read(path)
    try:
        return serialization.load_pem_public_key(data)
    except ValueError:
        if b"PRIVATE KEY" in data:
            raise SigningError(f"{path} is a private key; verification takes the public key (.pub)") from None
        raise SigningError(f"{path} is not a PEM public key") from None


def algorithm_of(key) -> str:
    _, _, ec, ed25519 = _lib()
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name != "secp256r1":
            raise SigningError(f"ECDSA key on curve {key.curve.name}; ES256 needs P-256")
        return "ES256"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "EdDSA"
    raise SigningError(f"unsupported key type {type(key).__name__}; use an ES256 (P-256) or Ed25519 key")


def key_id(public_key) -> str:
    _, serialization, _, _ = _lib()
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def sign(payload: dict, private_key) -> str:
    jwt, _, _, _ = _lib()
    alg = algorithm_of(private_key)
    return jwt.api_jws.encode(canonical(payload), private_key, algorithm=alg,
                              headers={"kid": key_id(private_key.public_key())})


def verify(token: str, public_key) -> tuple[dict, bytes]:
    """Check a compact JWS with the public key: (protected header, payload bytes). Raises SigningError."""
    jwt, _, _, _ = _lib()
    alg = algorithm_of(public_key)
    try:
        out = jwt.api_jws.decode_complete(token, public_key, algorithms=[alg])
    except jwt.exceptions.InvalidAlgorithmError:
        try:
            used = jwt.get_unverified_header(token).get("alg")
        except jwt.exceptions.PyJWTError:
            used = "?"
        raise SigningError(f"the bundle is signed with {used} but the given key is an {alg} key") from None
    except jwt.exceptions.InvalidSignatureError:
        raise SigningError(f"the signature does not verify with the key {key_id(public_key)}") from None
    except jwt.exceptions.PyJWTError as exc:
        raise SigningError(f"not a valid JWS: {exc}") from None
    return out["header"], out["payload"]
