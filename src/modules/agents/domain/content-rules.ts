import { FieldError } from '../../../common/errors/field-error';
import { inputSchemaErrors, retryErrors } from '../../variation-store/domain/admission-content';
import { validateTrigger } from '../../variation-store/domain/schedule-trigger';
import { VariationContent } from '../../variation-store/domain/variation-content';
import { validateWorkflowGraph } from '../../variation-store/domain/workflow-graph';

/**
 * The content checks that need nothing but the content itself (the DTO already checked types and sizes).
 * The DTOs run the same rules on the fields a request sends (`@CheckedBy`), so a 400 lists them with the
 * type faults; here they guard every write, restores included.
 */
export function contentErrors(content: VariationContent): FieldError[] {
  return [...validateTrigger(content.trigger), ...validateWorkflowGraph(content.workflowStructure), ...duplicateToolIds(content.tools), ...inputSchemaErrors(content.inputSchema), ...retryErrors(content.retry)];
}

/** A tool is listed once: each repeat points back at the first. */
export function duplicateToolIds(tools: readonly { toolId: string }[], path = 'tools'): FieldError[] {
  const firstIndexOf = new Map<string, number>();
  return tools.flatMap((tool, index) => {
    const first = firstIndexOf.get(tool.toolId);
    if (first === undefined) firstIndexOf.set(tool.toolId, index);
    return first === undefined ? [] : [{ field: `${path}[${index}].toolId`, message: `duplicate toolId, already listed at ${path}[${first}]` }];
  });
}
