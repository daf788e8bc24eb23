/**
 * Registers the workflow's search attributes on a real cluster (`npm run setup`) and creates the
 * Nexus endpoint `offer-cancellation` (or NEXUS_ENDPOINT; other namespaces call the cancellation
 * through it), routed to TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE. Idempotent: only what is missing is added. The dev
 * server used by `npm run dev` and the tests registers them at start-up already. Temporal Cloud
 * refuses these calls: docs/production.md gives the Cloud's own commands.
 */
import { Connection } from '@temporalio/client';
import { describeTemporal, loadTemporalConfig } from '../src/client/temporal-config';
import { SEARCH_ATTRIBUTE_NAMES } from '../src/contract';
import { ensureNexusEndpoint, ensureSearchAttributes } from '../src/client/namespace-setup';
import { temporalConnectionOptions } from '../src/client/temporal-connection';

async function main(): Promise<void> {
  const config = loadTemporalConfig(process.env, { devStack: true });
  const connection = await Connection.connect(await temporalConnectionOptions(config));
  try {
    const added = await ensureSearchAttributes(connection, config.namespace);
    console.log(`search attributes on ${describeTemporal(config)}: added [${added.join(', ')}], already present [${SEARCH_ATTRIBUTE_NAMES.filter((n) => !added.includes(n)).join(', ')}]`);
    const { nexusEndpoint } = config;
    const how = await ensureNexusEndpoint(connection, { name: nexusEndpoint, namespace: config.namespace, taskQueue: config.taskQueue });
    console.log(`Nexus endpoint ${nexusEndpoint}: ${how === 'created' ? 'created' : 'already present'}, routing to namespace ${config.namespace}, task queue ${config.taskQueue}`);
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
