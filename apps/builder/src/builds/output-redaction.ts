/**
 * Command output leaves the builder in failure reasons, on Kafka and in the audit stream, so
 * it is capped and scrubbed first: values that look like credentials are masked. Patterns are
 * deliberately broad (a masked harmless word costs little; a leaked key costs a rotation).
 */
const MASK = '****';

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes)
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g, MASK],
  // Authorization headers and bearer tokens
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, (_m, scheme) => `${scheme} ${MASK}`],
  // key=value / key: value pairs whose key names a secret (password=, aws_secret_access_key = ...)
  [
    /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)([^\s"'&;,]+)/gi,
    (_m, key, sep) => `${key}${sep}${MASK}`,
  ],
  // JSON web tokens
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, MASK],
  // PEM private keys
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, MASK],
];

/** The text with credential-like values masked, cut to at most `maxChars` (keeping the end, where errors are). */
export function redactOutput(text: string, maxChars: number): string {
  let safe = text;
  for (const [pattern, replacement] of PATTERNS)
    safe = safe.replace(pattern, replacement as (...m: string[]) => string);
  if (safe.length <= maxChars) return safe;
  const marker = `[${safe.length - maxChars} characters cut] `;
  const keep = Math.max(0, maxChars - marker.length);
  // mask first, then cut: a cut can never expose half a secret the patterns would have hidden
  return marker + safe.slice(safe.length - keep);
}
