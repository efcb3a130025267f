import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal } from './current-principal.decorator';
import { Principal } from './domain/principal';
import { ApiKeyListResponseDto, CreatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('API keys')
@ApiProblems(401, 403)
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an organization API key (org admins). The key is shown in this response only.' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiProblems(400)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.apiKeys.create(principal, dto);
  }

  @Get()
  @ApiOperation({ summary: "List the organization's API keys, without secrets (org admins)." })
  @ApiOkResponse({ type: ApiKeyListResponseDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<ApiKeyListResponseDto> {
    return { apiKeys: await this.apiKeys.list(principal) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key at once (org admins).' })
  @ApiNoContentResponse()
  @ApiProblems(404)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.apiKeys.revoke(principal, id);
  }
}
