import { FencedLeases, LEASE_COLUMNS_SQL, LeaseLostError } from '@ami/jobs';
import { scratchSchema, type ScratchSchema } from '@ami/testing';

describe('fenced leases on a real PostgreSQL table', () => {
  let db: ScratchSchema;
  let jobs: FencedLeases;

  beforeAll(async () => {
    db = await scratchSchema('jobs');
    await db.dataSource.query(`CREATE TABLE "${db.schema}".work (
      id text PRIMARY KEY, state text NOT NULL, step integer NOT NULL DEFAULT 0,
      ${LEASE_COLUMNS_SQL})`);
    jobs = new FencedLeases(`${db.schema}.work`);
  });
  afterAll(() => db?.drop());
  beforeEach(() => db.dataSource.query(`TRUNCATE "${db.schema}".work`));

  const insert = (...ids: string[]) =>
    db.dataSource.query(
      `INSERT INTO "${db.schema}".work (id, state) SELECT unnest($1::text[]), 'due'`,
      [ids],
    );
  const row = async (id: string) =>
    (await db.dataSource.query(`SELECT * FROM "${db.schema}".work WHERE id = $1`, [id]))[0];

  it('gives each due row to one worker only, even when both claim at once', async () => {
    await insert(...Array.from({ length: 20 }, (_, i) => `job-${i}`));
    const [a, b] = await Promise.all([
      jobs.claim(db.dataSource, { owner: 'a', limit: 15, leaseMs: 60_000, where: `state = 'due'` }),
      jobs.claim(db.dataSource, { owner: 'b', limit: 15, leaseMs: 60_000, where: `state = 'due'` }),
    ]);
    const ids = [...a, ...b].map((c) => c.row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(20);
  });

  it('refuses the write of a worker whose lease lapsed and was taken over', async () => {
    await insert('job-1');
    const [stale] = await jobs.claim(db.dataSource, {
      owner: 'slow',
      limit: 1,
      leaseMs: 1,
      where: `state = 'due'`,
    });
    await new Promise((r) => setTimeout(r, 20));
    const [fresh] = await jobs.claim(db.dataSource, {
      owner: 'fast',
      limit: 1,
      leaseMs: 60_000,
      where: `state = 'due'`,
    });
    expect(fresh.lease.epoch).toBe(stale.lease.epoch + 1);
    await jobs.update(db.dataSource, 'job-1', fresh.lease, { step: 2, state: 'done' });

    await expect(
      jobs.update(db.dataSource, 'job-1', stale.lease, { step: 1, state: 'failed' }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await row('job-1')).toMatchObject({ state: 'done', step: 2, lease_owner: null });
  });

  it('refuses a write from the same owner under an older epoch (a restarted worker)', async () => {
    await insert('job-2');
    const claim = () =>
      jobs.claim(db.dataSource, { owner: 'w', limit: 1, leaseMs: 1, where: `state = 'due'` });
    const [first] = await claim();
    await new Promise((r) => setTimeout(r, 20));
    const [second] = await claim();
    await expect(jobs.update(db.dataSource, 'job-2', first.lease, { step: 9 })).rejects.toThrow(
      /lease on .* job-2 \(epoch 1, w\) was lost/,
    );
    await jobs.update(db.dataSource, 'job-2', second.lease, { step: 3 });
    expect((await row('job-2')).step).toBe(3);
  });

  it('renews a held lease and stops a renewal once the lease is lost', async () => {
    await insert('job-3');
    const [held] = await jobs.claim(db.dataSource, {
      owner: 'a',
      limit: 1,
      leaseMs: 50,
      where: `state = 'due'`,
    });
    expect(await jobs.renew(db.dataSource, 'job-3', held.lease, 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    // Renewed past the original 50 ms: nobody else can claim it.
    expect(
      await jobs.claim(db.dataSource, { owner: 'b', limit: 1, leaseMs: 1, where: `state = 'due'` }),
    ).toHaveLength(0);
    await jobs.update(db.dataSource, 'job-3', held.lease, {}, {});
    expect(await jobs.renew(db.dataSource, 'job-3', held.lease, 60_000)).toBe(false);
  });

  it('a fence check inside a transaction fails for a lost lease', async () => {
    await insert('job-4');
    const [held] = await jobs.claim(db.dataSource, {
      owner: 'a',
      limit: 1,
      leaseMs: 60_000,
      where: `state = 'due'`,
    });
    await db.dataSource.transaction((tx) => jobs.assertHeld(tx, 'job-4', held.lease));
    await expect(
      db.dataSource.transaction((tx) =>
        jobs.assertHeld(tx, 'job-4', { owner: 'a', epoch: held.lease.epoch - 1 }),
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });
});
