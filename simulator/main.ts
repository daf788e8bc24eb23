/**
 * `npm run simulator`: runs the CPP simulator (with the Product Ingestion routes of configure jobs)
 * in the foreground for the local stack and manual tests.
 *
 * Settings: flags win over environment variables, which win over defaults.
 *   --port / SIMULATOR_PORT (7450), --host / SIMULATOR_HOST (127.0.0.1),
 *   --seed / SIMULATOR_SEED (simulator/seed.example.json when that file exists),
 *   SIMULATOR_TOKEN (the bearer token both APIs accept, default 'sim-token'; env only, so it stays out of `ps`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { describeSeed, loadSeedFile } from './seed';
import { startSimulator } from './server';

const DEFAULT_PORT = 7450;
const DEFAULT_SEED = path.join(__dirname, 'seed.example.json');

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new InvalidArgumentError(`must be a port number 0–65535, got "${value}"`);
  return port;
}

async function main(): Promise<void> {
  const program = new Command('simulator')
    .description('Cloud Partner Portal API simulator, with the Product Ingestion API of configure jobs')
    .option('--port <port>', 'port to listen on (env SIMULATOR_PORT)', parsePort)
    .option('--host <host>', 'interface to listen on (env SIMULATOR_HOST)')
    .option('--seed <file>', 'seed file of offer scenarios (env SIMULATOR_SEED)')
    .parse();
  const flags = program.opts<{ port?: number; host?: string; seed?: string }>();

  let port: number;
  try {
    port = flags.port ?? (process.env.SIMULATOR_PORT ? parsePort(process.env.SIMULATOR_PORT) : DEFAULT_PORT);
  } catch (err) {
    throw new Error(`SIMULATOR_PORT ${(err as Error).message}`, { cause: err });
  }
  const host = flags.host ?? (process.env.SIMULATOR_HOST || '127.0.0.1');
  const tokenFromEnv = process.env.SIMULATOR_TOKEN;
  // An explicitly named seed must exist; the example seed is only used when present.
  const seedPath = flags.seed ?? (process.env.SIMULATOR_SEED || (existsSync(DEFAULT_SEED) ? DEFAULT_SEED : undefined));
  const seed = seedPath ? await loadSeedFile(seedPath) : undefined;

  const sim = await startSimulator({
    host,
    port,
    tokens: [tokenFromEnv || 'sim-token'],
    seed,
    log: (line) => console.log(`[simulator] ${line}`),
  });
  try {
    console.log(`CPP simulator listening at ${sim.url}`);
    // The token itself is never printed; only where it comes from.
    console.log(`  bearer token: ${tokenFromEnv ? 'from SIMULATOR_TOKEN' : "'sim-token' (set SIMULATOR_TOKEN to change)"}`);
    console.log(`  seed: ${seedPath ?? '(none)'}`);
    if (seed) {
      console.log(
        [
          '  offers (POST /api/publishers/{publisherId}/offers/{offerId}/cancel) and configure jobs (POST /rp/product-ingestion/configure/{jobID}/cancel?$version=2022-03-01-preview2):',
          ...describeSeed(seed, '    '),
        ].join('\n'),
      );
    }
    console.log('  admin API (no auth):');
    for (const [method, route] of [
      ['GET ', '/_admin/health'],
      ['GET ', '/_admin/requests?publisherId=&offerId=&jobId=&endpoint=cancel|poll|list|jobCancel|jobStatus|jobSummary|unknown'],
      ['GET ', '/_admin/offers/{publisherId}/{offerId}'],
      ['PUT ', '/_admin/scenarios/{publisherId}/{offerId}  (body: OfferScenario)'],
      ['PUT ', '/_admin/scenarios/default  (body: OfferScenario)'],
      ['GET ', '/_admin/jobs/{jobId}'],
      ['PUT ', '/_admin/jobs/{jobId}  (body: JobScenario)'],
      ['PUT ', '/_admin/jobs/default  (body: JobScenario)'],
      ['POST', '/_admin/reset'],
    ]) {
      console.log(`    ${method} ${sim.url}${route}`);
    }
    await waitForShutdownSignal();
    console.log('Stopping the simulator…');
  } finally {
    await sim.close();
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
