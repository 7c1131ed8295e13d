import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface RegionStatus {
  account: string;
  region: string;
  blockPublicAccess: string;
  checkedAt: string;
}

/** What GetImageBlockPublicAccessState last said per account x region (shown in status). */
@Injectable()
export class RegionStatusRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async save(account: string, region: string, state: string): Promise<void> {
    await this.db.query(
      `INSERT INTO permissions.region_status (account, region, block_public_access) VALUES ($1, $2, $3)
       ON CONFLICT (account, region) DO UPDATE SET block_public_access = EXCLUDED.block_public_access, checked_at = now()`,
      [account, region, state],
    );
  }

  async all(): Promise<Map<string, RegionStatus>> {
    const rows = await this.db.query('SELECT * FROM permissions.region_status');
    return new Map(
      rows.map((r: Record<string, any>) => [
        `${r.account}/${r.region}`,
        {
          account: r.account,
          region: r.region,
          blockPublicAccess: r.block_public_access,
          checkedAt: new Date(r.checked_at).toISOString(),
        },
      ]),
    );
  }
}
