/** The workflow's input validation, example by example and over thousands of generated inputs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLLING, validateInput } from '../src/workflow-safe/cancel-input';
import { validateReleaseInput } from '../src/workflow-safe/release-input';

const valid = { publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'] };

describe('validateInput', () => {
  it('accepts the documented UI input and applies every default', () => {
    expect(validateInput(valid)).toEqual({
      ok: true,
      input: { ...valid, apiVersion: '2017-10-31', polling: DEFAULT_POLLING, notify: [] },
    });
  });

  it('accepts notificationEmails as a comma-separated string, trimmed', () => {
    const result = validateInput({ ...valid, notificationEmails: ' a@x.com, b@y.com ,' });
    expect(result.ok && result.input.notificationEmails).toEqual(['a@x.com', 'b@y.com']);
  });

  it('merges partial polling options over the defaults', () => {
    const result = validateInput({ ...valid, polling: { initialIntervalSeconds: 1, timeoutSeconds: 60 } });
    expect(result.ok && result.input.polling).toEqual({ ...DEFAULT_POLLING, initialIntervalSeconds: 1, timeoutSeconds: 60 });
  });

  it.each([
    [{ ...valid, offerId: '..' }, 'offerId: must not be "." or ".."'],
    [{ ...valid, offerId: 'a/b' }, 'offerId: must not contain "/" or "\\"'],
    [{ ...valid, publisherId: 'con\u0000toso' }, 'publisherId: must not contain control characters'],
    [{ ...valid, publisherId: ' contoso' }, 'publisherId: must not start or end with white space'],
    [{ ...valid, notificationEmails: 'a@b.com\r\nBcc: c@d.com' }, 'notificationEmails.0: must be an e-mail address'],
    [{ ...valid, notificationEmails: [] }, 'notificationEmails: must name at least one e-mail address'],
    [{ ...valid, apiVersion: 'latest' }, 'apiVersion: must look like 2017-10-31'],
    [{ ...valid, polling: { initialIntervalSeconds: 10, maxIntervalSeconds: 5 } }, 'polling.maxIntervalSeconds: maxIntervalSeconds must not be smaller'],
    [{ ...valid, polling: { timeoutSeconds: '60' } }, 'polling.timeoutSeconds: must be a number'],
    [{ ...valid, notify: [{ workflowId: '' }] }, 'notify.0.workflowId: must not be empty'],
    [{ ...valid, accessToken: 'x' }, 'accessToken: unknown field'],
    [{ ...valid, continuation: 'x' }, 'continuation: is internal'],
    [{ ...valid, offerId: 'a\udc00b' }, 'offerId: must be well-formed Unicode (it holds a lone surrogate)'],
    [{ ...valid, expectedOperationId: '\ud800' }, 'expectedOperationId: must be well-formed Unicode'],
    [{ ...valid, notificationEmails: ['a\ud800@b.com'] }, 'notificationEmails.0: must be well-formed Unicode'],
    [{ ...valid, notify: [{ workflowId: 'w\udfff' }] }, 'notify.0.workflowId: must be well-formed Unicode'],
    [null, '(input): must be one JSON object'],
    [[valid], '(input): must be one JSON object'],
  ])('rejects %j naming the field', (raw, expected) => {
    const result = validateInput(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.join('\n')).toContain(expected);
  });

  it('names every bad field at once', () => {
    const result = validateInput({ publisherId: '', offerId: 3, notificationEmails: 'nope', extra: true });
    expect(result.ok ? [] : result.problems.map((p) => p.split(':')[0])).toEqual(['publisherId', 'offerId', 'notificationEmails.0', 'extra']);
  });
});

/** Strings that try to escape a path segment or a header. */
const trickyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('..', '.', '/', '%2F', '?', '#', 'a/../b', 'a?b=c', 'a#b', '%2e%2e', ' x', 'x\r\nSet-Cookie: y', '\u2028', 'a\\b', ''),
  fc.string({ minLength: 200, maxLength: 400 }),
  fc.string({ unit: fc.constantFrom('a', '/', '.', '%', '?', '#', '\n', 'é', '😀', '$') }),
);

