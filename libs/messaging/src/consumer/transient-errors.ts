/**
 * Errors that say "the infrastructure is away", not "this message is bad": the database or a
 * connection is down. A consumer waits these out instead of counting them toward the
 * attempts that send a message to the dead-letter topic.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isTransientInfrastructureError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: any = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = String(current.code ?? '');
    // PostgreSQL SQLSTATE classes 08 (connection exception), 57P (operator intervention: shutdown).
    if (code.startsWith('08') || code.startsWith('57P') || NETWORK_CODES.has(code)) return true;
    const message = String(current.message ?? '');
    if (
      /Connection terminated|connection (?:is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        message,
      )
    ) {
      return true;
    }
    current = current.driverError ?? current.cause;
  }
  return false;
}
