import type { IHeaders } from 'kafkajs';

export function headerValue(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  if (raw === undefined || raw === null) return undefined;
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined
    ? undefined
    : Buffer.isBuffer(first)
      ? first.toString('utf8')
      : String(first);
}
