/**
 * The worker's Node flags are the same wherever it is started, and the same the benchmark measured:
 * WORKER_NODE_FLAGS is the one source, and the two places that cannot import it (package.json's
 * `worker` script, the Dockerfile's NODE_OPTIONS) must hold exactly its text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { WORKER_NODE_FLAGS } from '../src/worker-process/node-flags';

const read = (file: string) => readFile(path.join(PROJECT_ROOT, file), 'utf8');

describe('worker Node flags', () => {
  it('npm run worker passes them on the node command line', async () => {
    const { scripts } = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.worker).toBe(`node ${WORKER_NODE_FLAGS.join(' ')} --import tsx src/worker.ts`);
  });

  it('the Dockerfile sets them as NODE_OPTIONS, which a deployment can override', async () => {
    const dockerfile = await read('Dockerfile');
    const flags = WORKER_NODE_FLAGS.join(' ').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(dockerfile).toMatch(new RegExp(`^\\s*NODE_OPTIONS=${flags}\\s*\\\\?$`, 'm'));
  });
});
