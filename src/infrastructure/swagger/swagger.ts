import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDto } from '../../common/swagger/api-problems.decorator';

export const API_KEY_SCHEME = 'apiKey';

/** Swagger UI at /docs and the OpenAPI JSON at /docs-json, with both auth schemes so "Authorize" works. */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Agentry API')
    .setDescription(
      'The control plane for your organization\'s AI agents. Authenticate with a bearer JWT (`npm run token`) or an org API key (`x-api-key`). Errors are RFC 9457 problem+json.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, API_KEY_SCHEME)
    .addSecurityRequirements('bearer')
    .addSecurityRequirements(API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}
