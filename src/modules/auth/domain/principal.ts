/** Who is calling: resolved once per request from a JWT or an org API key. */
export interface Principal {
  orgId: string;
  /** `user:<sub>` for a JWT, `apikey:<id>` for an API key. */
  subject: string;
  groups: string[];
  isOrgAdmin: boolean;
  /** An API key with the `runtime` role: it may claim runs and report on them, and nothing else. */
  isRuntime?: boolean;
}
