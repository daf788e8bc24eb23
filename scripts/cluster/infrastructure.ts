/** The cluster test's first phase: tools, the certificates, PostgreSQL, the schema, Temporal as four processes (frontend with mTLS), the namespace. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal-cli/resolve';
import { startPostgres, type RunningPostgres } from './postgres';
import { runCommand, type PortAllocator } from './processes';
import { DATA_DIR, LOG_DIR, log, NAMESPACE, onTeardown, remaining } from './run-context';
import { register, setUpSchema, startCluster, type RunningCluster, type Tools } from './temporal-cluster';
import { makeClusterTls, type ClusterTls } from './tls';

export interface Infrastructure {
  pg: RunningPostgres;
  cluster: RunningCluster;
  /** How to connect to `cluster.address`: the frontend refuses a client without a certificate of its CA. */
  tls: ClusterTls;
  serverMetrics: Record<string, number>;
}

async function installTools(): Promise<Tools> {
  log('tools: scripts/cluster/install-tools.sh');
  const out = await runCommand('bash', [path.join(PROJECT_ROOT, 'scripts', 'cluster', 'install-tools.sh')], { cwd: PROJECT_ROOT, timeoutMs: Math.min(remaining(), 20 * 60_000) });
  const last = out.trim().split('\n').filter((l) => l.startsWith('PG_BIN=')).pop();
  if (!last) throw new Error(`install-tools.sh printed no paths:\n${out}`);
  for (const line of out.trim().split('\n').filter((l) => l.startsWith('install-tools:'))) log(line);
  const vars = Object.fromEntries(last.split(' ').map((kv) => kv.split('=') as [string, string]));
  return { pgBin: vars.PG_BIN!, temporalBin: vars.TEMPORAL_BIN!, temporalSchemaDir: vars.TEMPORAL_SCHEMA_DIR!, cliBin: vars.TEMPORAL_CLI_BIN! };
}

/** PostgreSQL, the schema and the namespace by deploy/compose's own scripts, and the Temporal services, SERVING. */
export async function startInfrastructure(ports: PortAllocator): Promise<Infrastructure> {
  const tools = await installTools();
  const tls = makeClusterTls(path.join(DATA_DIR, 'tls'));
  log(`certificates (openssl) in ${path.relative(PROJECT_ROOT, tls.dir)}: CA, frontend (127.0.0.1, ${tls.serverName}), client; an unrelated CA and its client`);
  const db = { port: await ports.next(), user: 'temporal', password: `pw-${randomUUID()}` };
  const pg = await startPostgres({ pgBin: tools.pgBin, port: db.port, user: db.user, password: db.password, logCopy: path.join(LOG_DIR, 'postgres.log') });
  onTeardown(() => pg.stop());
  log(`PostgreSQL on 127.0.0.1:${db.port}`);
  const schemaMs = await setUpSchema(tools, db, path.join(LOG_DIR, 'temporal-schema.log'));
  log(`schemas set up by deploy/compose/temporal-schema.sh in ${(schemaMs / 1000).toFixed(1)} s`);
  const cluster = await startCluster({ tools, db, tls, ports, logDir: LOG_DIR });
  onTeardown(() => cluster.stop());
  log(`Temporal at ${cluster.address} (mTLS): ${Object.entries(cluster.ports).map(([s, p]) => `${s} ${p.grpc}`).join(', ')} (SERVING)`);
  const registerMs = await register(tools, cluster.address, tls, NAMESPACE, path.join(LOG_DIR, 'temporal-register.log'));
  log(`namespace and search attributes by deploy/compose/temporal-register.sh in ${(registerMs / 1000).toFixed(1)} s`);
  const serverMetrics = await cluster.scrapeServerMetrics();
  log(`server metrics (PROMETHEUS_ENDPOINT): ${Object.entries(serverMetrics).map(([s, n]) => `${s} ${n} samples`).join(', ')}`);
  return { pg, cluster, tls, serverMetrics };
}
