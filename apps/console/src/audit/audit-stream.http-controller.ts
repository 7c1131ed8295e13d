import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Public, TokenVerifier } from '@ami/auth';
import { ApiAnswers, problemContent } from '@ami/runtime';
import { streamCaller } from '../session/stream-token.js';
import { AuditFeed } from './audit-feed.service.js';
import { matches, type AuditEntry } from './audit-entry.js';
import { streamQuery } from './audit-stream.http-schemas.js';

const HEARTBEAT_MS = 15_000;

@ApiTags('audit')
@Controller('v1/audit')
export class AuditStreamHttpController {
  constructor(
    @Inject(AuditFeed) private readonly feed: AuditFeed,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  // Public to the guard only because the token may come in the query: streamCaller checks it.
  @Get('stream')
  @Public()
  @ApiOperation({
    summary:
      'The live audit trail as server-sent events: the recent entries, then each new one (`event: audit`, data: the entry as JSON); the stream ends when the token expires',
  })
  @ApiAnswers({
    description: `server-sent events; each \`audit\` event's data is an AuditEntry (components.schemas) as JSON; a comment every ${HEARTBEAT_MS / 1000} s keeps the connection open`,
    mediaType: 'text/event-stream',
    // One event of the stream (OpenAPI 3.2's itemSchema; in 3.1 tools read the schema per event).
    schema: {
      type: 'object',
      required: ['event', 'data'],
      properties: {
        event: { const: 'audit' },
        id: { type: 'string', description: '<partition>-<offset> of the entry on the audit topic' },
        data: {
          type: 'string',
          contentMediaType: 'application/json',
          contentSchema: { $ref: '#/components/schemas/AuditEntry' },
        },
        retry: { type: 'integer' },
      },
    },
  })
  @ApiResponse({
    status: 401,
    description: 'no token (Authorization or access_token), or one that is not valid',
    content: problemContent(),
  })
  @ApiResponse({
    status: 503,
    description: 'the token cannot be checked right now (key source unreachable)',
    content: problemContent(),
  })
  async stream(
    @Query({ schema: streamQuery }) query: z.output<typeof streamQuery>,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { expiresAt } = await streamCaller(this.verifier, authorization, query.access_token);
    const filter = { family: query.family, action: query.action };
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (entry: AuditEntry) => {
      if (matches(entry, filter))
        raw.write(
          `id: ${entry.partition}-${entry.offset}\nevent: audit\ndata: ${JSON.stringify(entry)}\n\n`,
        );
    };
    raw.write(
      `retry: 3000\n: connected${this.feed.connected ? '' : ' (audit feed still joining)'}\n\n`,
    );
    for (const entry of this.feed.recent()) send(entry);
    const unsubscribe = this.feed.subscribe(send);
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
    // A stream lives no longer than its token: the client reconnects with a fresh one (or a 401).
    const expiry = setTimeout(
      () => raw.end(),
      Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1)),
    );
    raw.on('close', () => {
      clearTimeout(expiry);
      clearInterval(heartbeat);
      unsubscribe();
    });
  }
}
