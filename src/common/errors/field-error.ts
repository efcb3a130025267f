/** One offending input field, as listed in a problem's `errors` array. */
export interface FieldError {
  /** Dotted path into the request body, e.g. `workflowStructure.edges[2].target`. */
  field: string;
  message: string;
}
