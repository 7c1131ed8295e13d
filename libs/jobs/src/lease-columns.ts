/**
 * The lease columns every job table carries (add them in the table's migration):
 * lease_owner is the worker holding the row, lease_until when its claim lapses, lease_epoch
 * the fencing token, bumped on every claim and required by every write under the lease.
 */
export const LEASE_COLUMNS_SQL = `lease_owner text,
      lease_until timestamptz,
      lease_epoch bigint NOT NULL DEFAULT 0`;
