import type { FieldError } from '../../../common/errors/field-error';
import type { VariationContent } from './variation-content';

/** What keeps a draft from running; deploy refuses (422) while this is non-empty. */
export function runnabilityProblems(content: VariationContent): FieldError[] {
  if (content.type === 'workflow' && content.workflowStructure.nodes.length === 0) {
    return [{ field: 'workflowStructure.nodes', message: 'a workflow agent needs at least one node to deploy' }];
  }
  if (content.type === 'task' && (content.instructions ?? '').trim() === '') {
    return [{ field: 'instructions', message: 'a task agent needs instructions to deploy' }];
  }
  return [];
}
