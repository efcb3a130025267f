import { VariationContent } from './domain/variation-content';

export type VariationState = 'draft' | 'published' | 'superseded';

export interface VariationRow {
  id: string;
  agentId: number;
  seq: string;
  state: VariationState;
  version: number | null;
  content: VariationContent;
  contentHash: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
  /** A version's label and notes, editable after publishing (the content is not). */
  label: string | null;
  notes: string | null;
  /** The version production ran when the draft began (null for an agent's first draft). */
  baseVersion: number | null;
}

/** What a response shows of a variation: enough to describe it without its bookkeeping columns. */
export type VariationView = Pick<VariationRow, 'id' | 'version' | 'state' | 'content'>;
