/**
 * Registers the workflow's search attributes on a real cluster (`npm run setup`) and creates the
 * Nexus endpoint `offer-cancellation` (other namespaces call the cancellation through it), routed to
 * TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE. Idempotent: only what is missing is added. The dev server used by `npm run dev` and the tests registers them
 * at start-up already. (Temporal Cloud: add them in the Cloud UI or with tcld; its API refuses this call.)
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describeTemporal, loadTemporalConfig } from '../src/config';
import { NEXUS_ENDPOINT, SEARCH_ATTRIBUTE_NAMES } from '../src/contract';
import { ensureNexusEndpoint } from '../src/nexus/endpoint';
import { temporalConnectionOptions } from '../src/temporal-connection';

async function main(): Promise<void> {
  const config = loadTemporalConfig();
  const connection = await Connection.connect(await temporalConnectionOptions(config));
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace: config.namespace });
    const known = { ...existing.customAttributes, ...existing.systemAttributes };
    const missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => !(name in known));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace: config.namespace,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
      });
    }
    console.log(`search attributes on ${describeTemporal(config)}: added [${missing.join(', ')}], already present [${SEARCH_ATTRIBUTE_NAMES.filter((n) => !missing.includes(n)).join(', ')}]`);
    const how = await ensureNexusEndpoint(connection, { name: NEXUS_ENDPOINT, namespace: config.namespace, taskQueue: config.taskQueue });
    console.log(`Nexus endpoint ${NEXUS_ENDPOINT}: ${how === 'created' ? 'created' : 'already present'}, routing to namespace ${config.namespace}, task queue ${config.taskQueue}`);
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
