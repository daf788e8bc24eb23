/**
 * What the worker knows of its CPP API: checked at start-up (can its host be reached, can a token be
 * had), then kept up to date by every exchange the client makes. Reported on the health endpoint and
 * logged once when it turns bad; it never stops the worker, since CPP may come back.
 */
import { probeReachability } from '../cpp/reachability';
import type { TokenProvider } from '../cpp/token-provider';
import type { CppRequestEvent } from '../cpp/types';

export interface CppHealthView {
  /** `unknown` until checked; `reachable`: it answers; `unreachable`: no answer; `no-token`: Entra gives none. */
  status: 'unknown' | 'reachable' | 'unreachable' | 'no-token';
  baseUrl: string;
  /** Why it is not reachable, or the last exchange's outcome. */
  detail?: string;
  checkedAt?: string;
}

export class CppHealth {
  #view: CppHealthView;

  constructor(baseUrl: string) {
    this.#view = { status: 'unknown', baseUrl };
  }

  view(): CppHealthView {
    return { ...this.#view };
  }

  /** Each exchange says how CPP is now: an HTTP answer means reachable; no answer, unreachable. */
  record(event: CppRequestEvent): void {
    // The Product Ingestion API's exchanges say nothing of CPP.
    if (event.endpoint.startsWith('job')) return;
    const answered = typeof event.outcome === 'number';
    this.#set(answered ? 'reachable' : 'unreachable', `${event.method} ${event.endpoint}: ${String(event.outcome)}`);
  }

  /**
   * The start-up check: the host answers, and a token can be had. Returns one line for the log when
   * either fails (undefined when both are fine).
   */
  async check(tokenProvider: TokenProvider): Promise<string | undefined> {
    const { baseUrl } = this.#view;
    const probe = await probeReachability(baseUrl);
    if (!probe.reachable) {
      this.#set('unreachable', probe.reason);
      return `CPP at ${baseUrl} cannot be reached: ${probe.reason}. The worker keeps running; cancellations retry until it answers or their deadline passes (check CPP_BASE_URL)`;
    }
    try {
      await tokenProvider.getToken();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#set('no-token', reason);
      return `no CPP token from ${tokenProvider.description}: ${reason}. The worker keeps running; cancellations retry until a token comes or their deadline passes`;
    }
    this.#set('reachable', 'start-up check');
    return undefined;
  }

  #set(status: CppHealthView['status'], detail: string): void {
    this.#view = { ...this.#view, status, detail, checkedAt: new Date().toISOString() };
  }
}
