import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal } from './current-principal.decorator';
import { Principal } from './domain/principal';
import { ApiKeyListResponseDto, CreatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;
const COMMON = [E.UNAUTHENTICATED, E.FORBIDDEN, E.DATABASE_UNAVAILABLE] as const;

@ApiTags('API keys')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Idempotent({ answerIsResult: false, secretFields: ['key'] })
  @Post()
  @ApiOperation({ summary: 'Create an API key', description: 'Org admins only. The secret `key` is in this response only; send it as `x-api-key`.' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiProblems(...COMMON, E.VALIDATION_FAILED)
  createApiKey(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.apiKeys.create(principal, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys', description: "Org admins only. The organization's keys, without secrets, with when each was last used." })
  @ApiOkResponse({ type: ApiKeyListResponseDto })
  @ApiProblems(...COMMON)
  async listApiKeys(@CurrentPrincipal() principal: Principal): Promise<ApiKeyListResponseDto> {
    return { apiKeys: await this.apiKeys.list(principal) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The API key id.' })
  @ApiOperation({
    summary: 'Revoke an API key',
    description:
      'Org admins only. The key stops working at once, on every instance: its waiting claims end with 401, and the runs it claimed ' +
      'but never started go back to the queue (attempt unchanged, event `claim_revoked`). Runs it already started are never handed out again: unreported, they time out.',
  })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiProblems(...COMMON, E.NOT_FOUND, E.MALFORMED_REQUEST)
  revokeApiKey(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.apiKeys.revoke(principal, id);
  }
}
