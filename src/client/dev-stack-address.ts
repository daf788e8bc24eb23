/**
 * Where a running `npm run dev` serves Temporal: it writes its ports to `dev-stack.json` in its data
 * directory (`DEV_DATA_DIR`, default `.data`), and a command started without `TEMPORAL_ADDRESS` in
 * the same checkout uses them rather than the default 127.0.0.1:7233 (the stack may run on others).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What `npm run dev` writes while it runs (scripts/dev.ts), and removes when it stops. */
export interface DevStackFile {
  pid: number;
  temporalAddress: string;
  uiUrl?: string;
  simulatorUrl?: string;
  taskQueue: string;
}

export const DEV_STACK_FILE = 'dev-stack.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running dev stack's file of this checkout (`cwd`), if one is there and its process lives. */
export function runningDevStack(env: NodeJS.ProcessEnv, cwd = process.cwd()): { stack: DevStackFile; file: string } | undefined {
  const file = path.join(env.DEV_DATA_DIR || '.data', DEV_STACK_FILE);
  let stack: Partial<DevStackFile>;
  try {
    stack = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8')) as Partial<DevStackFile>;
  } catch {
    return undefined;
  }
  if (typeof stack.pid !== 'number' || typeof stack.temporalAddress !== 'string' || !alive(stack.pid)) return undefined;
  return { stack: stack as DevStackFile, file };
}
