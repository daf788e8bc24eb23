/**
 * Seed files: the scenarios a simulator starts with (and returns to on reset), as JSON:
 * `{ "default": OfferScenario, "offers": { "publisherId/offerId": OfferScenario }, "jobs": { "<job GUID>": JobScenario } }`.
 * simulator/seed.example.json holds the demo offers and configure jobs of `npm run dev` and
 * `npm run simulator`: each has a `description` (listed at start-up) and is `repeatable`
 * (cancellable again without a restart).
 */
import { readFile } from 'node:fs/promises';
import { isJobId } from './job-model';
import type { OfferScenario, SimulatorSeed } from './scenario';
import { ScenarioError } from './validate-fields';
import { validateJobScenario } from './validate-job-scenario';
import { validateScenario } from './validate-scenario';

/** A seed entry with its key split into publisher and offer. */
export interface SeedEntry {
  publisherId: string;
  offerId: string;
  scenario: OfferScenario;
}

/**
 * Reads and checks a seed file.
 *
 * @throws Error naming the file and the problem (unreadable, not JSON, or a bad scenario).
 */
export async function loadSeedFile(path: string): Promise<SimulatorSeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read simulator seed file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Simulator seed file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    return validateSeed(json);
  } catch (err) {
    throw new Error(`Simulator seed file ${path} is invalid: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Checks that `value` is a {@link SimulatorSeed} (every scenario, every `publisherId/offerId` key,
 * every job id).
 *
 * @throws ScenarioError naming the first bad field.
 */
export function validateSeed(value: unknown): SimulatorSeed {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ScenarioError('seed: must be an object like {"default": {...}, "offers": {"contoso/contoso-offer": {...}}}');
  }
  const seed = value as Record<string, unknown>;
  if (seed.default !== undefined) validateScenario(seed.default, 'default');
  if (seed.offers !== undefined) {
    if (typeof seed.offers !== 'object' || seed.offers === null || Array.isArray(seed.offers)) throw new ScenarioError('offers: must be an object keyed "publisherId/offerId"');
    for (const [key, scenario] of Object.entries(seed.offers)) {
      splitSeedKey(key);
      validateScenario(scenario, `offers["${key}"]`);
    }
  }
  if (seed.jobs !== undefined) {
    if (typeof seed.jobs !== 'object' || seed.jobs === null || Array.isArray(seed.jobs)) throw new ScenarioError('jobs: must be an object keyed by job id (a GUID)');
    for (const [jobId, scenario] of Object.entries(seed.jobs)) {
      if (!isJobId(jobId)) throw new ScenarioError(`jobs["${jobId}"]: the key must be a job id (a GUID)`);
      validateJobScenario(scenario, `jobs["${jobId}"]`);
    }
  }
  return value;
}

/** The seed's per-offer scenarios with their keys split. */
export function seedEntries(seed: SimulatorSeed): SeedEntry[] {
  return Object.entries(seed.offers ?? {}).map(([key, scenario]) => ({ ...splitSeedKey(key), scenario }));
}

/** `publisherId/offerId` → its parts; publisher ids never contain `/`, so the first one splits. */
function splitSeedKey(key: string): { publisherId: string; offerId: string } {
  const slash = key.indexOf('/');
  const publisherId = key.slice(0, slash);
  const offerId = key.slice(slash + 1);
  if (slash < 0 || !publisherId || !offerId) throw new ScenarioError(`offers["${key}"]: the key must be "publisherId/offerId"`);
  return { publisherId, offerId };
}

/**
 * One line per demo offer of the seed, then the default's (`contoso/sync-offer  200: cancelled at
 * once …`), then one per demo job (`job 00000000-…-000000000001  200: cancelled at once …`).
 */
export function describeSeed(seed: SimulatorSeed, indent = ''): string[] {
  const offers: Array<[string, string]> = seedEntries(seed).map((e) => [`${e.publisherId}/${e.offerId}`, e.scenario.description ?? e.scenario.cancel.mode]);
  if (seed.default) offers.push(['any other offer', seed.default.description ?? seed.default.cancel.mode]);
  const jobs = Object.entries(seed.jobs ?? {}).map(([jobId, scenario]): [string, string] => [`job ${jobId}`, scenario.description ?? scenario.cancel?.mode ?? 'immediate']);
  // Each group aligned on its own: the job ids are longer than any offer's name.
  return [...aligned(offers, indent), ...aligned(jobs, indent)];
}

function aligned(rows: Array<[string, string]>, indent: string): string[] {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return rows.map(([name, what]) => `${indent}${name.padEnd(width)}  ${what}`);
}
