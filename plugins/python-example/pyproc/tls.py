"""One-time certificates for go-plugin style AutoMTLS.

The host passes its own one-time certificate in PLUGIN_CLIENT_CERT (PEM). The plugin makes a
fresh self-signed ECDSA P-256 certificate for localhost, serves mutual TLS that requires a client
certificate and trusts exactly the host's, and returns its own certificate (base64 of DER) as the
sixth field of the handshake line. The host trusts exactly that one in turn.
"""

import base64
import datetime
import ipaddress
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


class Identity:
    """A private key and its self-signed certificate."""

    def __init__(self, key, certificate):
        self.key = key
        self.certificate = certificate

    def certificate_pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def private_key_pem(self):
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def certificate_base64(self):
        """The certificate as the handshake line carries it: base64 of DER, padded."""
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return base64.b64encode(der).decode("ascii")


def generate(organization="machinehost plugin"):
    """Makes a fresh identity: ECDSA P-256, CN and SAN localhost, SAN IP 127.0.0.1, CA, valid a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return Identity(key, certificate)


def read_pem_certificate(pem):
    """Checks that ``pem`` (str or bytes) holds an X.509 certificate; returns it as PEM bytes.

    Raises ValueError saying what is wrong.
    """
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError as e:
        raise ValueError("not a PEM certificate: %s" % e) from e
    return certificate.public_bytes(serialization.Encoding.PEM)


def certificate_from_base64(field):
    """Reads the handshake's certificate field (base64 of DER, padding optional); returns PEM."""
    field = field.strip()
    field += "=" * (-len(field) % 4)
    der = base64.b64decode(field, validate=True)
    certificate = x509.load_der_x509_certificate(der)
    return certificate.public_bytes(serialization.Encoding.PEM)
