import { Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { agentErrors } from '../agents/agents.errors';
import { AgentRef } from '../agents/domain/agent-ref';

/** `{uid}` in the seeds' paths → the agent it names; anything but a UUID names no agent (404). */
@Injectable()
export class AgentUidPipe implements PipeTransform<string, AgentRef> {
  transform(segment: string): AgentRef {
    if (!isUUID(segment)) throw agentErrors.notFound();
    return { uid: segment.toLowerCase() };
  }
}
