import type { Budget, Concurrency, InputSchema, RetryPolicy } from './admission-content';

export type AgentType = 'task' | 'workflow';
export type PipelineMode = 'pipeline' | 'sts' | 'hybrid';

export interface WorkflowNode {
  id: string;
  type: string;
  name?: string;
  config?: Record<string, unknown>;
  position?: { x: number; y: number };
}

export interface WorkflowEdge {
  id?: string;
  source: string;
  target: string;
  condition?: unknown;
}

export interface WorkflowStructure {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

export interface Voice {
  enabled: boolean;
  pipelineMode: PipelineMode | null;
}

export interface ToolRef {
  toolId: string;
  config?: Record<string, unknown>;
}

export interface SubAgentRef {
  agentId: number;
}

export interface ScheduleTrigger {
  type: 'schedule';
  schedule: { cron: string; timezone: string };
}

/** Only schedule triggers are interpreted; any other type is stored as the client sent it. */
export type Trigger = ScheduleTrigger | ({ type: string } & Record<string, unknown>);

/** Everything a variation versions: what is compared, hashed, diffed and frozen on deploy. */
export interface VariationContent {
  name: string;
  type: AgentType;
  description: string | null;
  trigger: Trigger | null;
  agentSelection: Record<string, unknown> | null;
  workflowStructure: WorkflowStructure;
  instructions: string | null;
  role: string | null;
  language: string | null;
  specialInstructions: string | null;
  modelId: string | null;
  voice: Voice;
  tools: ToolRef[];
  subAgents: SubAgentRef[];
  /**
   * Admission (SPEC §15). Optional in the type: versions published before these fields existed lack
   * them, which means the same as null (contentHash and the diff treat both alike).
   */
  concurrency?: Concurrency | null;
  inputSchema?: InputSchema | null;
  retry?: RetryPolicy | null;
  budget?: Budget | null;
}

/** Content fields added after versions were first stored: absent and null mean the same. */
export const NULLABLE_LATER_FIELDS = ['concurrency', 'inputSchema', 'retry', 'budget'] as const;

/** The order in which fields are reported, e.g. in a diff. */
export const CONTENT_FIELDS: readonly (keyof VariationContent)[] = [
  'name',
  'type',
  'description',
  'trigger',
  'agentSelection',
  'workflowStructure',
  'instructions',
  'role',
  'language',
  'specialInstructions',
  'modelId',
  'voice',
  'tools',
  'subAgents',
  'concurrency',
  'inputSchema',
  'retry',
  'budget',
];

export function defaultContent(name: string, type: AgentType): VariationContent {
  return {
    name,
    type,
    description: null,
    trigger: null,
    agentSelection: null,
    workflowStructure: { nodes: [], edges: [] },
    instructions: null,
    role: null,
    language: null,
    specialInstructions: null,
    modelId: null,
    voice: { enabled: false, pipelineMode: null },
    tools: [],
    subAgents: [],
    concurrency: null,
    inputSchema: null,
    retry: null,
    budget: null,
  };
}
