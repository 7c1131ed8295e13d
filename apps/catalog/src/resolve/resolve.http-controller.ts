import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { APP_CONFIG } from '@ami/config';
import { ApiAnswers } from '@ami/runtime';
import { channelName, familyName, familyParam, region } from '../api/catalog-params.js';
import type { CatalogConfig } from '../config/catalog.config.js';
import { cacheControl, etagMatches } from './resolve-fast-path.js';
import { MAX_BATCH_KEYS, ResolveService } from './resolve.service.js';

const resolveQuery = z.object({
  region,
  channel: channelName
    .default('prod')
    .meta({ description: 'a channel, or "latest" for the newest launchable version' }),
});

const resolvedSchema = z.object({
  family: z.string(),
  channel: z.string(),
  region: z.string(),
  version: z.string(),
  imageId: z.string(),
  state: z.enum(['available', 'deprecated']),
});

const batchBody = z
  .object({
    keys: z
      .array(
        z
          .object({
            family: familyName,
            channel: channelName
              .default('prod')
              .meta({ description: 'a channel, or "latest" for the newest launchable version' }),
            region,
          })
          .strict(),
      )
      .min(1)
      .max(MAX_BATCH_KEYS),
  })
  .strict();

const batchResultSchema = z.object({
  results: z.array(
    z.object({
      family: z.string(),
      channel: z.string(),
      region: z.string(),
      found: z.boolean(),
      image: resolvedSchema.optional().meta({ description: 'when found' }),
      detail: z.string().optional().meta({ description: 'why there is no image, when not found' }),
    }),
  ),
});

@ApiTags('resolve')
@Controller('v1')
export class ResolveHttpController {
  private readonly cacheControl: string;

  constructor(
    @Inject(ResolveService) private readonly resolver: ResolveService,
    @Inject(APP_CONFIG) config: CatalogConfig,
  ) {
    this.cacheControl = cacheControl(config.CATALOG_RESOLVE_MAX_AGE_S);
  }

  /**
   * The hot path. Cache hits of the common request are answered before this route
   * (resolve-fast-path.ts) with the same body and headers; everything else comes here.
   */
  @Get('families/:family/resolve')
  @ApiOperation({ summary: 'Which AMI: family + channel (or "latest") + region -> image id' })
  @ApiAnswers(
    { description: 'the image to launch (ETag, Cache-Control: max-age)', schema: resolvedSchema },
    { 404: 'no such family or channel, or no launchable image in the region' },
  )
  @ApiResponse({ status: 304, description: 'If-None-Match names the current answer' })
  async resolve(
    @Param('family', familyParam) family: string,
    @Query({ schema: resolveQuery }) query: z.output<typeof resolveQuery>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.resolver.answer(family, query.channel, query.region);
    reply.header('etag', answer.etag).header('cache-control', this.cacheControl);
    if (etagMatches(ifNoneMatch, answer.etag)) {
      reply.status(304);
      return undefined;
    }
    return answer.value;
  }

  /** Many family/channel/region keys in one request; a key without an image is found: false. */
  @Post('resolve/batch')
  @HttpCode(200)
  @ApiOperation({ summary: `Resolve up to ${MAX_BATCH_KEYS} keys at once, answers in their order` })
  @ApiAnswers({
    description: 'one result per key, in order: the image, or found: false with the reason',
    schema: batchResultSchema,
  })
  async resolveBatch(@Body({ schema: batchBody }) body: z.output<typeof batchBody>) {
    return { results: await this.resolver.resolveMany(body.keys) };
  }
}
