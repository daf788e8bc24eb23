/**
 * What a namespace needs before cancellations can run in it, checked and created: the three
 * search attributes (a run that upserts one the namespace lacks fails its workflow task, again and
 * again) and the Nexus endpoint `offer-cancellation` that other namespaces call through.
 * `npm run setup` creates what is missing; the worker checks at start-up and refuses to poll a
 * namespace without the search attributes.
 */
import { temporal } from '@temporalio/proto';
import { DEFAULT_TASK_QUEUE, NEXUS_ENDPOINT, SEARCH_ATTRIBUTE_NAMES } from '../contract';
import { temporalConnectionError } from './temporal-connection';

/** The operator calls this needs; `Connection` and the worker's `NativeConnection` both have them. */
export interface OperatorConnection {
  operatorService: Pick<temporal.api.operatorservice.v1.OperatorService, 'listSearchAttributes' | 'addSearchAttributes' | 'listNexusEndpoints' | 'createNexusEndpoint'>;
}

export interface EndpointTarget {
  name: string;
  namespace: string;
  taskQueue: string;
}

/** Where a Nexus endpoint of that name routes, if one exists. */
type EndpointRoute = { kind: 'missing' } | { kind: 'here' } | { kind: 'elsewhere'; where: string };

/** The search attributes of ours that `namespace` lacks (empty when it has them all). */
async function missingSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.customAttributes, ...existing.systemAttributes };
  return SEARCH_ATTRIBUTE_NAMES.filter((name) => !(name in known));
}

/** Adds the search attributes `namespace` lacks; returns the names added. Idempotent. */
export async function ensureSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  }
  return missing;
}

/** Whether the endpoint `target.name` exists, and whether it routes to `target`'s namespace and task queue. */
async function nexusEndpointRoute(connection: OperatorConnection, target: EndpointTarget): Promise<EndpointRoute> {
  const { endpoints } = await connection.operatorService.listNexusEndpoints({ name: target.name, pageSize: 10 });
  const existing = (endpoints ?? []).find((e) => e.spec?.name === target.name);
  if (!existing) return { kind: 'missing' };
  const route = existing.spec?.target?.worker;
  if (route?.namespace === target.namespace && route.taskQueue === target.taskQueue) return { kind: 'here' };
  return { kind: 'elsewhere', where: route ? `namespace ${route.namespace ?? '?'}, task queue ${route.taskQueue ?? '?'}` : 'an external target' };
}

/**
 * Creates the endpoint unless one of that name exists; says which. One that routes elsewhere is an
 * error naming both routes: re-pointing it silently could break whoever relies on it.
 */
export async function ensureNexusEndpoint(connection: OperatorConnection, target: EndpointTarget): Promise<'created' | 'present'> {
  const route = await nexusEndpointRoute(connection, target);
  if (route.kind === 'here') return 'present';
  if (route.kind === 'elsewhere') {
    throw new Error(
      `Nexus endpoint ${target.name} exists but routes to ${route.where}, not to namespace ${target.namespace}, task queue ${target.taskQueue}; ` +
        `delete it (npm run temporal -- operator nexus endpoint delete --name ${target.name}) and run this again, or point it where you want it`,
    );
  }
  await connection.operatorService.createNexusEndpoint({
    spec: { name: target.name, target: { worker: { namespace: target.namespace, taskQueue: target.taskQueue } } },
  });
  return 'created';
}

/** A namespace the worker must not poll: it lacks what every run needs. One line, with the command that fixes it. */
class NamespaceNotReadyError extends Error {
  override readonly name = 'NamespaceNotReadyError';
}

/** What a worker checks before it polls: where, and the command that sets the namespace up. */
export interface ReadinessTarget extends EndpointTarget {
  /** The server's address, for the commands the messages give. */
  address: string;
  /** Where `address` came from, as a failed connection's line names it. @default 'TEMPORAL_ADDRESS' */
  addressSource?: string;
}

/** Something the log should say about the namespace; `warn` when a caller may be affected. */
export interface ReadinessNote {
  level: 'info' | 'warn';
  message: string;
}

/** `npm run setup` with the variables that make it set up this worker's namespace, queue and endpoint. */
function setupCommand(target: ReadinessTarget): string {
  const vars = [`TEMPORAL_ADDRESS=${target.address}`, `TEMPORAL_NAMESPACE=${target.namespace}`];
  if (target.taskQueue !== DEFAULT_TASK_QUEUE) vars.push(`TEMPORAL_TASK_QUEUE=${target.taskQueue}`);
  if (target.name !== NEXUS_ENDPOINT) vars.push(`NEXUS_ENDPOINT=${target.name}`);
  return `${vars.join(' ')} npm run setup`;
}

/** The gRPC status of a failed call (both connection kinds set a numeric `code`). */
const grpcCode = (err: unknown) => (typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : undefined);
const NOT_FOUND = 5;
const UNAVAILABLE = 14;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Refuses a namespace that does not exist or lacks our search attributes (every run's workflow task
 * would fail in a loop there) with a {@link NamespaceNotReadyError}. Its first call is the worker's
 * first on the connection: when the transport fails there (with TLS 1.3 a server that refuses the
 * client certificate may say so only at the first call), it throws the one-line
 * `TemporalConnectionError` a failed connect gives. Returns notes for the log: a
 * Nexus endpoint that is missing or routes elsewhere (only Nexus callers need it, so the worker
 * still runs), or a check the server refused (Temporal Cloud's API key may not list them).
 */
export async function checkNamespaceReady(connection: OperatorConnection, target: ReadinessTarget): Promise<ReadinessNote[]> {
  const setup = setupCommand(target);
  let missing: string[];
  try {
    missing = await missingSearchAttributes(connection, target.namespace);
  } catch (err) {
    if (grpcCode(err) === NOT_FOUND) {
      throw new NamespaceNotReadyError(
        `namespace ${target.namespace} does not exist on ${target.address}: create it (TEMPORAL_ADDRESS=${target.address} npm run temporal -- operator namespace create --namespace ${target.namespace}), then ${setup}; or set TEMPORAL_NAMESPACE to yours`,
      );
    }
    if (grpcCode(err) === UNAVAILABLE || (err instanceof Error && err.name === 'TransportError')) {
      throw temporalConnectionError({ address: target.address, addressSource: target.addressSource ?? 'TEMPORAL_ADDRESS' }, err);
    }
    return [{ level: 'warn', message: `could not check the search attributes of namespace ${target.namespace} (${errorText(err)}); if they are missing every cancellation will fail its workflow task: docs/production.md` }];
  }
  if (missing.length > 0) {
    throw new NamespaceNotReadyError(
      `namespace ${target.namespace} on ${target.address} lacks the search attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: every cancellation would fail its workflow task; ` +
        `create them with ${setup} (Temporal Cloud: tcld, docs/production.md), then start the worker again`,
    );
  }
  try {
    const route = await nexusEndpointRoute(connection, target);
    if (route.kind === 'missing') {
      return [{ level: 'warn', message: `no Nexus endpoint ${target.name}: callers in other namespaces cannot reach this worker until one exists (${setup})` }];
    }
    if (route.kind === 'elsewhere') return [{ level: 'info', message: `Nexus endpoint ${target.name} routes to ${route.where}, not to this worker's task queue ${target.taskQueue}: Nexus calls go there` }];
    return [];
  } catch (err) {
    return [{ level: 'warn', message: `could not check the Nexus endpoint ${target.name} (${errorText(err)})` }];
  }
}
