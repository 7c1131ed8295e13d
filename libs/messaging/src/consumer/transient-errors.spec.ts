import { isTransientInfrastructureError } from './transient-errors.js';

describe('isTransientInfrastructureError', () => {
  it('recognises a database that is down or shutting down', () => {
    expect(
      isTransientInfrastructureError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:55432'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
    expect(
      isTransientInfrastructureError(
        Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        }),
      ),
    ).toBe(true);
    expect(isTransientInfrastructureError(new Error('Connection terminated unexpectedly'))).toBe(
      true,
    );
    expect(
      isTransientInfrastructureError({ message: 'query failed', driverError: { code: '08006' } }),
    ).toBe(true);
  });

  it('does not excuse errors that are about the message or the code', () => {
    expect(
      isTransientInfrastructureError(
        Object.assign(new Error('duplicate key value'), { code: '23505' }),
      ),
    ).toBe(false);
    expect(
      isTransientInfrastructureError(
        new TypeError("Cannot read properties of undefined (reading 'family')"),
      ),
    ).toBe(false);
    expect(isTransientInfrastructureError(undefined)).toBe(false);
  });
});
