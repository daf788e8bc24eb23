/**
 * Runs the starter CLI (`npm start --` is `tsx src/starter.ts`) as a child process against the
 * suite's dev server, with no Temporal settings inherited from the shell but the address and
 * namespace, and returns its exit code and output. Killed after `timeoutMs`.
 */
import { spawn } from 'node:child_process';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../temporal-cli/resolve';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The developer's own Temporal settings (a task queue, an API key, TLS, a profile) must not reach the test server's CLI runs. */
const INHERITED_TEMPORAL_SETTING = /^TEMPORAL_(?!CLI_)/;

export function runStarterCli(args: string[], timeoutMs = 80_000): Promise<CliRun> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_TEMPORAL_SETTING.test(name)));
  const env: NodeJS.ProcessEnv = { ...inherited, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/starter.ts', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
