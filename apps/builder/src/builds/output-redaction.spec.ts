import { redactOutput } from './output-redaction.js';

describe('command output leaving the builder', () => {
  it('masks AWS keys, bearer tokens and password-like values', () => {
    const out = redactOutput(
      [
        'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'curl -H "Authorization: Bearer eyJhbGciOi.abc123def456.ghi789jkl0"',
        'mysql --password=hunter2 -u root',
        'temporary ASIAY34FZKBOKMUTVV7A in use',
        'exit code 3: no such file',
      ].join('\n'),
      10_000,
    );
    for (const secret of [
      'AKIAIOSFODNN7EXAMPLE',
      'wJalrXUtnFEMI',
      'eyJhbGciOi',
      'hunter2',
      'ASIAY34FZKBOKMUTVV7A',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('Bearer ****');
    expect(out).toContain('--password=****');
    expect(out).toContain('exit code 3: no such file');
  });

  it('keeps the end of long output, where errors are, and says how much was cut', () => {
    const out = redactOutput(`${'progress\n'.repeat(1000)}error: disk full`, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out).toMatch(/^\[\d+ characters cut\] /);
    expect(out.endsWith('error: disk full')).toBe(true);
  });

  it('masks before cutting, so a cut never exposes part of a secret', () => {
    const out = redactOutput(`password=${'s'.repeat(300)} done`, 100);
    expect(out).not.toContain('sss');
  });
});
