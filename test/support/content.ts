import { defaultContent, type VariationContent } from '../../src/modules/variation-store/domain/variation-content';

/** A fresh task agent's content (named Report) with `overrides`: the starting point of unit tests on content. */
export function content(overrides: Partial<VariationContent> = {}): VariationContent {
  return { ...defaultContent('Report', 'task'), ...overrides };
}
