/**
 * The client's side of its {@link TokenProvider}: a token per request, any provider failure as a
 * secret-free {@link CppAuthenticationError}, and the recent tokens to redact from what comes back.
 */
import { CppAuthenticationError, CppError, UNAUTHORIZED_ADVICE } from './errors';
import { describeValue, errorCode, redactText, safeCause } from './redact';
import type { TokenProvider } from './token-provider';

// How many recent tokens are remembered for redaction (the current one and those it replaced).
const REMEMBERED_TOKENS = 4;

export class BearerTokens {
  readonly #provider: TokenProvider;
  readonly #advice: string;
  readonly #recent: string[] = [];

  /** @param advice what to check when the API refuses the credentials (the CPP API's by default). */
  constructor(provider: TokenProvider, advice = UNAUTHORIZED_ADVICE) {
    this.#provider = provider;
    this.#advice = advice;
  }

  /** The tokens handed out lately, newest last: secrets to take out of any text shown. */
  get recent(): readonly string[] {
    return this.#recent;
  }

  /** Whether a fresh token may differ from the refused one, so a 401 is worth one more try. */
  get refreshable(): boolean {
    return this.#provider.refreshable !== false;
  }

  /** What to tell an operator when the API refused the credentials for good. */
  unauthorizedAdvice(): string {
    return this.refreshable ? `a fresh token was refused too; ${this.#advice}` : `${this.#provider.description} cannot be refreshed; ${this.#advice}`;
  }

  /** @throws {@link CppError} as the provider threw it, any other failure as a {@link CppAuthenticationError}. */
  async get(forceRefresh: boolean, signal: AbortSignal | undefined): Promise<string> {
    let token: string;
    try {
      token = await this.#provider.getToken(signal ? { forceRefresh, signal } : { forceRefresh });
    } catch (error) {
      if (error instanceof CppError) throw error;
      // A provider of someone else's making: keep the failure retryable and free of secrets.
      throw new CppAuthenticationError(
        `Could not get a token from ${this.#provider.description}: ${redactText(describeValue(error), this.#recent)}`,
        { errorName: error instanceof Error ? error.name : undefined, errorCode: errorCode(error), cause: safeCause(error, this.#recent) },
      );
    }
    if (!this.#recent.includes(token)) {
      this.#recent.push(token);
      if (this.#recent.length > REMEMBERED_TOKENS) this.#recent.shift();
    }
    return token;
  }
}
