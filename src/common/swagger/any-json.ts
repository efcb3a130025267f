/**
 * "Any JSON value, null included" in OpenAPI 3.0 terms, for opaque payloads (run input and output,
 * event data, diff values). `nullable` needs a `type` beside it, hence on the string branch.
 */
export const ANY_JSON = {
  anyOf: [
    { type: 'string', nullable: true },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
  ],
};
