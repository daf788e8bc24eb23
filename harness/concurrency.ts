/** Bounded concurrency for tests, benchmark and scripts. */

/** `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** `0, 1, …, n - 1`: the items of {@link mapLimit} when only the index matters. */
export function indices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
