import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'agentry:public';

/** Marks a route that answers without authentication (health, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
