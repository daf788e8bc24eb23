/**
 * The upgrade drill's cancellations: most poll an operation for 40-100 s (so they span the deploy, and
 * continue as new every few polls), some are answered 200 at once. Each is started through the typed
 * starter and awaited to its ending; the first run's id is kept to tell where a chain began.
 */
import { Client, WorkflowFailedError, type Connection } from '@temporalio/client';
import { defaultWorkflowId, type CancelOfferInput, type CancelOfferResult } from '../../../src/contract';
import { startOfferCancellation } from '../../../src/client/start-cancellation';
import type { OfferScenario } from '../../../simulator/scenario';
import type { RunningSimulator } from '../../../simulator/server';
import { indices, mapLimit } from '../../../harness/concurrency';
import { sleep } from '../processes';
import { log, NAMESPACE, remaining, retrying, TASK_QUEUE } from '../run-context';

const PUBLISHER = 'upgrade';

type DrillKind = 'polling' | '200';

export interface DrillCancellation {
  offerId: string;
  workflowId: string;
  kind: DrillKind;
  /** The deploy step it was started in (`A current`, `B ramping 25 %`, …). */
  step: string;
  firstRunId?: string;
  ending?: { status: 'completed'; result: CancelOfferResult } | { status: 'failed'; message: string };
}

/** Nine in ten poll; the operation ends 40-100 s after the POST. */
function kindOf(index: number): DrillKind {
  return index % 10 === 9 ? '200' : 'polling';
}

function scenarioOf(kind: DrillKind, index: number): OfferScenario {
  return kind === '200' ? { cancel: { mode: 'synchronous' } } : { cancel: { mode: 'accepted', completeAfterMs: 40_000 + ((index * 7919) % 60_000), steps: 0 } };
}

/** Polls every 5-10 s and continues as new every 4 polls: a day's cancellation, compressed. */
function inputOf(offerId: string): CancelOfferInput {
  return { publisherId: PUBLISHER, offerId, notificationEmails: ['ops@contoso.com'], polling: { initialIntervalSeconds: 5, maxIntervalSeconds: 10, maxPollsPerRun: 4 } };
}

export class DrillLoad {
  readonly cancellations: DrillCancellation[] = [];
  readonly client: Client;

  constructor(
    readonly connection: Connection,
    readonly simulator: RunningSimulator,
    readonly runId: string,
  ) {
    this.client = new Client({ connection, namespace: NAMESPACE });
  }

  /** Starts `count` cancellations at `perSecond`, labelled with the deploy `step`. */
  async start(count: number, perSecond: number, step: string): Promise<void> {
    const began = Date.now();
    const first = this.cancellations.length;
    await mapLimit(indices(count), 16, async (i) => {
      const due = began + (i * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const index = first + i;
      const kind = kindOf(index);
      const offerId = `${kind}-${index}-${this.runId}`;
      const c: DrillCancellation = { offerId, workflowId: defaultWorkflowId(PUBLISHER, offerId), kind, step };
      this.cancellations.push(c);
      this.simulator.setScenario(PUBLISHER, offerId, scenarioOf(kind, index));
      const handle = await retrying(`start ${c.workflowId}`, this.connection, () => startOfferCancellation(this.client, inputOf(offerId), { taskQueue: TASK_QUEUE }), 120_000);
      c.firstRunId = handle.firstExecutionRunId;
    });
    log(`${step}: started ${count} cancellations in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }

  /** Waits for every ending (a failure is an ending too: the verdict judges it). */
  async awaitAll(): Promise<void> {
    await mapLimit(this.cancellations, 48, async (c) => {
      if (c.ending) return;
      const handle = this.client.workflow.getHandle(c.workflowId);
      c.ending = await retrying(`result of ${c.workflowId}`, this.connection, () =>
        handle.result().then(
          (result: unknown) => ({ status: 'completed' as const, result: result as CancelOfferResult }),
          (err: unknown) => {
            if (err instanceof WorkflowFailedError) return { status: 'failed' as const, message: err.cause?.message ?? err.message };
            throw err;
          },
        ),
      remaining()).catch((err: unknown) => ({ status: 'failed' as const, message: `no ending: ${String(err)}` }));
    });
  }

  /**
   * Waits until the first run of every cancellation started in `step` has taken its first workflow
   * task, so is pinned to a version: a run's version is chosen then, not at its start, so a routing
   * change made before would decide it instead.
   */
  async awaitPinned(step: string): Promise<void> {
    const until = Date.now() + Math.min(remaining(), 120_000);
    await mapLimit(
      this.cancellations.filter((c) => c.step === step),
      16,
      async (c) => {
        const handle = this.client.workflow.getHandle(c.workflowId, c.firstRunId);
        for (;;) {
          const { raw, status } = await handle.describe();
          if (raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion || status.name !== 'RUNNING' || Date.now() > until) return;
          await sleep(500);
        }
      },
    );
  }

  /** The cancel POSTs the simulator received for each offer. */
  postsPerOffer(): Map<string, number> {
    const posts = new Map<string, number>();
    for (const r of this.simulator.requests({ publisherId: PUBLISHER, endpoint: 'cancel' })) posts.set(r.offerId!, (posts.get(r.offerId!) ?? 0) + 1);
    return posts;
  }
}
