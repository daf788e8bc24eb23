/**
 * The cluster test's certificates, made with `openssl` in the run's data directory
 * (.data/cluster/tls, afresh each run, valid for a day, EC P-256), and every way of connecting with
 * them, in one place:
 *   - the cluster CA, which signs
 *     - the frontend's certificate for 127.0.0.1 and localhost (SAN IP and DNS), with the extended key
 *       usages serverAuth AND clientAuth: the Temporal services' own clients present it when they call
 *       the frontend (`global.tls.systemWorker` in deploy/temporal/config/temporal.yaml);
 *     - the client certificate of our workers, the test's own client and the Temporal CLI;
 *   - for the refusal case, a second, unrelated CA and a client certificate signed by it.
 * The server reads its part through the variables of temporal.yaml, the CLI through its own
 * `TEMPORAL_TLS_*` variables, our worker through the documented ones (src/client/temporal-config.ts),
 * and the test's `Connection.connect` through {@link ClusterTls.connectionTls}.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TLSConfig } from '@temporalio/client';

/** A certificate and its private key, as PEM files. */
interface CertFiles {
  certPath: string;
  keyPath: string;
}

export interface ClusterTls {
  dir: string;
  /** The cluster CA: signs the frontend's and the clients' certificates; what every client trusts. */
  caPath: string;
  /** The name the clients check on the frontend's certificate (one of its SANs). */
  serverName: string;
  /** The frontend's certificate (serverAuth and clientAuth). */
  server: CertFiles;
  /** The client certificate of the workers, the test's client and the CLI. */
  client: CertFiles;
  /** Not trusted by the cluster: another CA, and a client certificate it signed. */
  foreign: { caPath: string; client: CertFiles };
  /** `tls` of `Connection.connect` and `NativeConnection.connect` with the client certificate. */
  connectionTls: TLSConfig;
  /** deploy/temporal/config/temporal.yaml's variables that switch the frontend to mTLS. */
  serverEnv: Record<string, string>;
  /** The Temporal CLI's variables (`temporal options`): the commands that talk to the frontend. */
  cliEnv: Record<string, string>;
  /**
   * Our worker's documented variables (docs/operations.md): the CA and the server name, and the
   * client certificate `client` (the cluster's unless another is given; `null`: none).
   */
  workerEnv(client?: CertFiles | null): Record<string, string>;
}

const SERVER_NAME = 'localhost';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA `<name>.pem` / `<name>.key`. */
function makeCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

/** `<name>.pem` / `<name>.key` signed by the CA `<ca>`, with the given extensions. */
function makeLeaf(dir: string, ca: string, name: string, cn: string, extensions: string[]): CertFiles {
  openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(path.join(dir, `${name}.ext`), `${['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n')}\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`], dir);
  rmSync(path.join(dir, `${name}.csr`));
  rmSync(path.join(dir, `${name}.ext`));
  return { certPath: path.join(dir, `${name}.pem`), keyPath: path.join(dir, `${name}.key`) };
}

/** Makes the certificates in `dir` (emptied first); about a second. */
export function makeClusterTls(dir: string): ClusterTls {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  makeCa(dir, 'ca', 'cpp-cluster-test CA');
  const server = makeLeaf(dir, 'ca', 'frontend', 'temporal-frontend', ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth,clientAuth']);
  const client = makeLeaf(dir, 'ca', 'client', 'cpp-offer-cancellation-worker', ['extendedKeyUsage=clientAuth']);
  makeCa(dir, 'foreign-ca', 'unrelated CA');
  const foreignClient = makeLeaf(dir, 'foreign-ca', 'foreign-client', 'cpp-offer-cancellation-worker', ['extendedKeyUsage=clientAuth']);
  for (const key of ['ca.key', 'frontend.key', 'client.key', 'foreign-ca.key', 'foreign-client.key']) chmodSync(path.join(dir, key), 0o600);

  const caPath = path.join(dir, 'ca.pem');
  const workerEnv = (cert: CertFiles | null = client): Record<string, string> => ({
    TEMPORAL_TLS_CA_PATH: caPath,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    ...(cert ? { TEMPORAL_TLS_CERT_PATH: cert.certPath, TEMPORAL_TLS_KEY_PATH: cert.keyPath } : {}),
  });
  return {
    dir,
    caPath,
    serverName: SERVER_NAME,
    server,
    client,
    foreign: { caPath: path.join(dir, 'foreign-ca.pem'), client: foreignClient },
    connectionTls: {
      serverNameOverride: SERVER_NAME,
      serverRootCACertificate: readFileSync(caPath),
      clientCertPair: { crt: readFileSync(client.certPath), key: readFileSync(client.keyPath) },
    },
    serverEnv: {
      TEMPORAL_TLS_FRONTEND_CERT: server.certPath,
      TEMPORAL_TLS_FRONTEND_KEY: server.keyPath,
      TEMPORAL_TLS_CLIENT_CA: caPath,
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: SERVER_NAME,
    },
    cliEnv: {
      TEMPORAL_TLS_CLIENT_CERT_PATH: client.certPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: client.keyPath,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caPath,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    },
    workerEnv,
  };
}
