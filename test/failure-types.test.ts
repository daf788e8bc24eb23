/**
 * One list of outcomes: every failure type a run can end with is in the contract's `FAILURES`
 * table and in the README's outcomes table, and every error the CPP layer can raise maps to an
 * entry whose `final` is the error's own verdict.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { failureTypeOf, toActivityFailure } from '../src/activities/application-failures';
import { FAILURES, FailureType, FINAL_FAILURE_TYPES, FINAL_JOB_FAILURE_TYPES, JOB_FAILURES, JobFailureType, RetriedFailureType, RetriedJobFailureType } from '../src/contract';
import {
  CppAuthenticationError,
  CppConfigError,
  CppHttpError,
  CppInvalidRequestError,
  CppNetworkError,
  CppProtocolError,
  OperationMismatchError,
  type CppError,
} from '../src/cpp/errors';

const README = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** One instance of every error the CPP layer raises, each HTTP status class included. */
const EVERY_CPP_ERROR: CppError[] = [
  ...[400, 401, 403, 404, 408, 409, 429, 500, 503, 302, 418].map((status) => new CppHttpError({ status, endpoint: 'cancel', method: 'POST' })),
  new CppProtocolError('MissingLocation', 'no location'),
  new CppNetworkError('ConnectionReset', 'reset'),
  new CppInvalidRequestError('offerId', 'bad'),
  new CppAuthenticationError('no token'),
  new CppConfigError('baseUrl', 'bad'),
  new OperationMismatchError('another runs', 'x', 'y'),
];

/** The failure type each of them becomes (by `${name} ${code}`); a Product Ingestion call's says `Ingestion` for `Cpp`. */
const TYPE_OF: Record<string, string> = {
  'CppHttpError BadRequest': 'CppBadRequest',
  'CppHttpError Unauthorized': 'CppUnauthorized',
  'CppHttpError Forbidden': 'CppForbidden',
  'CppHttpError NotFound': 'CppNotFound',
  'CppHttpError RequestTimeout': 'CppRequestTimeout',
  'CppHttpError Conflict': 'CppConflict',
  'CppHttpError Throttled': 'CppThrottled',
  'CppHttpError ServerError': 'CppServerError',
  'CppHttpError UnexpectedStatus': 'CppUnexpectedStatus',
  'CppProtocolError MissingLocation': 'CppProtocolError',
  'CppNetworkError ConnectionReset': 'CppNetworkError',
  'CppInvalidRequestError InvalidRequest': 'InvalidInput',
  'CppAuthenticationError TokenUnavailable': 'CppAuthenticationError',
  'CppConfigError InvalidConfig': 'CppConfigError',
  'OperationMismatchError OperationMismatch': 'OperationMismatch',
};

describe('the failure table', () => {
  it('has an entry for every failure type and every retried type, and nothing else', () => {
    expect(Object.keys(FAILURES).sort()).toEqual([...Object.values(FailureType), ...Object.values(RetriedFailureType)].sort());
    expect(FINAL_FAILURE_TYPES.sort()).toEqual(Object.values(FailureType).sort());
  });

  it.each(EVERY_CPP_ERROR.map((e) => [`${e.name} ${e.code}`, e] as const))('%s maps to an entry that agrees on retrying', (name, error) => {
    const type = failureTypeOf(error);
    expect(type).toBe(TYPE_OF[name]);
    expect(Object.keys(FAILURES)).toContain(type);
    expect(FAILURES[type].final).toBe(!error.retryable);
  });

  it.each(Object.entries(FAILURES))('the README names %s with the same meaning', (type, { meaning }) => {
    expect(README).toContain(`| \`${type}\` | ${meaning} |`);
  });

  it('the README lists no failure type the table does not have', () => {
    const named = [...README.matchAll(/^\| `([A-Z][A-Za-z]+)` \|/gm)].map((m) => m[1]);
    const outcomeRows = named.filter((t) => t !== undefined && /^(Cpp|Invalid|Operation|Cancel|Polling|Unexpected)/.test(t));
    for (const type of outcomeRows) expect(Object.keys(FAILURES)).toContain(type);
  });
});

const JOB_DOC = readFileSync(path.join(__dirname, '..', 'docs', 'product-ingestion.md'), 'utf8');

describe("a Product Ingestion job's failure table", () => {
  it('has an entry for every failure type and every retried type, and nothing else', () => {
    expect(Object.keys(JOB_FAILURES).sort()).toEqual([...Object.values(JobFailureType), ...Object.values(RetriedJobFailureType)].sort());
    expect(FINAL_JOB_FAILURE_TYPES.sort()).toEqual(Object.values(JobFailureType).sort());
  });

  // The ingestion client raises the CPP layer's errors (but for OperationMismatch, a CPP-only check); activities rename them.
  it.each(EVERY_CPP_ERROR.filter((e) => !(e instanceof OperationMismatchError)).map((e) => [`${e.name} ${e.code}`, e] as const))('%s maps to a job entry that agrees on retrying', (name, error) => {
    const failure = toActivityFailure(error, 'ingestion') as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(TYPE_OF[name]?.replace(/^Cpp/, 'Ingestion'));
    expect(Object.keys(JOB_FAILURES)).toContain(failure.type);
    expect(JOB_FAILURES[failure.type as keyof typeof JOB_FAILURES].final).toBe(!error.retryable);
  });

  it.each(Object.entries(JOB_FAILURES))('docs/product-ingestion.md names %s with the same meaning', (type, { meaning }) => {
    expect(JOB_DOC).toContain(`| \`${type}\` | ${meaning} |`);
  });
});
