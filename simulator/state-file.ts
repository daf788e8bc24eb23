/**
 * The simulator's offers and operations kept in a file (`npm run dev` puts it in DEV_DATA_DIR), so a
 * cancellation in flight across a restart of the stack finds its operation again, as it would
 * against CPP. Written a moment after each change (atomically: a temporary file renamed over it)
 * and on close; read at start. Scenarios are not kept: the seed gives them again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OfferBook, PersistedOffer } from './offer-model';

const VERSION = 1;
/** How long after a change the file is written: many requests in a burst make one write. */
const WRITE_DELAY_MS = 100;

interface StateFile {
  version: number;
  savedAt: string;
  offers: PersistedOffer[];
}

/** Restores `book` from `file` when it holds a state this simulator wrote; says how many offers came back. */
export function loadState(book: OfferBook, file: string): number {
  let state: Partial<StateFile>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateFile>;
  } catch {
    return 0;
  }
  if (state.version !== VERSION || !Array.isArray(state.offers)) return 0;
  book.restore(state.offers);
  return state.offers.length;
}

/** Writes `book` to `file` shortly after each `changed()`, and at once on `flush()`. */
export function stateWriter(book: OfferBook, file: string): { changed(): void; flush(): void } {
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    timer = undefined;
    const state: StateFile = { version: VERSION, savedAt: new Date().toISOString(), offers: book.snapshot() };
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
