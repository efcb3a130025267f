import { Injectable } from '@nestjs/common';
import { Work } from '../../infrastructure/database/unit-of-work';

/** What a module does when a key is revoked, in the revocation's unit of work (a failure undoes the revocation). */
export type RevocationHandler = (work: Work, key: { id: string; orgId: string }) => Promise<void>;

/**
 * The modules above auth register here what a key's revocation means for them (runs: the key's claims
 * go back to the queue), so auth depends on none of them.
 */
@Injectable()
export class ApiKeyRevocations {
  private readonly handlers: RevocationHandler[] = [];

  register(handler: RevocationHandler): void {
    this.handlers.push(handler);
  }

  async revoked(work: Work, key: { id: string; orgId: string }): Promise<void> {
    for (const handler of this.handlers) await handler(work, key);
  }
}
