import {
  Controller,
  Get,
  Header,
  HttpStatus,
  Inject,
  Injectable,
  Res,
  SetMetadata,
} from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service.js';

/** A dependency whose reachability decides readiness (database, broker, ...). */
export interface HealthIndicator {
  readonly name: string;
  check(): Promise<void>;
}

export const HEALTH_INDICATORS = Symbol('HEALTH_INDICATORS');

export interface HealthReport {
  status: 'ok' | 'error';
  checks: Record<string, { status: 'up' | 'down'; error?: string; ms: number }>;
}

@Injectable()
export class HealthRegistry {
  private readonly indicators: HealthIndicator[] = [];
  register(indicator: HealthIndicator) {
    this.indicators.push(indicator);
  }

  async report(timeoutMs = 2000): Promise<HealthReport> {
    const checks: HealthReport['checks'] = {};
    await Promise.all(
      this.indicators.map(async (indicator) => {
        const started = Date.now();
        try {
          await withTimeout(
            indicator.check(),
            timeoutMs,
            `${indicator.name} did not answer in ${timeoutMs} ms`,
          );
          checks[indicator.name] = { status: 'up', ms: Date.now() - started };
        } catch (error) {
          checks[indicator.name] = {
            status: 'down',
            error: (error as Error).message,
            ms: Date.now() - started,
          };
        }
      }),
    );
    const status = Object.values(checks).every((c) => c.status === 'up') ? 'ok' : 'error';
    return { status, checks };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// The OpenAPI description of the answers below (the document is built in @ami/runtime).
const json = (schema: object) => ({ 'application/json': { schema } });
const LIVE_SCHEMA = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok'] } },
  required: ['status'],
};
const REPORT = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error'] },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['up', 'down'] },
          error: { type: 'string' },
          ms: { type: 'number' },
        },
        required: ['status', 'ms'],
      },
    },
  },
  required: ['status', 'checks'],
};

/** Liveness: the process answers. Readiness: every registered dependency is reachable. */
// Open to probes and scrapers without a token: @ami/auth's @Public() sets this same key; it is
// spelled out here so that observability does not depend on auth.
@SetMetadata('ami:public', true)
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  @Get('health/live')
  @ApiResponse({ status: 200, description: 'the process answers', content: json(LIVE_SCHEMA) })
  live() {
    return { status: 'ok' };
  }

  @Get(['health', 'health/ready'])
  @ApiResponse({ status: 200, description: 'every dependency answers', content: json(REPORT) })
  @ApiResponse({ status: 503, description: 'a dependency is down', content: json(REPORT) })
  async ready(@Res() reply: FastifyReply) {
    const report = await this.health.report();
    reply
      .status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .send(report);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiResponse({
    status: 200,
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async render() {
    return this.metrics.render();
  }
}
