/**
 * Flattens a history into searchable text. Payload bytes are not text in the proto objects
 * (protobufjs' toJSON turns them into base64), so a plain JSON.stringify would hide a leaked
 * token; every `data` field is decoded as UTF-8 here.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    if (key === 'data' && Array.isArray(value)) return Buffer.from(value as number[]).toString('utf8');
    return value;
  });
}
