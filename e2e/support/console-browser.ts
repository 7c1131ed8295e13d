import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where the console journey leaves its screenshots: $STACK_DIR/test-results/screenshots. */
export const SCREENSHOTS = resolve(
  process.env.STACK_DIR ?? '.stack/test',
  'test-results',
  'screenshots',
);

/** Debian's chromium (scripts/lib/browser.sh), driven by playwright-core, headless. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
}

/** A new tab (its own sessionStorage) signed in with the token pasted into the console. */
export async function signedInPage(
  browser: Browser,
  consoleUrl: string,
  token: string,
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${consoleUrl}/#/families`);
  await page.locator('input[name=token]').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.locator('[data-testid=who]').waitFor();
  if (problems.length) throw new Error(`the page failed: ${problems.join('; ')}`);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = resolve(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
