import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ErrorCode } from '../../common/errors/error-code';
import { Public } from '../../common/http/public.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';

@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness', description: 'The process is up; no dependency is checked. No credentials needed.' })
  @HealthCheck()
  checkLiveness(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness', description: 'The service can serve requests: the database answers (503 while it does not). No credentials needed.' })
  // The 503 goes through the exception filter like every error: problem+json, not terminus' own body.
  @ApiOkResponse({
    description: 'The database answers.',
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] }, info: { type: 'object' }, error: { type: 'object' }, details: { type: 'object' } },
      example: { status: 'ok', info: { database: { status: 'up' } }, error: {}, details: { database: { status: 'up' } } },
    },
  })
  @ApiProblems(ErrorCode.DATABASE_UNAVAILABLE)
  @HealthCheck({ swaggerDocumentation: false })
  checkReadiness(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
  }
}
