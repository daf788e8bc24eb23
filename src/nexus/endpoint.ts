/**
 * Creates the Nexus endpoint that routes `offerCancellation` calls from any namespace to our
 * worker's namespace and task queue (`npm run dev`, `npm run setup`). Idempotent.
 */
import type { Connection } from '@temporalio/client';

export interface EndpointTarget {
  name: string;
  namespace: string;
  taskQueue: string;
}

/** Creates the endpoint unless one of that name exists; says which. */
export async function ensureNexusEndpoint(connection: Connection, target: EndpointTarget): Promise<'created' | 'present'> {
  const { endpoints } = await connection.operatorService.listNexusEndpoints({ name: target.name, pageSize: 10 });
  if ((endpoints ?? []).some((e) => e.spec?.name === target.name)) return 'present';
  await connection.operatorService.createNexusEndpoint({
    spec: { name: target.name, target: { worker: { namespace: target.namespace, taskQueue: target.taskQueue } } },
  });
  return 'created';
}
