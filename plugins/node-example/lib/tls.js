'use strict';
// One-time certificates for go-plugin style AutoMTLS.
//
// The host passes its one-time certificate in PLUGIN_CLIENT_CERT (PEM). The plugin makes a fresh
// self-signed ECDSA P-256 certificate for localhost, serves mutual TLS that requires a client
// certificate and trusts exactly the host's, and returns its own certificate (base64 of DER) as
// the sixth field of the handshake line. Node has no X.509 generation of its own: @peculiar/x509
// builds the certificate over WebCrypto.

require('reflect-metadata');
const { webcrypto, randomBytes, X509Certificate } = require('node:crypto');
const x509 = require('@peculiar/x509');

x509.cryptoProvider.set(webcrypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

function pem(type, der) {
  const body = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${type}-----\n${body}-----END ${type}-----\n`;
}

/**
 * Makes a fresh identity: ECDSA P-256, CN and SAN localhost, SAN IP 127.0.0.1, CA, valid a day.
 * Resolves to {keyPem, certPem, certDer}.
 */
async function generate(organization = 'machinehost plugin') {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive serial number
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=localhost, O=${organization}`,
    notBefore: new Date(now - 60 * 1000),
    notAfter: new Date(now + 24 * 3600 * 1000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment |
          x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ],
        false,
      ),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const certDer = Buffer.from(certificate.rawData);
  return { keyPem: pem('PRIVATE KEY', pkcs8), certPem: pem('CERTIFICATE', certDer), certDer };
}

/** Checks that text holds a PEM certificate; returns it as a Buffer. Throws saying what is wrong. */
function readPemCertificate(text) {
  try {
    new X509Certificate(text); // eslint-disable-line no-new
  } catch (e) {
    throw new Error(`not a PEM certificate: ${e.message}`);
  }
  return Buffer.from(text);
}

/** Reads the handshake's certificate field (base64 of DER, padding optional); returns PEM. */
function certificateFromBase64(field) {
  let padded = field.trim();
  while (padded.length % 4 !== 0) padded += '=';
  const der = Buffer.from(padded, 'base64');
  new X509Certificate(der); // eslint-disable-line no-new
  return pem('CERTIFICATE', der);
}

module.exports = { generate, readPemCertificate, certificateFromBase64, pem };
