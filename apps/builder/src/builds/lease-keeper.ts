import { Inject, Injectable } from '@nestjs/common';
import { LeaseLostError } from '@ami/jobs';
import { APP_CONFIG } from '@ami/config';
import type { BuilderConfig } from '../config/builder.config.js';
import type { Build } from './build.types.js';
import { BuildsRepository } from './builds.repository.js';

/**
 * Keeps a build's lease alive while its worker waits on AWS (a slow call, a cleanup), so that
 * a healthy worker is never taken over mid-step. When a renewal finds the lease gone (this
 * worker paused past its lease and another took the build), the work's result is dropped:
 * `hold` throws LeaseLostError once the work ends, before anything is saved or cleaned.
 */
@Injectable()
export class LeaseKeeper {
  constructor(
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(APP_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async hold<T>(build: Build, work: () => Promise<T>): Promise<T> {
    const leaseMs = this.config.BUILD_LEASE_MS;
    let lost = false;
    const timer = setInterval(
      () => {
        this.builds.renew(build, leaseMs).then(
          (held) => {
            if (!held) lost = true;
          },
          () => undefined, // a failed renewal is retried on the next beat; the fence decides
        );
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    try {
      const result = await work();
      if (lost) throw this.lostError(build);
      return result;
    } catch (error) {
      if (lost) throw this.lostError(build);
      throw error;
    } finally {
      clearInterval(timer);
    }
  }

  /** Renews once, now: a fence before a side effect such as cleanup. Throws when lost. */
  async assertHeld(build: Build): Promise<void> {
    if (!(await this.builds.renew(build, this.config.BUILD_LEASE_MS))) throw this.lostError(build);
  }

  private lostError(build: Build): LeaseLostError {
    return new LeaseLostError('builder.builds', build.id, build.lease ?? { owner: '', epoch: -1 });
  }
}
