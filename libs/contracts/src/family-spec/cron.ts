import { CronExpressionParser } from 'cron-parser';

/** Why a cron expression is not usable (null when it is): five fields, or six with seconds. */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6)
    return `must be a cron expression of 5 fields (minute hour day month weekday), or 6 with seconds; got ${fields}`;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC', strict: false });
    return null;
  } catch (error) {
    return `is not a cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The first time after `from` that the schedule fires. */
export function nextRun(cron: string, timezone: string, from: Date): Date {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: from }).next().toDate();
}
