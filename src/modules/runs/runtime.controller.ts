import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { RuntimeAccess } from '../auth/runtime-access.decorator';
import { ClaimedRunDto, ClaimRunDto } from './dto/run.dto';
import { RuntimeService } from './runtime.service';

const E = ErrorCode;

@ApiTags('Runtime')
@Controller('api/v1/runtime')
export class RuntimeController {
  constructor(private readonly runtime: RuntimeService) {}

  @Post('claim')
  @HttpCode(200)
  @RuntimeAccess()
  @ApiOperation({
    summary: 'Claim the next run',
    description:
      'For agent runtimes (a `runtime` API key, or an org admin): hands over the oldest queued run of the org, with its agent and the pinned variation, ' +
      'waiting up to `waitSeconds` for one (long poll), else 204. Each run goes to exactly one claimant. Report `started` before `lease.expiresAt`, ' +
      'or the run goes back to the queue (after 3 claims it fails with `lease_expired`). ' +
      'A waiting claim whose credentials lapse (its API key revoked, its token expired) ends at once with 401 and claims nothing.',
  })
  @ApiBody({ type: ClaimRunDto, required: false, examples: { longPoll: { summary: 'Wait up to 20 s for a run', value: { waitSeconds: 20 } } } })
  @ApiOkResponse({ type: ClaimedRunDto })
  @ApiNoContentResponse({ description: 'No run came within `waitSeconds`.' })
  @ApiProblems(E.UNAUTHENTICATED, E.FORBIDDEN, E.VALIDATION_FAILED, E.DATABASE_UNAVAILABLE)
  async claimRun(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: ClaimRunDto = {},
  ): Promise<ClaimedRunDto | undefined> {
    // Before the answer is sent, the response closes only when the client hangs up.
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    const claimed = await this.runtime.claim(principal, body ?? {}, gone.signal);
    if (!claimed) void reply.status(204);
    return claimed ?? undefined;
  }
}
