import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ProblemDto } from '../../common/swagger/api-problems.decorator';
import { finishDocument } from '../../common/swagger/finish-document';

export const API_KEY_SCHEME = 'apiKey';
export const BEARER_SCHEME = 'bearer';

/** The committed openapi.json is relative to where it is served; a served document names its own origin instead. */
const DOCUMENT_SERVER = { url: '/', description: 'The server that serves this document' };

const DESCRIPTION = `Agentry is the control plane for your organization's AI agents: create an agent, edit its draft,
deploy it, share it safely, schedule it, and hear about it in Slack.

## Authentication
Every route except \`/health/*\` needs one of:
- **Bearer JWT** (\`Authorization: Bearer <token>\`) with the claims \`sub\`, \`org_id\`, \`org_role\`
  (\`org:admin\` or \`org:member\`) and optionally \`groups\`. On a development machine mint one with
  \`npm run token -- --org 00000000-0000-0000-0000-000000000001 --sub alice --admin\`
  (signed with \`AUTH_JWT_SECRET\`, or the development secret when none is set). In production tokens come
  from your identity provider (HS256 secret or a JWKS).
- **Organization API key** (\`x-api-key: pk_live_…\`): an org admin creates one with \`POST /api/v1/api-keys\`;
  the secret is shown once.

In Swagger UI: press **Authorize**, paste the token (or the key), then **Try it out** on any route.

## Conventions
- \`{id}\` in agent routes is the numeric id or the slug.
- Responses carry a strong \`ETag\`; send it back as \`If-Match\` on writes to avoid overwriting someone
  else's change (a stale one gets 412). Without \`If-Match\` the write is unconditional.
- PATCH follows AIP-134: absent fields are untouched, \`null\` clears, \`updateMask\` selects fields.
- Errors are RFC 9457 \`application/problem+json\` with a stable \`code\` and the \`requestId\`.`;

const TAGS: [string, string][] = [
  ['Agents', 'Create, read, list, edit, deploy, pause, delete and restore agents; drafts, versions and the schedule switch.'],
  ['Environments', 'Named pointers at published versions (production, staging, …) with canary splits: deploy to one, promote between them, roll production back in one call.'],
  ['Runs', 'Start runs, follow them, answer approvals, cancel. A run is executed by your agent runtime, which reports its events.'],
  ['Runtime', 'For agent runtimes (a `runtime` API key): claim queued runs (long poll), then report on them under Runs.'],
  ['Notifications', "An agent's Slack notifications: the delivery log of its run events and daily digests, and a test message."],
  ['Events', 'The event log: every change and run step, as an audit trail (keyset pages) and as Server-Sent Events streams that resume exactly where they stopped.'],
  ['Webhooks', "Signed webhooks (Standard Webhooks) of the org's events to its own endpoints (org admins): endpoints, secret rotation, the delivery log, redelivery, a test event."],
  ['Ownership transfer', 'Hand an agent to another user, who accepts or declines.'],
  ['Chat agents (v2 compatibility)', "Seed 001's shape under /v2/chat/agents (fullName, systemPrompt, isActive, isPublic, agentTools), for its existing clients. Writes go live."],
  ['Agents (api compatibility)', "Seed 002's snake_case shape under /api/agents, every answer in its {status, status_code, message, data} envelope. Writes go live."],
  ['API keys', 'Organization API keys for programs (org admins).'],
  ['Health', 'Liveness and readiness probes; no credentials needed.'],
];

/** The OpenAPI document, built from the controllers' metadata; `npm run openapi:export` writes it to openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Agentry API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addServer(DOCUMENT_SERVER.url, DOCUMENT_SERVER.description)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A JWT with `sub`, `org_id`, `org_role` and optional `groups`. Development: `npm run token -- --org <uuid> --sub <user> [--admin]` prints one.',
      },
      BEARER_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An organization API key (`pk_live_…`), created by an org admin with `POST /api/v1/api-keys`.' },
      API_KEY_SCHEME,
    )
    .addSecurityRequirements(BEARER_SCHEME)
    .addSecurityRequirements(API_KEY_SCHEME);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return finishDocument(
    SwaggerModule.createDocument(app, builder.build(), {
      extraModels: [ProblemDto],
      // Controller methods are named for what they do (createAgent, listAgents), which reads well in generated clients.
      operationIdFactory: (_controllerKey, methodKey) => methodKey,
    }),
  );
}

/** Swagger UI at /docs and the OpenAPI JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Agentry API',
    // No validatorUrl: the badge would load an image from validator.swagger.io, which the CSP refuses.
    swaggerOptions: { persistAuthorization: true, displayOperationId: false, tryItOutEnabled: false, validatorUrl: null },
    // Swagger UI sends requests to the first server: name the origin the document was fetched from, so
    // "Try it out" reaches this instance whatever host and port it runs on.
    patchDocumentOnRequest: (request, _reply, served) => ({ ...served, servers: [{ url: originOf(request as FastifyRequest), description: 'This server' }] }),
  });
}

function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
