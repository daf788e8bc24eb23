/** A child process's output kept line by line, for scans after the fact and for waiting on a line. */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

const OUT = 'out|';
const ERR = 'err|';

/** What a child process has written so far. */
export interface ProcessOutput {
  /** Complete stdout and stderr lines in arrival order, prefixed `out|` or `err|`. */
  lines: string[];
  /** stdout so far, without the prefixes. */
  stdout(): string;
  /** stderr so far, without the prefixes. */
  stderr(): string;
  /**
   * The first stdout line `match` accepts, seen already or still to come. Rejects when the process
   * ends first, or after `timeoutMs` when one is given; the message carries the output.
   */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** Calls `onLine` for every complete line of `stream` (and its unterminated last line at the end). */
function readLines(stream: Readable | null, onLine: (line: string) => void): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    parts.forEach(onLine);
  });
  stream?.on('end', () => {
    if (partial !== '') onLine(partial);
  });
}

/** Starts collecting `child`'s output; call it right after spawning so no line is missed. */
export function collectOutput(child: ChildProcess): ProcessOutput {
  const lines: string[] = [];
  // Waiters re-check on every new line and at the end instead of polling.
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  let ended = false;
  const add = (line: string) => {
    lines.push(line);
    notify();
  };
  readLines(child.stdout, (line) => add(OUT + line));
  readLines(child.stderr, (line) => add(ERR + line));
  child.once('close', () => {
    ended = true;
    notify();
  });
  const text = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length)).join('\n');
  const context = () => `; stderr:\n${text(ERR)}\nstdout tail:\n${text(OUT).slice(-3000)}`;

  const waitForLine = (match: (line: string) => boolean, timeoutMs?: number) =>
    new Promise<string>((resolve, reject) => {
      let scanned = 0;
      const fail = (why: string) => settle(() => reject(new Error(why + context())));
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => fail(`no matching line within ${timeoutMs} ms`), timeoutMs);
      const check = () => {
        for (; scanned < lines.length; scanned++) {
          const line = lines[scanned]!;
          if (line.startsWith(OUT) && match(line.slice(OUT.length))) return settle(() => resolve(line.slice(OUT.length)));
        }
        if (ended) fail(`the process ended (${String(child.exitCode ?? child.signalCode)}) before the line appeared`);
      };
      function settle(finish: () => void): void {
        clearTimeout(timer);
        listeners.delete(check);
        finish();
      }
      listeners.add(check);
      check();
    });

  return { lines, stdout: () => text(OUT), stderr: () => text(ERR), waitForLine };
}
