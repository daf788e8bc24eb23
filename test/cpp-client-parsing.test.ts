/**
 * The CPP client's pure parts: Retry-After, Location resolution, operation JSON, redaction.
 */
import { describe, expect, it } from 'vitest';
import { CppProtocolError, parseOperation, parseRetryAfter, redactText, resolveLocation } from '../src/cpp';

describe('parseRetryAfter', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);

  it.each([
    ['0', 0],
    ['7', 7_000],
    [' 120 ', 120_000],
    ['2024', 2_024_000],
    ['3600', 3_600_000],
    ['3601', 3_600_000],
    ['99999999999999999999999', 3_600_000],
    ['Mon, 01 Jan 2024 12:00:30 GMT', 30_000],
    ['Monday, 01-Jan-24 12:01:00 GMT', 60_000],
    ['Mon Jan  1 12:00:10 2024', 10_000],
    ['Sun, 31 Dec 2023 12:00:00 GMT', 0],
    ['Tue, 01 Jan 2030 00:00:00 GMT', 3_600_000],
  ])('%j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([undefined, '', '-1', '1.5', 'soon', 'Mon, 31 Feb 2024 12:00:00 GMT', '2024-01-01T12:00:30Z'])(
    '%j → undefined',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['2', '9'], now)).toBe(2_000);
  });
});

describe('resolveLocation', () => {
  const base = new URL('https://cloudpartner.azure.com');

  it.each([
    ['/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31'],
    ['/api/publishers/contoso/offers/contoso-offer/operations/56615b67?api-version=2017-10-31'],
    ['/api/publishers/con%20toso/offers/%C3%A9t%C3%A9/operations/x%24y?api-version=2017-10-31'],
  ])('keeps %s byte-exact on the base origin', (path) => {
    expect(resolveLocation(path, base)).toBe(`https://cloudpartner.azure.com${path}`);
    expect(resolveLocation(`https://cloudpartner.azure.com${path}`, base)).toBe(`https://cloudpartner.azure.com${path}`);
  });

  it.each([
    [undefined, 'MissingLocation'],
    ['', 'MissingLocation'],
    ['   ', 'MissingLocation'],
    ['https://evil.example/api/operations/x', 'ForeignLocation'],
    ['http://cloudpartner.azure.com/api/operations/x', 'ForeignLocation'],
    ['https://cloudpartner.azure.com:8443/api/operations/x', 'ForeignLocation'],
    ['//evil.example/x', 'ForeignLocation'],
    ['javascript:alert(1)', 'ForeignLocation'],
    ['https://user:pw@cloudpartner.azure.com/x', 'InvalidLocation'],
    ['/x\ty', 'InvalidLocation'],
    ['http://[::1', 'InvalidLocation'],
  ])('%j → %s', (raw, code) => {
    let thrown: unknown;
    try {
      resolveLocation(raw, base);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CppProtocolError);
    expect(thrown).toMatchObject({ code, retryable: false });
  });
});

describe('parseOperation', () => {
  it.each([
    ['not started', 'notStarted'],
    ['NotStarted', 'notStarted'],
    ['not_started', 'notStarted'],
    ['running', 'running'],
    ['InProgress', 'running'],
    ['Completed', 'completed'],
    ['complete', 'completed'],
    ['Succeeded', 'completed'],
    ['FAILED', 'failed'],
    ['canceled', 'canceled'],
    ['Cancelled', 'canceled'],
    ['pendingReview', 'unknown'],
    ['', 'unknown'],
  ])('status %j → %s', (raw, status) => {
    expect(parseOperation({ status: raw })).toEqual({ status, rawStatus: raw, steps: [] });
  });

  it('is lenient on missing and null optional fields', () => {
    expect(parseOperation([{ status: 'running', id: null, error: null, steps: null, submissionType: 7 }])).toEqual({
      status: 'running',
      rawStatus: 'running',
      steps: [],
    });
  });

  it('reads steps and averages their progress, rounded', () => {
    const op = parseOperation({
      status: 'running',
      steps: [
        { stepName: 'A', status: 'complete', progressPercentage: 100 },
        { stepName: 'B', status: 'inProgress', progressPercentage: 33, messages: [{ messageHtml: 'x' }] },
        { id: 'c', status: 'notStarted' },
      ],
    });
    expect(op.progressPercentage).toBe(67);
    expect(op.steps.map((s) => s.name)).toEqual(['A', 'B', 'c']);
    expect(op.steps[1]?.messages).toEqual([{ messageHtml: 'x' }]);
  });

  it('reads an error object as code: message', () => {
    expect(parseOperation({ status: 'failed', error: { code: 'E1', message: 'broke' } }).error).toBe('E1: broke');
  });

  it.each([[[]], [[{ status: 'a' }, { status: 'b' }]], [null], [42], ['running'], [{}], [{ status: 'running', steps: [1] }]])(
    '%j is UnexpectedBody',
    (json) => {
      let thrown: unknown;
      try {
        parseOperation(json);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CppProtocolError);
      expect(thrown).toMatchObject({ code: 'UnexpectedBody', retryable: false });
    },
  );
});

describe('redactText', () => {
  it('removes known secrets, Bearer tokens, form secrets and JWTs', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = `Authorization: Bearer abc.def-123 token=my-static client_secret=s3cr3t&x=1 raw ${jwt}`;
    const out = redactText(text, ['my-static']);
    expect(out).toBe('Authorization: Bearer [REDACTED] token=[REDACTED] client_secret=[REDACTED]&x=1 raw [REDACTED]');
  });
});
