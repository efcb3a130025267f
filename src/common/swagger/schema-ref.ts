import { getSchemaPath } from '@nestjs/swagger';

/**
 * A plain `$ref` inside hand-written `properties` of an `@ApiProperty`. Nest emits it as given, but its
 * property-metadata type has no `$ref`; wrapping it in a one-item `allOf` instead is what linters flag.
 */
export const schemaRef = (model: string | (new (...args: never[]) => unknown)): never => ({ $ref: getSchemaPath(model) }) as never;
