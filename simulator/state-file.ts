/**
 * The simulator's offers, operations and configure jobs kept in a file (`npm run dev` puts it in
 * DEV_DATA_DIR), so a cancellation in flight across a restart of the stack finds its operation or
 * job again, as it would against the real APIs. Written a moment after each change (atomically: a
 * temporary file renamed over it) and on close; read at start. Scenarios are not kept: the seed
 * gives them again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobBook, PersistedJob } from './job-model';
import type { OfferBook, PersistedOffer } from './offer-model';

const VERSION = 1;
/** How long after a change the file is written: many requests in a burst make one write. */
const WRITE_DELAY_MS = 100;

interface StateFile {
  version: number;
  savedAt: string;
  offers: PersistedOffer[];
  /** Absent in files written before the simulator served configure jobs. */
  jobs?: PersistedJob[];
}

/** What a state file holds: the books it fills and is written from. */
interface Books {
  offers: OfferBook;
  jobs: JobBook;
}

/** Restores `books` from `file` when it holds a state this simulator wrote; says how many offers and jobs came back. */
export function loadState(books: Books, file: string): { offers: number; jobs: number } {
  let state: Partial<StateFile>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateFile>;
  } catch {
    return { offers: 0, jobs: 0 };
  }
  if (state.version !== VERSION || !Array.isArray(state.offers)) return { offers: 0, jobs: 0 };
  const jobs = Array.isArray(state.jobs) ? state.jobs : [];
  books.offers.restore(state.offers);
  books.jobs.restore(jobs);
  return { offers: state.offers.length, jobs: jobs.length };
}

/** Writes `books` to `file` shortly after each `changed()`, and at once on `flush()`. */
export function stateWriter(books: Books, file: string): { changed(): void; flush(): void } {
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    timer = undefined;
    const state: StateFile = { version: VERSION, savedAt: new Date().toISOString(), offers: books.offers.snapshot(), jobs: books.jobs.snapshot() };
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state));
    renameSync(temporary, file);
  };
  return {
    changed() {
      timer ??= setTimeout(write, WRITE_DELAY_MS);
    },
    flush() {
      if (timer) clearTimeout(timer);
      write();
    },
  };
}
