/**
 * The operator's side of a deploy, as commands: each step of the upgrade drill runs the Temporal CLI
 * exactly as docs/operations.md ("Deploying a new worker version") prints it, with the cluster's
 * connection variables (TEMPORAL_ADDRESS, TEMPORAL_TLS_*), and logs the command it ran.
 */
import { runCommand } from '../processes';
import { log, NAMESPACE } from '../run-context';

export interface Operator {
  /** `temporal worker deployment set-current-version`, retried until the server knows the version (its workers polled). */
  setCurrent(buildId: string): Promise<void>;
  /** `temporal worker deployment set-ramping-version --percentage`. */
  setRamping(buildId: string, percentage: number): Promise<void>;
  /** `temporal workflow count` of the runs still open on a version: 0 means drained. */
  openRuns(buildId: string): Promise<number>;
  /** `temporal worker deployment describe`, for the log. */
  describe(): Promise<string>;
}

export function operator(cli: string, deploymentName: string, env: NodeJS.ProcessEnv): Operator {
  const run = (args: string[], quiet = false) => {
    if (!quiet) log(`$ temporal ${args.map((a) => (/[\s'"=]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
    return runCommand(cli, [...args, '--namespace', NAMESPACE], { env, timeoutMs: 60_000 });
  };
  const untilKnown = async (args: string[]) => {
    // A loaded server may take a while to apply a routing change (an update of its deployment workflow).
    const until = Date.now() + 180_000;
    for (let attempt = 0; ; attempt++) {
      try {
        await run(args, attempt > 0);
        return;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const versionQuery = (buildId: string) => `TemporalWorkerDeploymentVersion = '${deploymentName}:${buildId}' AND ExecutionStatus = 'Running'`;
  return {
    setCurrent: (buildId) => untilKnown(['worker', 'deployment', 'set-current-version', '--deployment-name', deploymentName, '--build-id', buildId, '--yes']),
    setRamping: (buildId, percentage) =>
      untilKnown(['worker', 'deployment', 'set-ramping-version', '--deployment-name', deploymentName, '--build-id', buildId, '--percentage', String(percentage), '--yes']),
    async openRuns(buildId) {
      const out = await run(['workflow', 'count', '--query', versionQuery(buildId)], true);
      const total = /Total:\s*(\d+)/.exec(out);
      if (!total) throw new Error(`temporal workflow count printed no total: ${out}`);
      return Number(total[1]);
    },
    describe: () => run(['worker', 'deployment', 'describe', '--name', deploymentName]),
  };
}
