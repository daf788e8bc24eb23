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

/**
 * Creates the endpoint unless one of that name exists; says which. One that routes elsewhere is an
 * error naming both routes: re-pointing it silently could break whoever relies on it.
 */
export async function ensureNexusEndpoint(connection: Connection, target: EndpointTarget): Promise<'created' | 'present'> {
  const { endpoints } = await connection.operatorService.listNexusEndpoints({ name: target.name, pageSize: 10 });
  const existing = (endpoints ?? []).find((e) => e.spec?.name === target.name);
  if (existing) {
    const route = existing.spec?.target?.worker;
    if (route?.namespace === target.namespace && route.taskQueue === target.taskQueue) return 'present';
    const where = route ? `namespace ${route.namespace ?? '?'}, task queue ${route.taskQueue ?? '?'}` : 'an external target';
    throw new Error(
      `Nexus endpoint ${target.name} exists but routes to ${where}, not to namespace ${target.namespace}, task queue ${target.taskQueue}; ` +
        `delete it (npm run temporal -- operator nexus endpoint delete --name ${target.name}) and run this again, or point it where you want it`,
    );
  }
  await connection.operatorService.createNexusEndpoint({
    spec: { name: target.name, target: { worker: { namespace: target.namespace, taskQueue: target.taskQueue } } },
  });
  return 'created';
}
