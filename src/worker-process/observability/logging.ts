/**
 * The worker's one log sink: every line the SDK's Runtime logger receives — the worker's own, the
 * SDK's, Core's (forwarded), and workflow and activity logs with their workflowId, runId,
 * activityType and attempt — is written to stdout as one JSON object per line (or, with
 * `LOG_FORMAT=pretty`, one readable line).
 */
import { ApplicationFailure, type LogLevel } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { redactText } from '../../cpp/redact';

type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /**
   * Values that must never appear in a line (static tokens, client secrets, API keys): replaced
   * by `[REDACTED]` as a last line of defence, as are bearer tokens and JWTs (see `redactText`);
   * the code paths already keep them out.
   */
  secrets?: readonly string[];
  /** Where lines go. @default process.stdout */
  write?: (line: string) => void;
}

const RESERVED = new Set(['time', 'level', 'msg']);
/** Metadata the SDK attaches that must not reach log storage: a task token can complete the task. */
const DROPPED = new Set(['taskToken']);

/** Errors, bigints and cycles as JSON can carry them; an error's stack only when `stacks` (DEBUG and below). */
function jsonReplacer(stacks: boolean): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const cause: unknown = (value as { cause?: unknown }).cause;
      return { name: value.name, message: value.message, ...(stacks ? { stack: value.stack } : {}), ...(cause !== undefined ? { cause } : {}) };
    }
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

/** One log entry as a JSON object: `time`, `level`, `msg`, then the metadata (workflowId, runId, …) at top level. */
function jsonLine(entry: LogEntry, stacks: boolean): string {
  const fields: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level,
    msg: entry.message,
  };
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (DROPPED.has(key)) continue;
    fields[RESERVED.has(key) ? `meta.${key}` : key] = value;
  }
  return JSON.stringify(fields, jsonReplacer(stacks));
}

/** One log entry for people: `time LEVEL [component] message {metadata}`. */
function prettyLine(entry: LogEntry, stacks: boolean): string {
  const { sdkComponent, taskToken: _dropped, ...meta } = entry.meta ?? {};
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const component = typeof sdkComponent === 'string' ? ` [${sdkComponent}]` : '';
  const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta, jsonReplacer(stacks))}` : '';
  return `${time} ${entry.level.padEnd(5)}${component} ${entry.message}${rest}`;
}

const VERBOSE = new Set<LogLevel>(['TRACE', 'DEBUG']);

/**
 * The SDK's `Activity failed` for a failure Temporal retries: the activity logs its own line for it,
 * numbered as the run counts attempts (src/activities/retry-notice.ts), so this one is DEBUG.
 */
function retriedActivityFailure(entry: LogEntry): boolean {
  const error: unknown = entry.meta?.error;
  return entry.message === 'Activity failed' && error instanceof ApplicationFailure && !error.nonRetryable;
}

/** The Runtime logger: filters by level, formats, redacts, writes one line per entry. */
export function createLogger(options: LoggerOptions): DefaultLogger {
  const format = options.format === 'pretty' ? prettyLine : jsonLine;
  // Short values would redact ordinary words; real secrets are long.
  const secrets = [...new Set((options.secrets ?? []).filter((s) => s.length >= 8))];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Stacks are for debugging: a failure's type and message say what happened.
  const verbose = VERBOSE.has(options.level);
  return new DefaultLogger(options.level, (entry) => {
    const shown = retriedActivityFailure(entry) ? (verbose ? { ...entry, level: 'DEBUG' as const } : undefined) : entry;
    if (shown) write(redactText(format(shown, verbose), secrets));
  });
}
