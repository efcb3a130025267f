import { FieldError } from '../../../common/errors/field-error';
import { validateTrigger } from '../../variations/domain/schedule-trigger';
import { VariationContent } from '../../variations/domain/variation-content';
import { validateWorkflowGraph } from '../../variations/domain/workflow-graph';

/** The content checks that need nothing but the content itself (the DTO already checked types and sizes). */
export function contentErrors(content: VariationContent): FieldError[] {
  const errors = [...validateTrigger(content.trigger), ...validateWorkflowGraph(content.workflowStructure)];
  const firstIndexOf = new Map<string, number>();
  content.tools.forEach((tool, index) => {
    const first = firstIndexOf.get(tool.toolId);
    if (first === undefined) firstIndexOf.set(tool.toolId, index);
    else errors.push({ field: `tools[${index}].toolId`, message: `duplicate toolId, already listed at tools[${first}]` });
  });
  return errors;
}
