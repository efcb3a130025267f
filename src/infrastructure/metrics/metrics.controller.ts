import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { Public } from '../../common/http/public.decorator';
import { AppConfig } from '../config/app-config';
import { MetricsScrape } from './metrics-scrape';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Prometheus' scrape endpoint. Not an API route: no org, no principal (Public skips the auth guard),
 * not in the OpenAPI document. With METRICS_TOKEN set, a scraper sends it as a bearer token.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    config: AppConfig,
    private readonly scrape: MetricsScrape,
  ) {
    this.expected = config.METRICS_TOKEN === undefined ? undefined : digest(`Bearer ${config.METRICS_TOKEN}`);
  }

  @Get()
  async metrics(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (this.expected && !timingSafeEqual(digest(authorization ?? ''), this.expected)) {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Send Authorization: Bearer <METRICS_TOKEN> to read the metrics.');
    }
    const { contentType, body } = await this.scrape.render();
    void reply.header('content-type', contentType).header('cache-control', 'no-store');
    return body;
  }
}
