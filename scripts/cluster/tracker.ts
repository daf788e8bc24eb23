/**
 * Every cancellation the cluster test starts (the load and the probes), how it is started through the
 * typed starter, and how its ending is awaited across faults.
 */
import { Client, WorkflowNotFoundError, type Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultWorkflowId } from '../../src/contract';
import { InvalidCancellationInputError, startOfferCancellation } from '../../src/client/start-cancellation';
import type { RunningSimulator } from '../../simulator/server';
import { mapLimit } from '../../harness/concurrency';
import { log, NAMESPACE, remaining, retrying, TASK_QUEUE } from './run-context';
import { endingOf, inputOf, PUBLISHER, scenarioOf, type Ending, type Kind } from './workload';

export interface Cancellation {
  index: number;
  offerId: string;
  workflowId: string;
  kind: Kind | 'probe';
  startedAt?: number;
  ending?: Ending;
  closedAt?: number;
}

export class CancellationTracker {
  readonly cancellations: Cancellation[] = [];
  readonly client: Client;

  constructor(
    readonly connection: Connection,
    readonly simulator: RunningSimulator,
  ) {
    this.client = new Client({ connection, namespace: NAMESPACE });
  }

  track(kind: Kind | 'probe', offerId: string): Cancellation {
    const c: Cancellation = { index: this.cancellations.length, offerId, workflowId: defaultWorkflowId(PUBLISHER, offerId), kind };
    this.cancellations.push(c);
    return c;
  }

  /** Gives the offer its scenario and starts its cancellation, retried while the cluster is down. */
  async start(c: Cancellation, kind: Kind): Promise<void> {
    this.simulator.setScenario(PUBLISHER, c.offerId, scenarioOf(kind, c.index));
    await retrying(`start ${c.workflowId}`, this.connection, () => startOfferCancellation(this.client, inputOf(c.offerId), { taskQueue: TASK_QUEUE }), 300_000, (e) => e instanceof InvalidCancellationInputError);
    c.startedAt = Date.now();
  }

  async awaitEnd(c: Cancellation, timeoutMs: number): Promise<Ending> {
    const handle: WorkflowHandle = this.client.workflow.getHandle(c.workflowId);
    const ending = await retrying(
      `result of ${c.workflowId}`,
      this.connection,
      () => handle.result().then((value: unknown) => endingOf({ value }), (error: unknown) => endingOf({ error })),
      timeoutMs,
      (e) => e instanceof WorkflowNotFoundError,
    );
    c.ending = ending;
    c.closedAt ??= Date.now();
    return ending;
  }

  /** Waits for every cancellation that has no ending yet, until the run's deadline. */
  async awaitAll(): Promise<void> {
    let ended = 0;
    const progress = setInterval(() => log(`ended ${ended}/${this.cancellations.length}`), 15_000);
    try {
      await mapLimit(this.cancellations, 48, async (c) => {
        if (!c.ending) await this.awaitEnd(c, remaining()).catch((err: unknown) => log(`no ending for ${c.workflowId}: ${String(err)}`));
        ended += 1;
      });
    } finally {
      clearInterval(progress);
    }
  }
}
