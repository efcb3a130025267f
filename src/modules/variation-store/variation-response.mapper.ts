import { isoOrNull } from '../../common/http/iso-date';
import { VariationDetailDto, VariationPayloadDto, VariationSummaryDto } from './dto/variation-response.dto';
import { VariationRow, VariationView } from './variation.row';

export function toVariationPayload(variation: VariationView): VariationPayloadDto {
  const { content } = variation;
  return {
    id: variation.id,
    version: variation.version,
    state: variation.state,
    trigger: content.trigger as Record<string, unknown> | null,
    agentSelection: content.agentSelection,
    workflowStructure: content.workflowStructure,
    instructions: content.instructions,
    role: content.role,
    language: content.language,
    specialInstructions: content.specialInstructions,
    modelId: content.modelId,
    voice: content.voice,
    tools: content.tools,
    subAgents: content.subAgents,
    concurrency: content.concurrency ?? null,
    inputSchema: content.inputSchema ?? null,
    retry: content.retry ?? null,
    budget: content.budget ?? null,
  };
}

export function toVariationSummary(variation: VariationRow): VariationSummaryDto {
  return {
    id: variation.id,
    version: variation.version,
    state: variation.state,
    name: variation.content.name,
    type: variation.content.type,
    createdBy: variation.createdBy,
    createdAt: new Date(variation.createdAt).toISOString(),
    updatedAt: new Date(variation.updatedAt).toISOString(),
    publishedAt: isoOrNull(variation.publishedAt),
    label: variation.label,
    notes: variation.notes,
    baseVersion: variation.baseVersion,
  };
}

export function toVariationDetail(variation: VariationRow): VariationDetailDto {
  return {
    ...toVariationPayload(variation),
    name: variation.content.name,
    type: variation.content.type,
    description: variation.content.description,
    createdBy: variation.createdBy,
    createdAt: new Date(variation.createdAt).toISOString(),
    updatedAt: new Date(variation.updatedAt).toISOString(),
    publishedAt: isoOrNull(variation.publishedAt),
    label: variation.label,
    notes: variation.notes,
    baseVersion: variation.baseVersion,
  };
}
