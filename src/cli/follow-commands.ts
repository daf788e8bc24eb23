/** What the CLI prints around a run it follows: the commands that follow it again, and a failure. */
import { ApplicationFailure } from '@temporalio/common';
import type { TemporalConfig } from '../client/temporal-config';

/** `TEMPORAL_ADDRESS=… ` when the address is not the default, so a printed command works as copied. */
function addressPrefix(config: TemporalConfig): string {
  return config.address === 'localhost:7233' || config.address === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${config.address} `;
}

/** The commands that follow `workflowId` again: this CLI, and the Temporal CLI's progress query. */
export function followCommands(config: TemporalConfig, workflowId: string): string[] {
  const quoted = /^[\w./:@-]+$/.test(workflowId) ? workflowId : `'${workflowId.replaceAll("'", "'\\''")}'`;
  return [`${addressPrefix(config)}npm start -- --attach ${quoted}`, `${addressPrefix(config)}npm run temporal -- workflow query --workflow-id ${quoted} --name progress`];
}

/** `failed: <type>: <message>`, then the failure's details (the error body) when it has them. */
export function printFailure(cause: Error): void {
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : cause.name;
  console.error(`failed: ${type}: ${cause.message}`);
  if (cause instanceof ApplicationFailure && cause.details?.length) console.error(JSON.stringify(cause.details[0], null, 2));
}
