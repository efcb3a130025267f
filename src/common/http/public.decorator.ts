import { applyDecorators, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'agentry:public';

/**
 * @nestjs/swagger's key for an operation's security requirements. `ApiSecurity` can only add
 * requirements; an empty list is what OpenAPI calls "no authentication", which removes the lock in
 * Swagger UI and the credentials in generated clients.
 */
const SWAGGER_SECURITY = 'swagger/apiSecurity';

/** Marks a controller or route that answers without authentication (health), and documents it so. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), SetMetadata(SWAGGER_SECURITY, []));
