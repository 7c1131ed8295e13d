/**
 * @ami/jobs: durable work shared by every replica of a service through PostgreSQL. A job is a
 * row; workers claim due rows with FOR UPDATE SKIP LOCKED and a fenced lease (an epoch bumped
 * on every claim), and every write under the lease names the epoch, so a worker that paused
 * past its lease can never overwrite the worker that took over. Also the worker loop and the
 * retry backoff the services share.
 */
export * from './fenced-lease.js';
export * from './lease-columns.js';
export * from './worker-loop.js';
export * from './backoff.js';
