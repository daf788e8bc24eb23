/**
 * Sign-in with Entra, for real: worker processes (src/worker.ts) sign in through `@azure/identity`'s
 * own `ClientSecretCredential` / `ClientCertificateCredential` against a fake Entra authority
 * (test/helpers/entra-authority.ts: HTTPS on 127.0.0.1, certificate made here and trusted through
 * `NODE_EXTRA_CA_CERTS`), and call a CPP simulator that accepts only the tokens that authority
 * issued. Each case has its own authority, simulator and worker, so every count is the case's own:
 *
 * - client secret, client certificate (PEM made by the test) and a certificate whose key is
 *   encrypted (`AZURE_CLIENT_CERTIFICATE_PASSWORD`): one token request, the run ends;
 * - a wrong secret: the run ends at once with a typed failure naming tenant and client, not the secret;
 * - the authority down for a while (refusing connections): retried, then the run ends (and, at full
 *   size, the authority answering 503: retried after MSAL's hold);
 * - the token expiring mid-polling: 401 → one more token request → the same poll succeeds; no poll fails.
 *
 * At the end the secrets, the certificate's private key and every issued token are looked for in
 * the histories, the worker logs, the failures and the descriptions.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApplicationFailure, Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FailureType, INGESTION_WORKFLOW_TYPE, WORKFLOW_TYPE, type CancelJobResult, type CancelOfferInput, type CancelOfferResult } from '../src/contract';
import type { OfferScenario } from '../simulator/scenario';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { CPP_TEST_SCOPE, INGESTION_TEST_SCOPE, startEntraAuthority, type RunningEntraAuthority } from './helpers/entra-authority';
import {
  RELIABILITY_FULL,
  SECRET_PATTERNS,
  errorText,
  findLeaks,
  historiesText,
  makeSecret,
  markFile,
  reportFigures,
  spawnWorkerProcess,
  waitFor,
  withTimeout,
  type WorkerProcess,
} from './helpers/reliability';
import { parsePrometheus, sumOf } from './helpers/observability';
import { uniqueTaskQueue } from './helpers/temporal';
import { freePort } from '../temporal-cli/dev-server';
import { localActivityMarkers } from './helpers/local-activity-markers';
import { makeTestPki, type ClientCertificate, type TestPki } from './helpers/test-pki';

const PUBLISHER = 'entra';
/** The simulator's token lifetime in the expiry case: a token this old is refused as expired. */
const SIMULATOR_TOKEN_AGE_MS = 12_000;
/** The expiry case's operation completes this long after the POST, well before the second token ages out. */
const EXPIRY_OPERATION_MS = 18_000;

const tenantId = randomUUID();
const secretClientId = randomUUID();
const certificateClientId = randomUUID();
const protectedCertificateClientId = randomUUID();
const certificatePassword = makeSecret('entra-certificate-password');
const clientSecret = makeSecret('entra-client-secret');
const wrongSecret = makeSecret('entra-wrong-secret');

let pki: TestPki;
let certificate: ClientCertificate;
let protectedCertificate: ClientCertificate;
let connection: Connection;
let client: Client;

/** One case's world: its authority, its simulator, its worker on its own task queue. */
interface Case {
  name: string;
  authority: RunningEntraAuthority;
  simulator: RunningSimulator;
  worker: WorkerProcess;
  taskQueue: string;
  /** The worker's Prometheus endpoint. */
  metricsUrl: string;
}

const cases = new Map<string, Case>();
/** Failures and descriptions collected for the leak scan. */
const collected: { source: string; text: string }[] = [];

type Credential = 'secret' | 'certificate' | 'protectedCertificate' | 'wrongSecret';

