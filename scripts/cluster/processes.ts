/**
 * Child processes of the cluster test whose output goes to a log file (the Temporal services and the
 * admin scripts), free loopback ports, and bounded waiting. Everything listens on 127.0.0.1 only.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import net from 'node:net';

/** A process started by {@link spawnLogged}. */
export interface LoggedProcess {
  name: string;
  pid: number | undefined;
  child: ChildProcess;
  /** Settles once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** SIGKILL, then waits for the exit. */
  kill9(): Promise<void>;
  /** `signal` (SIGTERM), SIGKILL after `graceMs`; waits for the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Starts `command args` with stdout and stderr appended to `logFile` (a marker line first). */
export function spawnLogged(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }): LoggedProcess {
  appendFileSync(options.logFile, `\n==== ${new Date().toISOString()} start ${name}: ${command} ${args.join(' ')}\n`);
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const isRunning = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  return {
    name,
    pid: child.pid,
    child,
    exited,
    isRunning,
    async kill9() {
      if (isRunning()) child.kill('SIGKILL');
      await exited;
    },
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (isRunning()) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** Runs a command to its end; rejects with its output when it fails or outlives `timeoutMs`. */
export function runCommand(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: options.env, cwd: options.cwd, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}\n${stdout}`.trim()));
      else resolve(stdout + stderr);
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `probe` every `intervalMs` until it returns true; throws after `timeoutMs` with `what`. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 250): Promise<number> {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      if (await probe()) return Date.now() - started;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError ? `: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}` : ''}`);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free loopback ports from 20000–32000: below Linux's ephemeral range (no clash with outgoing
 * connections), and below 32768 because Temporal stores membership ports in a PostgreSQL `smallint`.
 */
export class PortAllocator {
  private readonly taken = new Set<number>();

  async next(): Promise<number> {
    for (let tries = 0; tries < 1_000; tries++) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (this.taken.has(port)) continue;
      if (await canListen(port)) {
        this.taken.add(port);
        return port;
      }
    }
    throw new Error('no free port in 20000–32000 on 127.0.0.1');
  }
}
