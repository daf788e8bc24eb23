/**
 * The Temporal server of the cluster test: frontend, history, matching and the internal worker as four
 * processes of one `temporal-server` build, all from deploy/temporal/config/temporal.yaml (the file
 * docker-compose.yml mounts) with deploy/temporal/dynamicconfig/production.yaml, so a fault hits one
 * service at a time. The schema and the namespace come from the compose stack's own one-shot scripts.
 * The frontend requires client certificates (mTLS, scripts/cluster/tls.ts): the services get the
 * certificates through temporal.yaml's TEMPORAL_TLS_* variables, every CLI call the CLI's own.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal-cli/resolve';
import { acceptsConnections, runCommand, spawnLogged, waitFor, type LoggedProcess, type PortAllocator } from './processes';
import type { ClusterTls } from './tls';

const SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
type ServiceName = (typeof SERVICES)[number];

const CONFIG_FILE = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'config', 'temporal.yaml');
const DYNAMIC_CONFIG_FILE = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig', 'production.yaml');
const SCHEMA_SCRIPT = path.join(PROJECT_ROOT, 'deploy', 'compose', 'temporal-schema.sh');
const REGISTER_SCRIPT = path.join(PROJECT_ROOT, 'deploy', 'compose', 'temporal-register.sh');

/** Where install-tools.sh put things. */
export interface Tools {
  pgBin: string;
  /** `server`, `sql` and their image names `temporal-server`, `temporal-sql-tool`. */
  temporalBin: string;
  temporalSchemaDir: string;
  /** The directory of the `temporal` CLI. */
  cliBin: string;
}

export interface Database {
  port: number;
  user: string;
  password: string;
}

const withPath = (dir: string) => `${dir}${path.delimiter}${process.env.PATH ?? ''}`;

