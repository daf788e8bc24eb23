/**
 * A small mutation check of the suite (docs/reliability.md, "Can the tests fail?"): applies seven
 * deliberate bugs, one at a time, each to a fresh temporary copy of the working tree, runs the test
 * files that should catch it, and reports which went red. A mutation no file catches is a hole.
 *
 *   npm run test:mutation                         # all seven, about 15 min on 2 cores
 *   npm run test:mutation -- 404-retryable        # only the named ones
 *   npm run test:mutation -- --repo /tmp/other    # another checkout (e.g. an older commit's worktree)
 *
 * Exit code 1 when a mutation could not be applied (the code it edits moved: update its `find`) or
 * when the unmutated copy is not green; a mutation nobody catches is reported, not an error.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface Mutation {
  name: string;
  what: string;
  file: string;
  find: string;
  replace: string;
}

const MUTATIONS: Mutation[] = [
  {
    name: '404-retryable',
    what: '404 made retryable',
    file: 'src/cpp/errors.ts',
    find: "return { code: 'NotFound', retryable: false };",
    replace: "return { code: 'NotFound', retryable: true };",
  },
  {
    name: 'no-origin-guard',
    what: 'the same-origin guard on Location removed',
    file: 'src/cpp/location.ts',
    find: 'if (url.origin !== baseUrl.origin) {',
    replace: 'if (url.origin !== baseUrl.origin && false) {',
  },
  {
    name: 'retry-after-dropped-on-429',
    what: '`Retry-After` dropped on a 429',
    file: 'src/cpp/exchange-errors.ts',
    find: "retryAfterMs: parseRetryAfter(answer.headers['retry-after']),\n    requestId",
    replace: "retryAfterMs: answer.status === 429 ? undefined : parseRetryAfter(answer.headers['retry-after']),\n    requestId",
  },
  {
    name: 'repost-without-lookup',
    what: 'a retry that re-POSTs without the look-up',
    file: 'src/cpp/cancel-at-most-once.ts',
    find: 'const retried = context.attempt > 1;',
    replace: 'const retried = context.attempt > 1 && false;',
  },
  {
    name: 'error-bodies-unredacted',
    what: 'error bodies left unredacted',
    file: 'src/cpp/exchange-errors.ts',
    find: 'return redactText(text, secrets).slice(0, MAX_ERROR_BODY_CHARS);',
    replace: 'return text.slice(0, MAX_ERROR_BODY_CHARS);',
  },
  {
    name: 'failed-operation-succeeds',
    what: 'a `failed` operation reported as success',
    file: 'src/workflows/cancel-offer-operation.ts',
    find: "if (operation?.status === 'failed') {",
    replace: "if (operation?.status === 'failed' && false) {",
  },
  {
    name: 'location-token-kept',
    what: 'a token echoed into the Location query kept',
    file: 'src/cpp/location.ts',
    find: 'return withoutSecrets(url.href, secrets);',
    replace: 'return url.href;',
  },
];

/** The files that should catch these bugs: the client's, the workflow's, end to end, reliability. Missing ones are skipped. */
const TEST_FILES = [
  'test/cpp-client.test.ts',
  'test/cpp-client-parsing.test.ts',
  'test/cpp-client-fixtures.test.ts',
  'test/cpp-client-simulator.test.ts',
  'test/cancel-at-most-once.test.ts',
  'test/workflow.test.ts',
  'test/retries.test.ts',
  'test/foreign-location.test.ts',
  'test/reference-fixtures-e2e.test.ts',
  'test/token-echo.test.ts',
  'test/reliability/fault-matrix.test.ts',
  'test/reliability/secrets.test.ts',
  'test/reliability/worker-crash.test.ts',
];

/** What a copy needs besides the tracked and new files: installed packages and the Temporal CLI. */
const LINKED = ['node_modules', '.tools'];

const OWN_ROOT = path.resolve(__dirname, '..');

function parseArgs(argv: string[]): { repo: string; only: string[] } {
  let repo = OWN_ROOT;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--repo') repo = path.resolve(argv[++i] ?? '.');
    else only.push(argv[i]!);
  }
  const unknown = only.filter((n) => !MUTATIONS.some((m) => m.name === n));
  if (unknown.length) throw new Error(`unknown mutation ${unknown.join(', ')}; known: ${MUTATIONS.map((m) => m.name).join(', ')}`);
  return { repo, only };
}

/** A copy of `repo`'s working tree (tracked and untracked, not ignored files), with its packages linked. */
function copyOf(repo: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mutation-'));
  const listed = spawnSync('git', ['-C', repo, 'ls-files', '-co', '--exclude-standard', '-z'], { encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${repo}: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(repo, file))) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(repo, file), path.join(dir, file));
  }
  // A worktree of another commit has no packages of its own: it borrows this checkout's.
  for (const link of LINKED) {
    const source = [repo, OWN_ROOT].map((root) => path.join(root, link)).find((p) => existsSync(p));
    if (source) symlinkSync(source, path.join(dir, link));
  }
  return dir;
}

/** Runs `files` in `dir`; the files that failed (a file whose run broke counts as failed). */
function failingFiles(dir: string, files: string[]): string[] {
  const report = path.join(dir, 'vitest-report.json');
  spawnSync('npx', ['vitest', 'run', ...files, '--reporter=json', `--outputFile=${report}`], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: '1' } });
  if (!existsSync(report)) return [...files];
  const results = (JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; status: string }[] }).testResults;
  return files.filter((f) => {
    const result = results.find((r) => r.name.endsWith(f));
    return !result || result.status !== 'passed';
  });
}

function applyMutation(dir: string, m: Mutation): void {
  const file = path.join(dir, m.file);
  const text = readFileSync(file, 'utf8');
  if (text.split(m.find).length !== 2) throw new Error(`${m.name}: \`${m.find}\` is not found exactly once in ${m.file}; update the mutation`);
  writeFileSync(file, text.replace(m.find, m.replace));
}

function main(): void {
  const { repo, only } = parseArgs(process.argv.slice(2));
  const files = TEST_FILES.filter((f) => existsSync(path.join(repo, f)));
  const chosen = MUTATIONS.filter((m) => only.length === 0 || only.includes(m.name));
  console.log(`mutation: ${chosen.length} mutations over ${files.length} test files of ${repo}`);

  const baseline = copyOf(repo);
  try {
    const red = failingFiles(baseline, files);
    if (red.length) {
      console.error(`mutation: the unmutated copy is not green (${red.join(', ')}): fix that first`);
      process.exit(1);
    }
  } finally {
    rmSync(baseline, { recursive: true, force: true });
  }

  const rows: string[] = [];
  for (const m of chosen) {
    const dir = copyOf(repo);
    try {
      applyMutation(dir, m);
      const started = Date.now();
      const red = failingFiles(dir, files);
      const caught = red.length ? red.map((f) => `\`${path.basename(f, '.test.ts')}\``).join(', ') : '**not caught**';
      rows.push(`| ${m.what} | ${caught} |`);
      console.log(`mutation: ${m.name}: ${red.length ? `caught by ${red.join(', ')}` : 'NOT CAUGHT'} (${Math.round((Date.now() - started) / 1000)} s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(['', '| mutation | test files that went red |', '|---|---|', ...rows].join('\n'));
}

main();
