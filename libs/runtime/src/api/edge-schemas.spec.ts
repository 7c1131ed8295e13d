import { z } from 'zod';
import { AppError } from '../app-error.js';
import { inputRejectedByDatabase, refusedByAws } from '../problem-details.filter.js';
import { limitParam, text, unstorableText } from './edge-schemas.js';
import { EdgeValidationPipe } from './edge-validation.pipe.js';

describe('edge schemas', () => {
  const reason = text({ min: 1, max: 10 });
  it.each([
    ['a NUL character', 'a\u0000b'],
    ['U+FFFD (what invalid UTF-8 decodes to)', 'a\uFFFDb'],
    ['a lone surrogate', 'a\uD800b'],
    ['too long', 'abcdefghijk'],
  ])('text refuses %s', (_what, value) => {
    expect(reason.safeParse(value).success).toBe(false);
  });

  it('text takes ordinary text, emoji included', () => {
    expect(reason.parse('ok 🚀')).toBe('ok 🚀');
  });

  it('finds unstorable text anywhere in a document, with its path', () => {
    expect(unstorableText({ a: [{ b: 'x\u0000' }], ['k\uDC00']: 1, fine: 'y' })).toEqual([
      { path: 'a.0.b', message: expect.any(String) },
      { path: 'k\uDC00', message: expect.stringContaining('key') },
    ]);
  });
});

describe('EdgeValidationPipe', () => {
  const pipe = new EdgeValidationPipe();
  const query = z.object({ limit: limitParam(50) });

  it('coerces and defaults query values', async () => {
    expect(await pipe.transform({ limit: '7' }, { type: 'query', schema: query } as any)).toEqual({
      limit: 7,
    });
    expect(await pipe.transform({}, { type: 'query', schema: query } as any)).toEqual({
      limit: 50,
    });
  });

  it.each([['abc'], ['0'], ['51'], ['1.5'], [['1', '2']]])(
    'refuses limit=%j with a 400 naming limit',
    async (limit) => {
      const error = await pipe
        .transform({ limit }, { type: 'query', schema: query } as any)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).problems.map((p) => p.path)).toEqual(['limit']);
    },
  );

  it('names a path parameter by its name', async () => {
    const error = await pipe
      .transform('Bad Name', {
        type: 'param',
        data: 'family',
        schema: z.string().regex(/^[a-z]+$/),
      } as any)
      .catch((e: unknown) => e);
    expect((error as AppError).problems).toEqual([{ path: 'family', message: expect.any(String) }]);
  });
});

describe('refusals of input by the database or EC2 are 4xx', () => {
  it.each([
    ['22P02', 400],
    ['22021', 400],
    ['23502', 400],
    ['23505', 409],
  ])('SQLSTATE %s is %i', (code, status) => {
    expect(inputRejectedByDatabase({ code })?.status).toBe(status);
  });
  it('other database errors stay 500', () => {
    expect(inputRejectedByDatabase({ code: '57P01' })).toBeUndefined();
    expect(inputRejectedByDatabase(new Error('x'))).toBeUndefined();
  });
  it('EC2 refusing the parameters is 400, throttling 503', () => {
    expect(
      refusedByAws({ name: 'Ec2Error', kind: 'client', code: 'InvalidParameterValue' })?.status,
    ).toBe(400);
    expect(
      refusedByAws({ name: 'Ec2Error', kind: 'throttled', code: 'RequestLimitExceeded' })?.status,
    ).toBe(503);
  });
});
