import { ApiParam } from '@nestjs/swagger';

/** `{id}` in agent routes: no example, because Swagger UI would pre-fill it and send it. */
export const ApiAgentIdParam = () =>
  ApiParam({
    name: 'id',
    required: true,
    // Either form, so a generated client takes the agent's numeric `id` as it came, or its slug.
    schema: { anyOf: [{ type: 'integer', minimum: 1, maximum: 2147483647 }, { type: 'string', minLength: 1, maxLength: 80 }] } as never,
    description: "The agent's numeric id (`42`) or its slug (`daily-sales-report-a3f`).",
  });

export const ApiVariationIdParam = () =>
  ApiParam({ name: 'variationId', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The variation id (`variation.id`, or an id from the history).' });
