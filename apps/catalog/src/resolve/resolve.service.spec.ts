import type { DataSource } from 'typeorm';
import { MetricsService } from '@ami/observability';
import type { ChangeListener, ResolveInvalidation } from './resolve-invalidation.js';
import { ResolveService } from './resolve.service.js';

/** The database port: each read waits until the test lets it answer with the row it holds now. */
class FakeCatalogDb {
  row = { known: true, version: '2026.11.27-1', image_id: 'ami-0000000001', state: 'available' };
  reads = 0;
  private gates: Array<() => void> = [];
  holdReads = false;

  async query(): Promise<unknown[]> {
    this.reads++;
    // The snapshot is taken when the statement starts: what it answers is the row as of then.
    const snapshot = { ...this.row };
    if (this.holdReads) await new Promise<void>((release) => this.gates.push(release));
    return [snapshot];
  }

  release() {
    this.gates.splice(0).forEach((release) => release());
  }
}

class FakeInvalidation {
  listening = true;
  private listeners: ChangeListener[] = [];
  onChange(listener: ChangeListener) {
    this.listeners.push(listener);
  }
  change(family: string | null) {
    this.listeners.forEach((l) => l(family));
  }
}

function setUp() {
  const db = new FakeCatalogDb();
  const invalidation = new FakeInvalidation();
  const service = new ResolveService(
    db as unknown as DataSource,
    invalidation as unknown as ResolveInvalidation,
    new MetricsService(),
  );
  return { db, invalidation, service };
}

const promote = (db: FakeCatalogDb) => {
  db.row = { ...db.row, version: '2026.11.27-2', image_id: 'ami-0000000002' };
};

describe('ResolveService cache', () => {
  it('answers a second request from the cache until its family is invalidated', async () => {
    const { db, invalidation, service } = setUp();
    expect((await service.resolve('web', 'prod', 'eu-west-1')).imageId).toBe('ami-0000000001');
    expect(service.resolve('web', 'prod', 'eu-west-1')).toMatchObject({
      imageId: 'ami-0000000001',
    });
    expect(db.reads).toBe(1);
    promote(db);
    invalidation.change('other-family');
    expect(service.resolve('web', 'prod', 'eu-west-1')).toMatchObject({
      imageId: 'ami-0000000001',
    });
    invalidation.change('web');
    expect((await service.resolve('web', 'prod', 'eu-west-1')).imageId).toBe('ami-0000000002');
  });

  it('does not store a miss whose family was invalidated while it was being read', async () => {
    const { db, invalidation, service } = setUp();
    db.holdReads = true;
    const inFlight = service.resolve('web', 'prod', 'eu-west-1');
    promote(db); // committed after the read's snapshot ...
    invalidation.change('web'); // ... and notified before the read returns
    db.release();
    expect((await inFlight).imageId).toBe('ami-0000000001'); // that one answer is old
    db.holdReads = false;
    expect((await service.resolve('web', 'prod', 'eu-west-1')).imageId).toBe('ami-0000000002');
    expect(db.reads).toBe(2);
  });

  it('does not store a miss read across a flush (listening connection lost or re-established)', async () => {
    const { db, invalidation, service } = setUp();
    db.holdReads = true;
    const inFlight = service.resolve('web', 'prod', 'eu-west-1');
    promote(db);
    invalidation.change(null);
    db.release();
    await inFlight;
    db.holdReads = false;
    expect((await service.resolve('web', 'prod', 'eu-west-1')).imageId).toBe('ami-0000000002');
  });

  it('stores a miss invalidated only for another family', async () => {
    const { db, invalidation, service } = setUp();
    db.holdReads = true;
    const inFlight = service.resolve('web', 'prod', 'eu-west-1');
    invalidation.change('other-family');
    db.release();
    await inFlight;
    expect(service.resolve('web', 'prod', 'eu-west-1')).toMatchObject({
      imageId: 'ami-0000000001',
    });
  });

  it('caches nothing while not listening for changes', async () => {
    const { db, invalidation, service } = setUp();
    invalidation.listening = false;
    await service.resolve('web', 'prod', 'eu-west-1');
    promote(db);
    expect((await service.resolve('web', 'prod', 'eu-west-1')).imageId).toBe('ami-0000000002');
    expect(db.reads).toBe(2);
  });

  it('caches a not-found answer the same way', async () => {
    const { db, service } = setUp();
    db.row = {
      known: true,
      version: null as unknown as string,
      image_id: null as unknown as string,
      state: null as unknown as string,
    };
    await expect(service.resolve('web', 'prod', 'eu-west-1')).rejects.toMatchObject({
      message: 'family web has no channel prod',
    });
    expect(() => service.resolve('web', 'prod', 'eu-west-1')).toThrow(
      'family web has no channel prod',
    );
    expect(db.reads).toBe(1);
  });
});
