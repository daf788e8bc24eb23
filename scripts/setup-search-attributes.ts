/**
 * Registers the workflow's search attributes on a real cluster (`npm run setup`). Idempotent:
 * only missing ones are added. The dev server used by `npm run dev` and the tests registers them
 * at start-up already. (Temporal Cloud: add them in the Cloud UI or with tcld; its API refuses this call.)
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describeTemporal, loadTemporalConfig } from '../src/config';
import { SEARCH_ATTRIBUTE_NAMES } from '../src/contract';
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
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
