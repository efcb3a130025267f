import { ApiParam } from '@nestjs/swagger';

/** `{id}` in agent routes: no example, because Swagger UI would pre-fill it and send it. */
export const ApiAgentIdParam = () =>
  ApiParam({ name: 'id', required: true, schema: { type: 'string', minLength: 1, maxLength: 80 }, description: "The agent's numeric id (`42`) or its slug (`daily-sales-report-a3f`)." });

export const ApiVariationIdParam = () =>
  ApiParam({ name: 'variationId', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The variation id (`variation.id`, or an id from the history).' });
