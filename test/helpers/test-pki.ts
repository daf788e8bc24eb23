/**
 * Certificates made by the test, with `openssl`, in a fresh temporary directory: a CA, a TLS
 * certificate for 127.0.0.1 signed by it (the fake Entra authority's), and self-signed client
 * certificates for `ClientCertificateCredential`. Nothing here is trusted by anyone until a
 * process is started with `NODE_EXTRA_CA_CERTS` = {@link TestPki.caPath}.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A client certificate as `AZURE_CLIENT_CERTIFICATE_PATH` wants it, and what the authority registers. */
export interface ClientCertificate {
  /** PEM file holding the private key and the certificate (unencrypted unless `password` is set). */
  path: string;
  /** The certificate alone (PEM), as it would be uploaded to the app registration. */
  certificatePem: string;
  /** The private key's base64 lines: secrets for the leak scans. */
  privateKeyLines: string[];
  /** The password of the key in {@link path}, when it is encrypted. */
  password?: string;
}

/** The test's certificates; {@link dispose} removes their directory. */
export interface TestPki {
  dir: string;
  /** The CA certificate (PEM file): what `NODE_EXTRA_CA_CERTS` points at. */
  caPath: string;
  /** The authority's TLS key and certificate for 127.0.0.1 (PEM text). */
  server: { key: string; cert: string };
  /** A self-signed client certificate for `AZURE_CLIENT_CERTIFICATE_PATH`. */
  clientCertificate(name: string, options?: { password?: string }): ClientCertificate;
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a CA and a 127.0.0.1 server certificate (RSA 2048, valid for a day) in a new temp dir. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-pki-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=cpp-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext'], dir);
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  return {
    dir,
    caPath: path.join(dir, 'ca.pem'),
    server: { key: read('server.key'), cert: read('server.pem') },
    clientCertificate(name, options = {}) {
      const base = name.replace(/[^\w-]/g, '_');
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.crt`, '-days', '1', '-subj', `/CN=${base}`], dir);
      const keyPem = read(`${base}.key`);
      const certificatePem = read(`${base}.crt`);
      let storedKey = keyPem;
      if (options.password !== undefined) {
        openssl(['pkcs8', '-topk8', '-in', `${base}.key`, '-out', `${base}.enc.key`, '-v2', 'aes-256-cbc', '-passout', `pass:${options.password}`], dir);
        storedKey = read(`${base}.enc.key`);
      }
      const file = path.join(dir, `${base}.pem`);
      writeFileSync(file, `${storedKey}${certificatePem}`, { mode: 0o600 });
      return { path: file, certificatePem, privateKeyLines: pemBodyLines(keyPem), ...(options.password !== undefined ? { password: options.password } : {}) };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The base64 lines of a PEM block (the header and footer lines left out). */
function pemBodyLines(pem: string): string[] {
  return pem.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith('-----'));
}

/** SHA-1 and SHA-256 thumbprints of a PEM certificate, base64url, as `x5t` and `x5t#S256` carry them. */
export function thumbprints(certificatePem: string): { x5t: string; x5tS256: string } {
  const der = new X509Certificate(certificatePem).raw;
  return {
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}
