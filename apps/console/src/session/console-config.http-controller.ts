import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, Public, ROLES } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { APP_CONFIG } from '@ami/config';
import { Topics } from '@ami/contracts';
import { ApiAnswers } from '@ami/runtime';
import { AuditFeed } from '../audit/audit-feed.service.js';
import type { ConsoleConfig } from '../config/console.config.js';
import { CONSOLE_SERVICES } from '../config/service-urls.js';

const configSchema = z.object({
  services: z.array(z.object({ name: z.string(), api: z.string() })),
  auth: z.object({
    keySource: z.enum(['secret', 'public-key', 'jwks']),
    issuer: z.string().nullable(),
    audience: z.string(),
    rolesClaim: z.string(),
    jwksUrl: z.string().nullable(),
    oidc: z.boolean().meta({
      description: 'tokens come from an identity provider (a JWKS URL); paste one it issued',
    }),
  }),
  auditFeed: z.object({ topic: z.string(), group: z.string(), connected: z.boolean() }),
});

const sessionSchema = z.object({
  subject: z.string(),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  highestRole: z.enum(ROLES).nullable(),
});

@ApiTags('console')
@Controller('v1')
export class ConsoleConfigHttpController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ConsoleConfig,
    @Inject(AuditFeed) private readonly feed: AuditFeed,
  ) {}

  @Get('config')
  @Public()
  @ApiOperation({ summary: 'What the console reads and how it expects tokens (no secret)' })
  @ApiAnswers({ description: 'the console configuration', schema: configSchema })
  settings(): z.infer<typeof configSchema> {
    const c = this.config;
    return {
      services: CONSOLE_SERVICES.map((name) => ({ name, api: `/api/${name}` })),
      auth: {
        keySource: c.AUTH_JWKS_URL ? 'jwks' : c.AUTH_JWT_PUBLIC_KEY ? 'public-key' : 'secret',
        issuer: c.AUTH_ISSUER ?? null,
        audience: c.AUTH_AUDIENCE,
        rolesClaim: c.AUTH_ROLES_CLAIM,
        jwksUrl: c.AUTH_JWKS_URL ?? null,
        oidc: c.AUTH_JWKS_URL !== undefined,
      },
      auditFeed: { topic: Topics.Audit, group: this.feed.groupId, connected: this.feed.connected },
    };
  }

  @Get('session')
  @ApiOperation({ summary: "Who the token says the caller is, and the caller's roles" })
  @ApiAnswers({ description: 'the caller', schema: sessionSchema })
  session(@CurrentActor() actor: Actor): z.infer<typeof sessionSchema> {
    return {
      subject: actor.subject,
      name: actor.name,
      roles: [...actor.roles],
      highestRole: actor.highestRole,
    };
  }
}
