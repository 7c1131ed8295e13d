import { Injectable } from '@nestjs/common';
import type { Build } from '../build.types.js';
import type { BuildStepHandler, StepResult } from './step.types.js';

/** The last step: the worker records success and publishes "build succeeded" in one transaction. */
@Injectable()
export class PublishStep implements BuildStepHandler {
  readonly step = 'publish' as const;
  async run(_build: Build): Promise<StepResult> {
    return { kind: 'succeeded' };
  }
}
