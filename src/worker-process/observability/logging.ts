/**
 * The worker's one log sink: every line the SDK's Runtime logger receives — the worker's own, the
 * SDK's, Core's (forwarded), and workflow and activity logs with their workflowId, runId,
 * activityType and attempt — is written to stdout as one JSON object per line (or, with
 * `LOG_FORMAT=pretty`, one readable line).
 */
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
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

/** Errors, bigints and cycles as JSON can carry them. */
function jsonReplacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) {
      const cause: unknown = (value as { cause?: unknown }).cause;
      return { name: value.name, message: value.message, stack: value.stack, ...(cause !== undefined ? { cause } : {}) };
    }
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

/** One log entry as a JSON object: `time`, `level`, `msg`, then the metadata (workflowId, runId, …) at top level. */
function jsonLine(entry: LogEntry): string {
  const fields: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level,
    msg: entry.message,
  };
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (DROPPED.has(key)) continue;
    fields[RESERVED.has(key) ? `meta.${key}` : key] = value;
  }
  return JSON.stringify(fields, jsonReplacer());
}

/** One log entry for people: `time LEVEL [component] message {metadata}`. */
function prettyLine(entry: LogEntry): string {
  const { sdkComponent, taskToken: _dropped, ...meta } = entry.meta ?? {};
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const component = typeof sdkComponent === 'string' ? ` [${sdkComponent}]` : '';
  const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta, jsonReplacer())}` : '';
  return `${time} ${entry.level.padEnd(5)}${component} ${entry.message}${rest}`;
}

/** The Runtime logger: filters by level, formats, redacts, writes one line per entry. */
export function createLogger(options: LoggerOptions): DefaultLogger {
  const format = options.format === 'pretty' ? prettyLine : jsonLine;
  // Short values would redact ordinary words; real secrets are long.
  const secrets = [...new Set((options.secrets ?? []).filter((s) => s.length >= 8))];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return new DefaultLogger(options.level, (entry) => write(redactText(format(entry), secrets)));
}
