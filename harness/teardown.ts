/** What was started, to be stopped in reverse order: after a run, or after a start that failed halfway. */
export class Teardown {
  private readonly stops: Array<() => Promise<void>> = [];

  /** Registers `stop` to run at {@link run}, before everything registered earlier. */
  push(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Awaits `started`, registers `stop` for what it gave, and returns it. */
  async add<T>(started: Promise<T>, stop: (value: T) => Promise<void>): Promise<T> {
    const value = await started;
    this.push(() => stop(value));
    return value;
  }

  /**
   * Runs every stop, the last registered first; one that fails does not keep the others from
   * running. Failures go to `onError`; without it the first is thrown once all have run.
   */
  async run(onError?: (err: unknown) => void): Promise<void> {
    const failures: unknown[] = [];
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        if (onError) onError(err);
        else failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
