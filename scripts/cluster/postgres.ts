/**
 * A PostgreSQL server of the cluster test: its own data directory under the system temp directory, on
 * 127.0.0.1 only, password (SCRAM) authentication as the compose stack's `postgres` image uses. As
 * root, initdb and pg_ctl run as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { chownSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand, waitFor } from './processes';

export interface PostgresOptions {
  /** The directory with initdb, pg_ctl, pg_isready. */
  pgBin: string;
  port: number;
  user: string;
  password: string;
  /** Where the server's log is copied when it stops. */
  logCopy: string;
}

export interface RunningPostgres {
  port: number;
  /** Stops it as a crash would (`pg_ctl stop -m immediate`: no shutdown checkpoint, crash recovery at the next start). */
  crash(): Promise<void>;
  /** Starts it again; resolves once it accepts connections. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const TIMEOUT_MS = 180_000;

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cpp-cluster-pg-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const idOf = async (flag: string) => Number((await runCommand('id', [flag, 'postgres'], { timeoutMs: 10_000 })).trim());
    owner = { uid: await idOf('-u'), gid: await idOf('-g') };
    chownSync(root, owner.uid, owner.gid);
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? runCommand('runuser', ['-u', 'postgres', '--', path.join(options.pgBin, tool), ...args], { timeoutMs: TIMEOUT_MS, cwd: root }) : runCommand(path.join(options.pgBin, tool), args, { timeoutMs: TIMEOUT_MS, cwd: root });

  const pwFile = path.join(root, 'pwfile');
  writeFileSync(pwFile, `${options.password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwFile, owner.uid, owner.gid);
  await pg('initdb', ['-D', dataDir, '-U', options.user, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--no-instructions']);
  rmSync(pwFile);

  // Four Temporal processes with a pool each (up to 20 + 10 connections) need more than the default 100.
  const serverOptions = `-p ${options.port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const start = async () => {
    await pg('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '120', 'start']);
    await waitFor(`PostgreSQL on 127.0.0.1:${options.port}`, async () => {
      await runCommand(path.join(options.pgBin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(options.port), '-U', options.user], { timeoutMs: 10_000 });
      return true;
    }, TIMEOUT_MS, 200);
  };
  await start();

  let stopped = false;
  return {
    port: options.port,
    async crash() {
      await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
    },
    restart: start,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } finally {
        try {
          cpSync(logFile, options.logCopy);
        } catch {
          // no log yet
        }
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