const anything = fc.oneof(trickyString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(trickyString), fc.object());

const generatedInput = fc.oneof(
  fc.record(
    {
      publisherId: fc.oneof(trickyString, anything),
      offerId: fc.oneof(trickyString, anything),
      notificationEmails: fc.oneof(fc.array(fc.oneof(fc.emailAddress(), trickyString)), fc.emailAddress(), trickyString, anything),
      apiVersion: fc.oneof(fc.constant('2017-10-31'), trickyString),
      expectedOperationId: trickyString,
      polling: fc.oneof(fc.record({ initialIntervalSeconds: fc.double(), timeoutSeconds: fc.integer() }, { requiredKeys: [] }), anything),
      notify: fc.oneof(fc.array(fc.record({ workflowId: trickyString, signalName: trickyString }, { requiredKeys: [] })), anything),
      extra: anything,
    },
    { requiredKeys: [] },
  ),
  anything,
);

const FIELD = String.raw`(?:[\w$-]+|"(?:[^"\\]|\\.)*")`;
/** `field.path: problem`, where odd keys are JSON-quoted. */
const FIELD_THEN_PROBLEM = new RegExp(String.raw`^(?:\(input\)|${FIELD}(?:\.${FIELD})*): \S`, 's');

describe('well-formed Unicode', () => {
  it('a surrogate pair (an emoji) is well-formed; only a half of one is refused', () => {
    expect(validateInput({ ...valid, offerId: 'offer-😀' }).ok).toBe(true);
    expect(validateInput({ ...valid, offerId: 'offer-\ud83d' })).toEqual({ ok: false, problems: ['offerId: must be well-formed Unicode (it holds a lone surrogate)'] });
  });

  it('a workflow replaying a history from before the rule may skip it (refuseIllFormedUnicode: false)', () => {
    expect(validateInput({ ...valid, offerId: 'a\udc00b' }, { refuseIllFormedUnicode: false }).ok).toBe(true);
  });

  it('the batch refuses it too, naming the offer', () => {
    const problems = validateReleaseInput({ offers: [{ publisherId: 'contoso', offerId: 'a\udc00b' }], notificationEmails: ['a@b.co'] });
    expect(problems).toEqual({ ok: false, problems: ['offers.0.offerId: must be well-formed Unicode (it holds a lone surrogate)'] });
  });
});

describe('validateInput over generated inputs', () => {
  it('never throws; answers ok with safe ids, or problems that each name a field', () => {
    fc.assert(
      fc.property(generatedInput, (raw) => {
        const result = validateInput(raw);
        if (result.ok) {
          for (const id of [result.input.publisherId, result.input.offerId]) {
            // What the client will put in the path: one segment, nothing that escapes it.
            const segment = encodeURIComponent(id);
            expect(segment).not.toMatch(/[/?#\\]/);
            expect(id === '.' || id === '..').toBe(false);
            expect(id).not.toMatch(/[\u0000-\u001f\u007f]/);
          }
          for (const email of result.input.notificationEmails) expect(email).not.toMatch(/[\s,]/);
        } else {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(problem).toMatch(FIELD_THEN_PROBLEM);
        }
      }),
      { numRuns: 3000, seed: 20261128 },
    );
  });

  it('accepts generated well-formed inputs', () => {
    const id = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,40}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(id, id, fc.array(fc.emailAddress(), { minLength: 1, maxLength: 5 }), (publisherId, offerId, emails) => {
        const result = validateInput({ publisherId, offerId, notificationEmails: emails.join(',') });
        expect(result.ok ? result.input.notificationEmails : result.problems).toEqual(emails);
      }),
      { numRuns: 1000, seed: 20261128 },
    );
  });
});
