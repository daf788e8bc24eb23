/**
 * The CLI's job mode: `npm start -- --job <jobID> [--wait | --until-accepted]` cancels a Product
 * Ingestion configure job, and follows it (also for `--attach ingestion-cancel/<jobID>`): a line per
 * change of progress and per retry, the result with what the job had processed, or the typed failure.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describeTemporal, type TemporalConfig } from '../client/temporal-config';
import { startJobCancellation } from '../client/start-job-cancellation';
import { defaultJobWorkflowId, jobProgressQuery, type CancelJobInput, type CancelJobResult, type JobCancelAnswer } from '../contract';
import { jobProgressSummary } from '../workflow-safe/job-progress-summary';
import { describeRetry, formatSeconds } from '../workflow-safe/progress-summary';
import type { cancelIngestionJob } from '../workflows/cancel-ingestion-job';
import type { CliOptions } from './flags';
import { followCommands, printFailure } from './follow-commands';
import { followRun } from './follow-run';

/** `API answered: cancelled at once` / `API answered: the job still runs; polling it`. */
function describeJobAnswer(answer: JobCancelAnswer): string {
  const confirmed = answer.confirmedByLookup ? ' (a look at its status found it cancelled already)' : '';
  return answer.mode === 'synchronous' ? `the API answered: job cancelled${confirmed}` : `the API answered: the job still runs (${answer.job.status}); polling it${confirmed}`;
}

function printJobResult(result: CancelJobResult): number {
  console.log(`succeeded: job ${result.job.jobId} cancelled (${result.mode}) after ${result.polls} poll${result.polls === 1 ? '' : 's'} in ${formatSeconds(result.durationMs / 1000)}`);
  if (result.processedResources) console.log(`  it had processed ${result.processedResources.length} resource${result.processedResources.length === 1 ? '' : 's'} before the cancel; those changes stand`);
  else if (result.processedResourcesUnavailable) console.log(`  ${result.processedResourcesUnavailable}`);
  console.log(JSON.stringify(result, null, 2));
  return 0;
}

/** Prints each change of the job cancellation's progress until it ends, then its result. Exit code. */
export async function followJob(handle: WorkflowHandle<typeof cancelIngestionJob>, config: TemporalConfig): Promise<number> {
  let last = '';
  return followRun(handle, config, {
    what: 'job cancellation',
    async look() {
      const p = await handle.query(jobProgressQuery);
      const key = jobProgressSummary({ ...p, retry: undefined });
      if (key !== last) console.log(`  ${jobProgressSummary({ ...p, retry: undefined }, Date.now())}`);
      last = key;
      if (p.retry) console.log(`  ${describeRetry(p.retry, Date.now())}`);
    },
    printResult: printJobResult,
    cancelledLine: (reason) => `workflowCanceled: the workflow was cancelled (${reason}); polling stopped`,
  });
}

/** `--job`: starts (or attaches to) the job's cancellation; `--until-accepted` returns once the API answered. */
export async function runJob(client: Client, input: CancelJobInput, config: TemporalConfig, options: CliOptions): Promise<number> {
  const workflowId = options.workflowId ?? defaultJobWorkflowId(input.jobId);
  console.log(`job cancellation ${workflowId} on ${describeTemporal(config)}`);
  if (options.untilAccepted) {
    try {
      const { handle, answer } = await startJobCancellation(client, input, { taskQueue: config.taskQueue, workflowId, waitFor: 'accepted' });
      console.log(describeJobAnswer(answer));
      return options.wait ? followJob(handle, config) : 0;
    } catch (err) {
      if (!(err instanceof ApplicationFailure)) throw err;
      printFailure(err);
      return 1;
    }
  }
  const handle = await startJobCancellation(client, input, { taskQueue: config.taskQueue, workflowId });
  if (options.wait) return followJob(handle, config);
  console.log('follow it:');
  for (const line of followCommands(config, handle.workflowId)) console.log(`  ${line}`);
  return 0;
}
