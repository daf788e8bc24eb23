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

const INHERITED_TEMPORAL_SETTINGS = ['TEMPORAL_TASK_QUEUE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH'];

export function runStarterCli(args: string[], timeoutMs = 80_000): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
  for (const name of INHERITED_TEMPORAL_SETTINGS) delete env[name];
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