/** Runs a deploy/compose script to its end, as its compose service would (`sh <script>` with these variables). */
async function runDeployScript(name: string, script: string, env: NodeJS.ProcessEnv, logFile: string, timeoutMs: number): Promise<number> {
  const began = Date.now();
  const proc = spawnLogged(name, 'sh', [script], { env, cwd: PROJECT_ROOT, logFile });
  const timer = setTimeout(() => void proc.kill9(), timeoutMs);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${path.relative(PROJECT_ROOT, script)} failed (${code ?? signal}); see ${logFile}`);
  return Date.now() - began;
}

/** deploy/compose/temporal-schema.sh against the test's PostgreSQL, with this build's sql tool and schemas. */
export function setUpSchema(tools: Tools, db: Database, logFile: string): Promise<number> {
  return runDeployScript(
    'temporal-schema',
    SCHEMA_SCRIPT,
    {
      PATH: withPath(tools.temporalBin),
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(db.port),
      POSTGRES_USER: db.user,
      SQL_PASSWORD: db.password,
      TEMPORAL_SCHEMA_DIR: tools.temporalSchemaDir,
    },
    logFile,
    300_000,
  );
}

/** deploy/compose/temporal-register.sh: the namespace (72 h retention, compose's default) and the search attributes; the CLI connects with the client certificate. */
export function register(tools: Tools, address: string, tls: ClusterTls, namespace: string, logFile: string): Promise<number> {
  return runDeployScript(
    'temporal-register',
    REGISTER_SCRIPT,
    { PATH: withPath(tools.cliBin), HOME: process.env.HOME, TEMPORAL_ADDRESS: address, ...tls.cliEnv, TEMPORAL_NAMESPACE: namespace, TEMPORAL_NAMESPACE_RETENTION: '72h' },
    logFile,
    300_000,
  );
}

interface ServicePorts {
  grpc: number;
  membership: number;
  metrics: number;
}

export interface RunningCluster {
  /** The frontend's host:port. */
  address: string;
  ports: Record<ServiceName, ServicePorts>;
  process(name: ServiceName): LoggedProcess;
  /** `temporal operator cluster health` answers SERVING. */
  isServing(): Promise<boolean>;
  /** SIGKILL to one service; resolves once it has exited. */
  kill9(name: ServiceName): Promise<void>;
  /** Starts a service again with the same command; resolves once its gRPC port accepts connections. */
  restart(name: ServiceName): Promise<void>;
  /** Each service's Prometheus endpoint (PROMETHEUS_ENDPOINT), as lines of metrics served. */
  scrapeServerMetrics(): Promise<Record<ServiceName, number>>;
  stop(): Promise<void>;
}

export async function startCluster(options: { tools: Tools; db: Database; tls: ClusterTls; ports: PortAllocator; logDir: string }): Promise<RunningCluster> {
  const { tools, db, tls } = options;
  const ports = {} as Record<ServiceName, ServicePorts>;
  for (const name of SERVICES) ports[name] = { grpc: await options.ports.next(), membership: await options.ports.next(), metrics: await options.ports.next() };
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(db.port),
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password,
    BIND_ON_IP: '127.0.0.1',
    // As the temporalio/server image runs it: `temporal-server start`, the file named by this variable.
    TEMPORAL_SERVER_CONFIG_FILE_PATH: CONFIG_FILE,
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
    TEMPORAL_ALLOW_NO_AUTH: 'true',
    // The frontend requires a client certificate its CA trusts; the services' own clients present the frontend's.
    ...tls.serverEnv,
    ...Object.fromEntries(
      SERVICES.flatMap((name) => [
        [`${name.toUpperCase()}_GRPC_PORT`, String(ports[name].grpc)],
        [`${name.toUpperCase()}_MEMBERSHIP_PORT`, String(ports[name].membership)],
      ]),
    ),
  };
  const processes = {} as Record<ServiceName, LoggedProcess>;
  const logFile = (name: ServiceName) => path.join(options.logDir, `temporal-${name}.log`);
  const spawnService = (name: ServiceName) => {
    processes[name] = spawnLogged(
      `temporal ${name}`,
      path.join(tools.temporalBin, 'temporal-server'),
      ['start', '--service', name],
      { env: { ...baseEnv, PROMETHEUS_ENDPOINT: `127.0.0.1:${ports[name].metrics}` }, cwd: PROJECT_ROOT, logFile: logFile(name) },
    );
    return processes[name];
  };
  const listening = async (name: ServiceName) => {
    await waitFor(`temporal ${name} on 127.0.0.1:${ports[name].grpc}`, async () => {
      if (!processes[name].isRunning()) throw new Error(`temporal ${name} exited; see ${logFile(name)}`);
      return acceptsConnections(ports[name].grpc);
    }, 180_000, 100);
  };
  const cli = path.join(tools.cliBin, 'temporal');
  const isServing = async () => {
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...tls.cliEnv };
      return (await runCommand(cli, ['operator', 'cluster', 'health', '--address', address], { env, timeoutMs: 15_000 })).includes('SERVING');
    } catch {
      return false;
    }
  };
  const stop = async () => {
    await Promise.all(SERVICES.map((name) => processes[name]?.stop('SIGTERM', 20_000)));
  };

  try {
    // History first: the first process to start writes the cluster's metadata record, and several
    // doing it at once on an empty database fail ("failed to initialize current cluster metadata").
    spawnService('history');
    await listening('history');
    for (const name of SERVICES.filter((n) => n !== 'history')) spawnService(name);
    await Promise.all(SERVICES.map(listening));
    await waitFor('temporal operator cluster health: SERVING', isServing, 180_000, 500);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    address,
    ports,
    process: (name) => processes[name],
    isServing,
    kill9: (name) => processes[name].kill9(),
    async restart(name) {
      spawnService(name);
      await listening(name);
    },
    async scrapeServerMetrics() {
      const entries = await Promise.all(
        SERVICES.map(async (name) => {
          const text = await (await fetch(`http://127.0.0.1:${ports[name].metrics}/metrics`)).text();
          return [name, text.split('\n').filter((l) => l && !l.startsWith('#')).length] as const;
        }),
      );
      return Object.fromEntries(entries) as Record<ServiceName, number>;
    },
    stop,
  };
}
