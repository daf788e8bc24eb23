/**
 * The upgrade drill's verdict, from the server's own records: every run of the drill's task queue
 * (continued-as-new ones included) described for its version and memo, and its history read for
 * workflow-task failures; the simulator's log for the cancel POSTs.
 */
import { temporal } from '@temporalio/proto';
import { mapLimit } from '../../../harness/concurrency';
import { TASK_QUEUE } from '../run-context';
import type { DrillCancellation, DrillLoad } from './drill-workload';
import { VERSION_B_MEMO } from './version-b-change';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

interface RunRecord {
  workflowId: string;
  runId: string;
  buildId: string;
  /** B's change ran in it (its memo). */
  changed: boolean;
  taskFailures: string[];
}

export interface DrillVerdict {
  ok: boolean;
  lines: string[];
  figures: Record<string, unknown>;
}

async function readRuns(load: DrillLoad): Promise<RunRecord[]> {
  const ids: Array<{ workflowId: string; runId: string }> = [];
  for await (const e of load.client.workflow.list({ query: `TaskQueue = '${TASK_QUEUE}'` })) ids.push({ workflowId: e.workflowId, runId: e.runId });
  return mapLimit(ids, 16, async ({ workflowId, runId }) => {
    const handle = load.client.workflow.getHandle(workflowId, runId);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const version = description.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion;
    const taskFailures = (history.events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
      .map((e) => WorkflowTaskFailedCause[e.workflowTaskFailedEventAttributes?.cause ?? 0] ?? 'unknown');
    return { workflowId, runId, buildId: version?.buildId ?? 'unversioned', changed: description.memo?.[VERSION_B_MEMO] !== undefined, taskFailures };
  });
}

/** `Map.groupBy`, which Node 20 lacks. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const expectedOf = (c: DrillCancellation) => (c.kind === '200' ? 'synchronous' : 'asynchronous');

export async function judgeDrill(load: DrillLoad, versions: { a: string; b: string }, steps: string[], drains: string[]): Promise<DrillVerdict> {
  const { cancellations } = load;
  const runs = await readRuns(load);
  const byWorkflow = groupBy(runs, (r) => r.workflowId);
  const ended = cancellations.filter((c) => c.ending?.status === 'completed' && c.ending.result.mode === expectedOf(c) && (c.kind === '200' || c.ending.result.operation.status === 'completed'));
  const lost = cancellations.filter((c) => !c.ending || (c.ending.status === 'failed' && c.ending.message.startsWith('no ending')));
  const posts = load.postsPerOffer();
  const notOnePost = cancellations.filter((c) => posts.get(c.offerId) !== 1);
  const failuresByCause = new Map<string, number>();
  for (const cause of runs.flatMap((r) => r.taskFailures)) failuresByCause.set(cause, (failuresByCause.get(cause) ?? 0) + 1);
  const nonDeterminism = failuresByCause.get('WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR') ?? 0;
  const name = (buildId: string) => (buildId === versions.a ? 'A' : buildId === versions.b ? 'B' : buildId);
  const count = <T>(items: T[], key: (item: T) => string) => [...groupBy(items, key)].map(([k, v]) => `${k} ${v.length}`).join(', ');
  // The run that finished a chain is the latest one: the run the workflow id alone names.
  const finishers = await mapLimit(cancellations, 16, async (c) => {
    const { runId } = await load.client.workflow.getHandle(c.workflowId).describe();
    return byWorkflow.get(c.workflowId)?.find((r) => r.runId === runId);
  });
  const starters = cancellations.map((c) => byWorkflow.get(c.workflowId)?.find((r) => r.runId === c.firstRunId));
  const moved = cancellations.filter((_, i) => starters[i] && finishers[i] && starters[i].buildId !== finishers[i].buildId);
  // Of the cancellations started while B was Ramping, the share whose first run B took.
  const rampIndexes = cancellations.flatMap((c, i) => (c.step.includes('ramping') ? [i] : []));
  const rampOnB = rampIndexes.filter((i) => starters[i]?.buildId === versions.b).length;
  const changeMismatch = runs.filter((r) => r.changed !== (r.buildId === versions.b));
  const unversioned = runs.filter((r) => r.buildId === 'unversioned');

  // 25 % of 100 is 25 ± 4.3: outside 10-45 the ramp did not do what it says (a small load, UPGRADE_CANCELLATIONS, proves nothing here).
  const rampShare = rampOnB / Math.max(1, rampIndexes.length);
  const rampOk = rampIndexes.length < 40 || (rampShare >= 0.1 && rampShare <= 0.45);
  const ok = ended.length === cancellations.length && lost.length === 0 && notOnePost.length === 0 && nonDeterminism === 0 && changeMismatch.length === 0 && unversioned.length === 0 && rampOk;
  const lines = [
    `cancellations             ${cancellations.length} (${count(cancellations, (c) => c.step)})`,
    `ended as expected         ${ended.length}; lost ${lost.length}`,
    `cancel POSTs              ${notOnePost.length === 0 ? `exactly 1 for each of ${cancellations.length}` : `${notOnePost.length} cancellations without exactly 1: ${notOnePost.slice(0, 5).map((c) => `${c.offerId}=${posts.get(c.offerId) ?? 0}`).join(', ')}`}`,
    `workflow-task failures    ${failuresByCause.size === 0 ? '0' : count([...failuresByCause].flatMap(([k, n]) => Array<string>(n).fill(k)), (k) => k)}; non-determinism ${nonDeterminism}`,
    `runs (continue-as-new)    ${runs.length}: ${count(runs, (r) => `on ${name(r.buildId)}`)}; B's change (patch marker + memo) in exactly B's runs: ${changeMismatch.length === 0 ? 'yes' : `no (${changeMismatch.length} runs differ)`}`,
    `finished on               ${count(finishers.filter((r) => r !== undefined), (r) => name(r.buildId))}`,
    `moved between versions    ${moved.length} cancellations (${count(moved, (c) => `${name(starters[cancellations.indexOf(c)]!.buildId)}→${name(finishers[cancellations.indexOf(c)]!.buildId)}`) || 'none'})`,
    `ramp                      ${rampOnB} of ${rampIndexes.length} started while B was Ramping at 25 % began on B${rampOk ? '' : ' (outside 10-45 %)'}`,
    ...drains.map((d) => `drained                   ${d}`),
    `deploy steps              ${steps.join(' → ')}`,
  ];
  return {
    ok,
    lines,
    figures: {
      cancellations: cancellations.length,
      endedAsExpected: ended.length,
      lost: lost.length,
      cancellationsWithoutOnePost: notOnePost.length,
      workflowTaskFailuresByCause: Object.fromEntries(failuresByCause),
      nonDeterminism,
      runs: runs.length,
      runsByVersion: Object.fromEntries([...groupBy(runs, (r) => name(r.buildId))].map(([k, v]) => [k, v.length])),
      finishedByVersion: Object.fromEntries([...groupBy(finishers.filter((r) => r !== undefined), (r) => name(r.buildId))].map(([k, v]) => [k, v.length])),
      moved: moved.length,
      rampStartedOnB: rampOnB,
      rampStarted: rampIndexes.length,
      changeInExactlyBsRuns: changeMismatch.length === 0,
      versions,
    },
  };
}