async function startCase(name: string, credential: Credential, options: { maxTokenAgeMs?: number; authorityDown?: boolean } = {}): Promise<Case> {
  const authority = await startEntraAuthority({
    tls: pki.server,
    tenantId,
    clients: [
      { clientId: secretClientId, secret: clientSecret },
      { clientId: certificateClientId, certificatePem: certificate.certificatePem },
      { clientId: protectedCertificateClientId, certificatePem: protectedCertificate.certificatePem },
    ],
  });
  // Down before the worker starts: its start-up check, which asks for the first token, finds it down too.
  if (options.authorityDown) await authority.goDown();
  const simulator = await startSimulator({ tokenIssuer: { ...authority.tokenIssuer, ...(options.maxTokenAgeMs ? { maxTokenAgeMs: options.maxTokenAgeMs } : {}) } });
  const taskQueue = uniqueTaskQueue(`entra-${name}`);
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const signIn: Record<string, string> =
    credential === 'certificate'
      ? { AZURE_CLIENT_ID: certificateClientId, AZURE_CLIENT_CERTIFICATE_PATH: certificate.path }
      : credential === 'protectedCertificate'
        ? { AZURE_CLIENT_ID: protectedCertificateClientId, AZURE_CLIENT_CERTIFICATE_PATH: protectedCertificate.path, AZURE_CLIENT_CERTIFICATE_PASSWORD: certificatePassword }
        : { AZURE_CLIENT_ID: secretClientId, AZURE_CLIENT_SECRET: credential === 'secret' ? clientSecret : wrongSecret };
  const worker = spawnWorkerProcess({
    name: `entra-${name}`,
    taskQueue,
    cppBaseUrl: simulator.url,
    env: {
      AZURE_TENANT_ID: tenantId,
      ...signIn,
      AZURE_AUTHORITY_HOST: authority.origin,
      NODE_EXTRA_CA_CERTS: pki.caPath,
      INGESTION_BASE_URL: `${simulator.url}/rp/product-ingestion`,
      METRICS_ADDRESS: metricsAddress,
    },
  });
  const c = { name, authority, simulator, worker, taskQueue, metricsUrl: `http://${metricsAddress}/metrics` };
  cases.set(name, c);
  return c;
}

function input(offerId: string, timeoutSeconds = 120): CancelOfferInput {
  return {
    publisherId: PUBLISHER,
    offerId,
    notificationEmails: ['ops@contoso.com'],
    polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1, backoffCoefficient: 1, timeoutSeconds },
  };
}

async function startRun(c: Case, scenario: OfferScenario, timeoutSeconds?: number): Promise<{ handle: WorkflowHandle; offerId: string; started: number }> {
  await withTimeout(c.worker.ready, 90_000, `worker ${c.worker.name} start`);
  const offerId = `${c.name}-${randomUUID().slice(0, 8)}`;
  c.simulator.setScenario(PUBLISHER, offerId, scenario);
  const started = Date.now();
  const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue: c.taskQueue, workflowId: `entra-${offerId}`, args: [input(offerId, timeoutSeconds)] });
  return { handle, offerId, started };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activities' started attempts and failed/timed-out events in the history. */
async function activityFacts(handle: WorkflowHandle): Promise<{ attempts: Record<string, number[]>; failedOrTimedOut: number }> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  const attempts: Record<string, number[]> = {};
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
      (attempts[type] ??= []).push(started.attempt ?? 0);
    }
  }
  // The POST's first try is a local activity: its marker counts as an attempt (a failed one too).
  for (const local of localActivityMarkers(events)) (attempts[local.activityType] ??= []).push(local.attempt);
  const failedOrTimedOut = events.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes).length + localActivityMarkers(events).filter((m) => m.failed).length;
  return { attempts, failedOrTimedOut };
}

async function collect(c: Case, handle: WorkflowHandle, err?: unknown): Promise<void> {
  collected.push({ source: `describe ${c.name}`, text: errorText((await handle.describe()).raw) });
  if (err !== undefined) collected.push({ source: `failure ${c.name}`, text: errorText(err) });
}

