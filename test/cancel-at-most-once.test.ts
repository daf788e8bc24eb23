/**
 * The retried-POST rule (src/cpp/cancel-at-most-once.ts), branch by branch, over real HTTP to a
 * scripted server: which requests go out, and what each look-up answer leads to.
 */
import { describe, expect, it } from 'vitest';
import {
  CppHttpError,
  LOOKUP_HOLDS_POST_UNTIL_ATTEMPT,
  OperationMismatchError,
  cancelAtMostOnce,
  type CancelRequest,
} from '../src/cpp';
import { answer, useScriptedCppServer } from './helpers/scripted-server';

const { server, makeClient: client } = useScriptedCppServer();
const REQUEST: CancelRequest = { publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'], apiVersion: '2017-10-31' };
const PUBLISH_RUNNING = { id: 'pub-1', submissionType: 'publish', submissionState: 'running' };
const CANCEL_RUNNING = { id: 'can-2', submissionType: 'cancel', submissionState: 'running' };

/** The requests made, as `METHOD endpoint`. */
const calls = () => server.requests.map((r) => `${r.method} ${r.url.includes('/submissions/') ? 'list' : r.url.includes('/cancel') ? 'cancel' : 'other'}`);

describe('first attempt', () => {
  it('POSTs at once, without a look-up', async () => {
    server.script(answer(200));
    await expect(cancelAtMostOnce(client(), REQUEST, { attempt: 1 })).resolves.toEqual({ kind: 'synchronous' });
    expect(calls()).toEqual(['POST cancel']);
  });
});

describe('a retry whose look-up answers', () => {
  it('adopts a running cancel operation, polling it at its documented URL', async () => {
    server.script(answer(200, [PUBLISH_RUNNING, CANCEL_RUNNING]));
    const outcome = await cancelAtMostOnce(client(), REQUEST, { attempt: 2 });
    expect(outcome).toEqual({ kind: 'asynchronous', confirmedBy: 'lookup', location: `${server.origin}/api/publishers/contoso/offers/contoso-offer/operations/can-2?api-version=2017-10-31` });
    expect(calls()).toEqual(['GET list']);
  });

  it('reads an empty list as the earlier POST having taken effect', async () => {
    server.script(answer(200, []));
    await expect(cancelAtMostOnce(client(), REQUEST, { attempt: 2 })).resolves.toEqual({ kind: 'synchronous', confirmedBy: 'lookup' });
    expect(calls()).toEqual(['GET list']);
  });

  it('ignores items that say they are not running (a server that ignores the filter)', async () => {
    server.script(answer(200, [{ id: 'old', submissionType: 'cancel', submissionState: 'completed' }]));
    await expect(cancelAtMostOnce(client(), REQUEST, { attempt: 2 })).resolves.toEqual({ kind: 'synchronous', confirmedBy: 'lookup' });
  });

  it('sends the POST again while the operation still runs, and a 400 to it stays a real refusal', async () => {
    server.script(answer(200, [PUBLISH_RUNNING]), answer(400, { error: { code: 'BadRequest', message: 'bad e-mail' } }));
    const error = await cancelAtMostOnce(client(), REQUEST, { attempt: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CppHttpError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(calls()).toEqual(['GET list', 'POST cancel']);
  });

  it('treats items whose state cannot be read as inconclusive: POST again, a 400 means nothing left to cancel', async () => {
    server.script(answer(200, [{ id: 'x', submissionType: 'publish' }]), answer(400));
    await expect(cancelAtMostOnce(client(), REQUEST, { attempt: 2 })).resolves.toEqual({ kind: 'synchronous', confirmedBy: 'retriedPost' });
    expect(calls()).toEqual(['GET list', 'POST cancel']);
  });
});

describe('a retry whose look-up fails', () => {
  it('transiently: the attempt fails retryably, naming the look-up, and no POST goes out', async () => {
    server.script(answer(503, undefined, { 'retry-after': '4' }));
    const error = await cancelAtMostOnce(client(), REQUEST, { attempt: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, retryable: true, retryAfterMs: 4000 });
    expect((error as Error).message).toContain('look-up of running operations');
    expect(calls()).toEqual(['GET list']);
  });

  it(`transiently from attempt ${LOOKUP_HOLDS_POST_UNTIL_ATTEMPT} on: no longer holds the POST back`, async () => {
    server.script(answer(503), answer(200));
    await expect(cancelAtMostOnce(client(), REQUEST, { attempt: LOOKUP_HOLDS_POST_UNTIL_ATTEMPT })).resolves.toEqual({ kind: 'synchronous' });
    expect(calls()).toEqual(['GET list', 'POST cancel']);
  });

  it.each([
    ['404', answer(404)],
    ['403', answer(403)],
    ['not JSON', answer(200, '<html>maintenance</html>')],
    ['JSON that is no list', answer(200, { items: [] })],
  ])('inconclusively (%s): POST again, and its 400 means nothing left to cancel', async (_name, lookup) => {
    server.script(lookup, answer(400));
    await expect(cancelAtMostOnce(client(), REQUEST, { attempt: 2 })).resolves.toEqual({ kind: 'synchronous', confirmedBy: 'retriedPost' });
    expect(calls()).toEqual(['GET list', 'POST cancel']);
  });

  it('with 401: the credentials are wrong for every call, so it ends there', async () => {
    server.script(answer(401));
    const error = await cancelAtMostOnce(client(), REQUEST, { attempt: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Unauthorized', retryable: false });
    expect(calls()).toEqual(['GET list']);
  });
});

describe('expectedOperationId', () => {
  const guarded = { ...REQUEST, expectedOperationId: 'pub-1' };

  it('an item without a readable state still counts: it was listed as running', async () => {
    server.script(answer(200, [{ id: 'pub-1', submissionType: 'publish' }]), answer(200));
    await expect(cancelAtMostOnce(client(), guarded, { attempt: 1 })).resolves.toEqual({ kind: 'synchronous' });
  });

  it('a transient look-up failure is retried: never a POST without the check', async () => {
    server.script(answer(500));
    const error = await cancelAtMostOnce(client(), guarded, { attempt: 9 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(calls()).toEqual(['GET list']);
  });

  it('only a cancel operation running: mismatch, nothing sent', async () => {
    server.script(answer(200, [CANCEL_RUNNING]));
    const error = await cancelAtMostOnce(client(), guarded, { attempt: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationMismatchError);
    expect(calls()).toEqual(['GET list']);
  });
});
