import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** What a script sees after sourcing the given lib files, from a shell set up for the dev stack. */
function endpoints(files: string[], env: Record<string, string> = {}): Record<string, string> {
  const vars = ['STACK_DIR', 'DB_PORT', 'KAFKA_BROKERS', 'KAFKA_CONTROLLER_PORT', 'MOTO_URL'];
  const script = [
    ...files.map((f) => `source scripts/lib/${f}`),
    ...vars.map((v) => `echo "${v}=\${${v}}"`),
    `echo "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"`,
  ].join('\n');
  const out = execFileSync('bash', ['-c', script], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
}

describe('the test stack is apart from the dev stack', () => {
  const devShell = {
    DB_PORT: '55432',
    KAFKA_BROKERS: '127.0.0.1:19092',
    MOTO_URL: 'http://127.0.0.1:5000',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    STACK_DIR: `${root}/.stack`,
  };

  it('uses other ports and another state folder, even from a shell exported for the dev stack', () => {
    const dev = endpoints(['defaults.sh']);
    const test = endpoints(['test-stack.sh', 'defaults.sh'], devShell);
    for (const key of Object.keys(dev)) expect(test[key], key).not.toBe(dev[key]);
    expect(test.STACK_DIR).toBe(`${root}/.stack/test`);
    expect(test.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:4576');
  });

  it('takes other ports from TEST_* variables, so two checkouts can test side by side', () => {
    const test = endpoints(['test-stack.sh', 'defaults.sh'], {
      TEST_DB_PORT: '56500',
      TEST_KAFKA_PORT: '29500',
    });
    expect(test.DB_PORT).toBe('56500');
    expect(test.KAFKA_BROKERS).toBe('127.0.0.1:29500');
  });

  it('is what the test command sources before the defaults', async () => {
    const { readFile } = await import('node:fs/promises');
    const script = await readFile(`${root}/scripts/test.sh`, 'utf8');
    expect(script.indexOf('source scripts/lib/test-stack.sh')).toBeGreaterThan(-1);
    expect(script.indexOf('source scripts/lib/test-stack.sh')).toBeLessThan(
      script.indexOf('source scripts/lib/defaults.sh'),
    );
  });
});