beforeAll(async () => {
  markFile(inject('temporalAddress'), 'entra-signin', 'started');
  pki = makeTestPki();
  certificate = pki.clientCertificate('cpp-worker');
  protectedCertificate = pki.clientCertificate('cpp-worker-protected', { password: certificatePassword });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
  // All workers start together: their start-up overlaps the first cases.
  await Promise.all([
    startCase('secret', 'secret'),
    startCase('certificate', 'certificate'),
    startCase('protected-certificate', 'protectedCertificate'),
    startCase('wrong-secret', 'wrongSecret'),
    startCase('authority-down', 'secret', { authorityDown: true }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...cases.values()].map((c) => c.worker.stop(5_000)));
  await Promise.all([...cases.values()].flatMap((c) => [c.simulator.close(), c.authority.close()]));
  await connection?.close();
  pki?.dispose();
  markFile(inject('temporalAddress'), 'entra-signin', 'done');
});

describe('sign-in with Entra through @azure/identity, against a fake authority', () => {
  it.each([
    ['secret', 'secret' as const],
    ['certificate', 'assertion' as const],
    ['protected-certificate', 'assertion' as const],
  ])('%s: signs in once, and the run cancels through POST → 202 → polls', async (name, credentialSent) => {
    const c = cases.get(name)!;
    const { handle, offerId, started } = await startRun(c, { cancel: { mode: 'accepted', completeAfterPolls: 3 } });
    const result = (await withTimeout(handle.result(), 60_000, `${name} run`)) as CancelOfferResult;
    const durationMs = Date.now() - started;
    await collect(c, handle);

    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 3 });
    const tokenRequests = c.authority.tokenRequests();
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]).toMatchObject({
      grantType: 'client_credentials',
      clientId: { secret: secretClientId, certificate: certificateClientId, 'protected-certificate': protectedCertificateClientId }[name],
      scope: CPP_TEST_SCOPE,
      credential: credentialSent,
      status: 200,
    });
    // Discovery is the tenant's OpenID configuration on the configured host; no instance discovery.
    expect(c.authority.requests().map((r) => `${r.kind} ${r.status}`)).toEqual(['openid-configuration 200', 'token 200']);
    expect(c.worker.blockedConnections()).toEqual([]);
    const requests = c.simulator.requests({ offerId });
    expect(requests.map((r) => `${r.endpoint} ${r.answered} ${r.auth}`)).toEqual(['cancel 202 valid', 'poll 200 valid', 'poll 200 valid', 'poll 200 valid']);
    reportFigures(`entra-${name}`, {
      durationMs,
      tokenRequests: tokenRequests.length,
      authorityRequests: c.authority.requests().length,
      assertionAlg: tokenRequests[0]?.assertionAlg,
      cppRequests: requests.length,
    });
  }, 90_000);

  it('a wrong client secret ends the run at once, typed, naming tenant and client but not the secret', async () => {
    const c = cases.get('wrong-secret')!;
    const { handle, offerId, started } = await startRun(c, { cancel: { mode: 'accepted', completeAfterPolls: 1 } });
    const err: unknown = await withTimeout(handle.result(), 60_000, 'wrong-secret run').then(
      () => undefined,
      (e: unknown) => e,
    );
    const durationMs = Date.now() - started;
    await collect(c, handle, err);

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(FailureType.CppConfigError);
    expect(failure.message).toContain('AZURE_CLIENT_SECRET');
    expect(failure.message).toContain(`tenant ${tenantId}`);
    expect(failure.message).toContain(`client ${secretClientId}`);
    expect(failure.message).toContain('AADSTS7000215');
    expect(errorText(err)).not.toContain(wrongSecret);
    expect(errorText(err)).not.toContain(clientSecret);
    // Final on the first answer: one token request (the worker's start-up check, or the run, whichever
    // asked first; the refusal is kept), no retry, nothing sent to the CPP.
    expect(c.authority.tokenRequests().map((r) => `${r.status} ${r.error}`)).toEqual(['401 invalid_client']);
    await waitFor('the start-up line', () => c.worker.lines.some((l) => l.includes('no CPP token from')), 30_000, 100);
    expect(c.worker.lines.filter((l) => l.includes('no CPP token from'))).toHaveLength(1);
    expect(c.worker.lines.find((l) => l.includes('no CPP token from'))).toContain('AZURE_CLIENT_SECRET: Entra refused');
    expect(c.simulator.requests({ offerId })).toEqual([]);
    expect(durationMs).toBeLessThan(15_000);
    // What the CredentialsRefused alert reads: the refusal counted once, the gauge held at 1.
    const samples = parsePrometheus(await (await fetch(c.metricsUrl)).text());
    expect(sumOf(samples, 'entra_token_requests', { audience: 'cpp', outcome: 'refused' })).toBe(1);
    expect(sumOf(samples, 'entra_token_requests', { audience: 'cpp', outcome: 'issued' })).toBe(0);
    expect(sumOf(samples, 'entra_credentials_refused', { audience: 'cpp' })).toBe(1);
    const facts = await activityFacts(handle);
    expect(facts.attempts).toEqual({ requestCancellation: [1] });
    reportFigures('entra-wrong-secret', { durationMs, failure: failure.type, tokenRequests: c.authority.tokenRequests().length, message: failure.message.slice(0, 260) });
  }, 90_000);

  it('the authority down for a while: the POST activity is retried without a token, then the run succeeds', async () => {
    const c = cases.get('authority-down')!;
    await withTimeout(c.worker.ready, 90_000, 'worker start');
    // The worker said at start-up, once, that it got no token, and polled on.
    await waitFor('the start-up line', () => c.worker.lines.some((l) => l.includes('no CPP token from Entra client credentials')), 30_000, 100);
    expect(c.worker.lines.filter((l) => l.includes('no CPP token from'))).toHaveLength(1);
    const { handle, offerId, started } = await startRun(c, { cancel: { mode: 'accepted', completeAfterPolls: 2 } });
    // Down (connections refused) until Temporal has retried the POST activity at least once.
    const pending = await waitFor(
      'a retried requestCancellation',
      async () => {
        const activity = (await handle.describe()).raw.pendingActivities?.[0];
        return activity && (activity.attempt ?? 0) >= 2 ? activity : undefined;
      },
      60_000,
      250,
    );
    const downMs = Date.now() - started;
    await c.authority.comeBack();
    const result = (await withTimeout(handle.result(), 90_000, 'authority-down run')) as CancelOfferResult;
    const durationMs = Date.now() - started;
    await collect(c, handle);

    expect(pending.lastFailure?.applicationFailureInfo?.type).toBe('CppAuthenticationError');
    expect(pending.lastFailure?.message).toContain(`Could not get a CPP token from Entra client credentials (tenant ${tenantId}, client ${secretClientId}, client secret)`);
    expect(pending.lastFailure?.message).toContain('the authority is unreachable or the tenant does not exist');
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous' });
    expect(c.authority.requests().map((r) => `${r.kind} ${r.status}`)).toEqual(['openid-configuration 200', 'token 200']);
    const facts = await activityFacts(handle);
    expect(facts.attempts.requestCancellation?.[0]).toBeGreaterThanOrEqual(2);
    expect(c.simulator.requests({ offerId, endpoint: 'cancel' }).map((r) => r.answered)).toEqual([202]);
    expect(c.worker.blockedConnections()).toEqual([]);
    // What TokenRequestsFailing reads: failures while down, then a token; nothing refused.
    const samples = parsePrometheus(await (await fetch(c.metricsUrl)).text());
    expect(sumOf(samples, 'entra_token_requests', { audience: 'cpp', outcome: 'failed' })).toBeGreaterThanOrEqual(2);
    expect(sumOf(samples, 'entra_token_requests', { audience: 'cpp', outcome: 'issued' })).toBe(1);
    expect(sumOf(samples, 'entra_credentials_refused', { audience: 'cpp' })).toBe(0);
    reportFigures('entra-authority-down', {
      downMs,
      durationMs,
      afterComeBackMs: durationMs - downMs,
      postAttempts: facts.attempts.requestCancellation,
      lastFailureWhileDown: pending.lastFailure?.message?.slice(0, 300),
    });
  }, 150_000);

  // MSAL holds token requests back after a 5xx or 429 from the token endpoint: for its Retry-After,
  // but the msal-common MSAL node 5.6 bundles (16.13) reads that header case-sensitively and misses
  // it behind @azure/identity's HTTP client, so it always waits its default 60 s. Slow, so only at
  // full size.
  it.runIf(RELIABILITY_FULL)('the authority answering 503 for a while: retried, the run succeeds after MSAL\'s 60 s hold', async () => {
    const c = await startCase('authority-503', 'secret');
    c.authority.failTokenRequests(5, { status: 503, retryAfterSeconds: 1 });
    const { handle, started } = await startRun(c, { cancel: { mode: 'accepted', completeAfterPolls: 1 } });
    const result = (await withTimeout(handle.result(), 150_000, 'authority-503 run')) as CancelOfferResult;
    const durationMs = Date.now() - started;
    await collect(c, handle);
    expect(result).toMatchObject({ outcome: 'succeeded' });
    const tokenRequests = c.authority.tokenRequests();
    expect(tokenRequests.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 200]);
    const facts = await activityFacts(handle);
    reportFigures('entra-authority-503', {
      durationMs,
      postAttempts: facts.attempts.requestCancellation,
      tokenRequestsAtMs: tokenRequests.map((r) => r.at - started),
    });
  }, 200_000);

  it('a token expiring mid-polling: 401, exactly one more token request, and the poll succeeds', async () => {
    // Its worker starts now: the start-up check takes the first token, which the run then uses while it is fresh.
    const c = await startCase('token-expiry', 'secret', { maxTokenAgeMs: SIMULATOR_TOKEN_AGE_MS });
    const { handle, offerId, started } = await startRun(c, { cancel: { mode: 'accepted', completeAfterMs: EXPIRY_OPERATION_MS, completeAfterPolls: 1000 } });
    const result = (await withTimeout(handle.result(), 90_000, 'token-expiry run')) as CancelOfferResult;
    const durationMs = Date.now() - started;
    await collect(c, handle);

    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous' });
    const tokenRequests = c.authority.tokenRequests();
    expect(tokenRequests.map((r) => r.status)).toEqual([200, 200]);
    const requests = c.simulator.requests({ offerId });
    const expired = requests.flatMap((r, i) => (r.auth === 'expired' ? [i] : []));
    expect(expired).toHaveLength(1);
    const at = expired[0]!;
    expect(requests[at]).toMatchObject({ endpoint: 'poll', answered: 401 });
    // The same poll, again with the fresh token, answered.
    expect(requests[at + 1]).toMatchObject({ endpoint: 'poll', answered: 200, auth: 'valid' });
    expect(requests.filter((r) => r.auth !== 'expired').every((r) => r.auth === 'valid' && (r.answered === 200 || r.answered === 202))).toBe(true);
    // No poll failed: no activity failed or timed out, and none needed a second attempt.
    const facts = await activityFacts(handle);
    expect(facts.failedOrTimedOut).toBe(0);
    expect(Object.values(facts.attempts).flat().every((a) => a === 1)).toBe(true);
    const expiredAfterMs = Date.parse(requests[at]!.time) - Date.parse(requests[0]!.time);
    const refreshedAfterMs = tokenRequests[1]!.at - tokenRequests[0]!.at;
    reportFigures('entra-token-expiry', {
      durationMs,
      polls: result.polls,
      tokenRequests: tokenRequests.length,
      authorityRequests: c.authority.requests().map((r) => r.kind),
      expiredPollAfterPostMs: expiredAfterMs,
      secondTokenAfterFirstMs: refreshedAfterMs,
      cppRequests: requests.length,
    });
  }, 120_000);

  it('a Product Ingestion job on the same worker: one more token, for Microsoft Graph, taken by the ingestion routes only', async () => {
    const c = cases.get('secret')!;
    const before = c.authority.tokenRequests().length;
    const jobId = randomUUID();
    c.simulator.setJobScenario(jobId, { cancel: { mode: 'accepted', completesAfterPolls: 1 } });
    const handle = await client.workflow.start(INGESTION_WORKFLOW_TYPE, {
      taskQueue: c.taskQueue,
      workflowId: `entra-job-${jobId}`,
      args: [{ jobId, polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1 } }],
    });
    const result = (await withTimeout(handle.result(), 60_000, 'job run')) as CancelJobResult;
    await collect(c, handle);
    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'asynchronous', polls: 1 });
    // The CPP token the worker holds would be refused there (another audience): a Graph token was asked for.
    expect(c.authority.tokenRequests().slice(before).map((r) => `${r.scope} ${r.status}`)).toEqual([`${INGESTION_TEST_SCOPE} 200`]);
    expect(c.simulator.requests({ jobId }).map((r) => `${r.endpoint} ${r.answered} ${r.auth}`)).toEqual(['jobCancel 200 valid', 'jobStatus 200 valid', 'jobSummary 200 valid']);
  }, 90_000);

  it('the secrets, the private key and every issued token appear in no history, log, failure or description', async () => {
    // Runs of its own on each case that answers at once, so the test holds alone; the other tests' runs are scanned too.
    const ownRuns = ['secret', 'certificate', 'protected-certificate', 'wrong-secret'];
    const ended = await Promise.all(
      ownRuns.map(async (name) => {
        const c = cases.get(name)!;
        const { handle } = await startRun(c, { cancel: { mode: 'synchronous' } });
        const err: unknown = await withTimeout(handle.result(), 60_000, `${name} run for the scan`).then(
          () => undefined,
          (e: unknown) => e,
        );
        await collect(c, handle, err);
        return err === undefined ? 'succeeded' : ((err as WorkflowFailedError).cause as ApplicationFailure).type;
      }),
    );
    expect(ended).toEqual(['succeeded', 'succeeded', 'succeeded', FailureType.CppConfigError]);
    const tokens = [...cases.values()].flatMap((c) => c.authority.issuedTokens());
    // At least the token each of the three workers that signed in holds.
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    const needles = [clientSecret, wrongSecret, certificatePassword, ...certificate.privateKeyLines, ...protectedCertificate.privateKeyLines, ...tokens, ...tokens.map((t) => t.split('.')[2]!), ...SECRET_PATTERNS];
    // The patterns do catch what they are for: an issued token, and the certificate file's key (its PEM armour and its base64 start).
    expect(findLeaks('control', `logged ${tokens[0]!} here`, SECRET_PATTERNS)).toHaveLength(1);
    expect(findLeaks('control', readFileSync(certificate.path, 'utf8'), SECRET_PATTERNS)).toHaveLength(2);
    const leaks: string[] = [];
    let historiesScanned = 0;
    for (const c of cases.values()) {
      const histories = await historiesText(client, `TaskQueue = '${c.taskQueue}'`);
      historiesScanned += histories.length;
      leaks.push(...histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, needles)));
      leaks.push(...findLeaks(`log of ${c.worker.name}`, c.worker.lines.join('\n'), needles));
    }
    for (const { source, text } of collected) leaks.push(...findLeaks(source, text, needles));
    expect(historiesScanned).toBeGreaterThanOrEqual(ownRuns.length);
    expect(leaks).toEqual([]);
    reportFigures('entra-leak-scan', { historiesScanned, workerLogLines: [...cases.values()].reduce((n, c) => n + c.worker.lines.length, 0), tokensLookedFor: tokens.length, leaksFound: leaks.length });
  }, 60_000);
});
