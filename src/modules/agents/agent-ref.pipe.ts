import { Injectable, PipeTransform } from '@nestjs/common';
import { agentErrors } from './agents.errors';
import { AgentRef, parseAgentRef } from './domain/agent-ref';

/** `{id}` in a path → the agent it names (numeric id or slug); a segment that can name no agent is a 404. */
@Injectable()
export class AgentRefPipe implements PipeTransform<string, AgentRef> {
  transform(segment: string): AgentRef {
    const ref = parseAgentRef(segment);
    if (!ref) throw agentErrors.notFound();
    return ref;
  }
}
