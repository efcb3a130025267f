import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/validation/validation.pipe';
import { AppConfig } from './infrastructure/config/app-config';
import { REQUEST_ID_HEADER, requestIdFor } from './infrastructure/logging/request-id';
import { setupSwagger } from './infrastructure/swagger/swagger';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export async function createApp(): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, genReqId: requestIdFor, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Nest's own body parser is off so this one is the only JSON parser: action routes (deploy,
  // toggle, undelete) take no body, and clients that send Content-Type: application/json with
  // nothing after it should not get a 400.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, String(body), done),
  );
  if (app.get(AppConfig).SWAGGER_ENABLED) setupSwagger(app);
  return app;
}
