// @ts-check
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers',
  'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/** What code in the workflow sandbox must not import. */
const sandboxPaths = [
  ...nodeBuiltins.flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: 'Workflow code must not import Node built-ins.' })),
  { name: 'undici', message: 'Workflow code must not do I/O; call an activity.' },
  { name: '@temporalio/activity', message: 'Activities are imported by type only.' },
  { name: '@temporalio/client', message: 'Workflow code has no client; the workflow API does it.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', 'test/.cache/**', 'bench/results/**', 'bench/.cache/**', '.data/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.mjs', '*.mts', 'bench/*.cjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Code that runs in the workflow sandbox is replayed: no I/O, no Node built-ins, nothing that is not
    // deterministic. That is the workflows and what they share with the rest (the contract, src/workflow-safe).
    files: ['src/workflows/**/*.ts', 'src/workflow-safe/**/*.ts', 'src/contract/**/*.ts', 'test/workflows/**/*.ts', 'bench/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sandboxPaths,
        patterns: [
          { group: ['**/cpp/*', '**/ingestion/*', '**/activities/*'], allowTypeImports: true, message: 'Import activities and the API clients by type only.' },
          { group: ['**/client/*', '**/cli/*', '**/worker-process/*', '**/simulator/*', '**/temporal-cli/*'], message: 'Not workflow code: it runs outside the sandbox.' },
        ],
      }],
    },
  },
  {
    // Dependencies point down: the contract and the workflow-safe code know no API client, not even its types.
    files: ['src/contract/**/*.ts', 'src/workflow-safe/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sandboxPaths,
        patterns: [{ group: ['**/cpp/*', '**/ingestion/*', '**/activities/*', '**/workflows/*', '**/client/*', '**/cli/*', '**/worker-process/*', '**/simulator/*', '**/temporal-cli/*'], message: 'The contract and the workflow-safe code sit at the bottom: they import no API client, activity, workflow or process code.' }],
      }],
    },
  },
  {
    // The shipped package: it must not reach the test doubles and dev tools beside it, and its functions stay short.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60 }],
    },
  },
  {
    // The API clients are plain TypeScript: no Temporal, and of the contract only its types and its Temporal-free constants.
    files: ['src/cpp/**/*.ts', 'src/ingestion/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@temporalio/*'], message: 'The API clients are Temporal-free: activities adapt them to Temporal.' },
          { regex: '(^|/)contract(/(?!api-versions$).*)?$', allowTypeImports: true, message: 'Of the contract, the API clients import types and contract/api-versions only (the rest pulls in the Temporal workflow API).' },
          { group: ['**/activities/*', '**/workflows/*', '**/client/*', '**/cli/*', '**/worker-process/*', '**/simulator/*', '**/temporal-cli/*', '**/harness/*', '**/scripts/*', '**/test/*', '**/bench/*'], message: 'The API clients sit below the Temporal code and apart from the dev tools.' },
        ],
      }],
    },
  },
  {
    files: ['src/activities/**/*.ts', 'src/client/**/*.ts', 'src/cli/**/*.ts', 'src/worker-process/**/*.ts', 'src/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/simulator/*', '**/temporal-cli/*', '**/harness/*', '**/scripts/*', '**/test/*', '**/bench/*'], message: 'src/ is the package: test doubles and dev tools stay outside it.' }],
      }],
    },
  },
  { files: ['**/*.mjs', '**/*.mts', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // Preloads given to `node --require` are CommonJS by necessity.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
