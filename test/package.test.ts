/**
 * The package as another team installs it: `npm pack`, the tarball installed into a fresh consumer
 * project (its own node_modules, TypeScript strict with `nodenext`, ESM), every TypeScript block of
 * the README and of docs/release-orchestration.md compiled there against the package's own
 * declarations, and the README's "From code" block run against a dev server and the installed
 * worker command: a start, a `progress` query and the result; the installed CLI then follows it.
 * So the docs cannot drift from the API, and no import reaches past `exports`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { collectOutput } from '../harness/process-output';
import { startStack } from '../harness/stack';
import { tsSnippets, type DocSnippet } from './helpers/doc-snippets';

const run = promisify(execFile);
const TOKEN = 'package-test-token';
const DOCS = [
  ['README.md', 'readme'],
  ['docs/release-orchestration.md', 'release-orchestration'],
  ['docs/product-ingestion.md', 'product-ingestion'],
] as const;

let work: string;
let consumer: string;
let snippets: DocSnippet[];

/** Runs a command, and on failure throws with its whole output (a compile error must say where). */
async function sh(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) {
  try {
    return await run(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cpp-package-'));
  await sh('npm', ['pack', '--silent', '--pack-destination', work], { cwd: PROJECT_ROOT, timeout: 120_000 });
  const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  // npm's name for it: the package's name and version.
  const { name, version } = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  expect(tarball).toBe(`${name}-${version}.tgz`);
  consumer = path.join(work, 'consumer');
  await mkdir(path.join(consumer, 'blocks'), { recursive: true });
  await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'release-orchestration', private: true, type: 'module' }));
  // skipLibCheck as `tsc --init` writes it: the SDK's own declarations import `ms`, which ships none.
  await writeFile(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', types: ['node'], outDir: 'out', skipLibCheck: true }, include: ['blocks'] }),
  );
  // The versions this project pins, from the npm cache that installed it.
  await sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', path.join(work, tarball as string), '@temporalio/client@1.24.0', '@temporalio/workflow@1.24.0', '@types/node@20.19.43'],
    { cwd: consumer, timeout: 240_000 },
  );
  snippets = (await Promise.all(DOCS.map(([doc, label]) => tsSnippets(path.join(PROJECT_ROOT, doc), label)))).flat();
  for (const s of snippets) await writeFile(path.join(consumer, 'blocks', s.fileName), s.source);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it('the tarball holds the built package and nothing of the tests, the simulator or the sources', async () => {
  const { stdout } = await sh('tar', ['-tzf', path.join(work, (await readdir(work)).find((f) => f.endsWith('.tgz')) as string)], { cwd: work });
  const files = stdout.trim().split('\n');
  expect(files).toContain('package/dist/index.js');
  expect(files).toContain('package/dist/index.d.ts');
  expect(files).toContain('package/dist/worker.js');
  expect(files).toContain('package/dist/starter.js');
  expect(files.filter((f) => !/^package\/(dist\/.*\.(js|d\.ts|js\.map)|package\.json|README\.md)$/.test(f))).toEqual([]);
  expect(files.filter((f) => /simulator|temporal-cli|harness|\/test\//.test(f))).toEqual([]);
});

it('every TypeScript block of the README and docs/release-orchestration.md compiles in a strict nodenext consumer', async () => {
  // Four in the README and the release doc at the time of writing; a block lost from the docs would shrink this.
  expect(snippets.length).toBeGreaterThanOrEqual(5);
  expect(snippets.filter((s) => s.run).map((s) => s.where)).toEqual([expect.stringMatching(/^readme:/)]);
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await sh(process.execPath, [tsc, '-p', consumer], { cwd: consumer, timeout: 120_000 });
}, 180_000);

it("the installed bins run: the worker serves the README's From code block (start, progress query, result), the CLI follows it", async () => {
  const snippet = snippets.find((s) => s.run) as DocSnippet;
  // A dev server of its own: the README's block starts on the default task queue with the default id.
  const stack = await startStack({ temporal: {}, simulator: { port: 0, tokens: [TOKEN] } });
  const env = { ...cleanEnv(), TEMPORAL_ADDRESS: stack.temporal.address };
  const worker = spawn(path.join(consumer, 'node_modules', '.bin', 'cpp-offer-cancellation-worker'), [], {
    cwd: consumer,
    env: { ...env, CPP_BASE_URL: stack.simulator.url, CPP_ACCESS_TOKEN: TOKEN, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(worker);
  try {
    await output.waitForLine((l) => l.includes('"msg":"worker ready"'), 90_000);
    stack.simulator.setScenario('contoso', 'contoso-offer', { cancel: { mode: 'accepted', completeAfterPolls: 1 } });
    const compiled = path.join(consumer, 'out', snippet.fileName.replace(/\.ts$/, '.js'));
    const { stdout } = await sh(process.execPath, [compiled], { cwd: consumer, env, timeout: 60_000 });
    const [summary, ...result] = stdout.trim().split('\n');
    expect(summary).toMatch(/^(requesting|polling) · /);
    expect(JSON.parse(result.join('\n'))).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 1, operation: { status: 'completed' } });

    const cli = await sh(path.join(consumer, 'node_modules', '.bin', 'cpp-offer-cancel'), ['--attach', 'cpp-cancel/contoso/contoso-offer'], { cwd: consumer, env, timeout: 60_000 });
    expect(cli.stdout).toContain('succeeded: the operation was cancelled (asynchronous) after 1 poll');
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('close', resolve));
    await stack.stop();
  }
}, 180_000);

/** The test's environment without the settings that would point the bins elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|CPP_|AZURE_|OTEL_|NODE_OPTIONS|VITEST)/.test(k)));
}
