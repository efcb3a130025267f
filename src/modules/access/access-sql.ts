import { ACCESS_RANK } from './domain/access.policy';

/** An access level's rank (domain/access.policy.ts) as SQL, for a column holding `none`, `use` or `manage`. */
const rankOf = (column: string) => `(CASE ${column} ${Object.entries(ACCESS_RANK).map(([level, rank]) => `WHEN '${level}' THEN ${rank}`).join(' ')} ELSE 0 END)`;

/**
 * evaluateAccess (domain/access.policy.ts) as a SQL condition, for reads that filter many rows of
 * many agents in the database and page them, where evaluating each agent in JavaScript first would
 * load every agent the caller can see. Same rule, same inputs: the caller is the owner, or the org
 * baseline or one of the caller's grants (matched through accessPrincipalsFor) reaches the rank.
 * Org admins and other orgs are the caller's business (admins skip the filter; the query names the org).
 */
export const accessSql = {
  /**
   * Whether the caller has at least `rankSql` (an SQL expression: ACCESS_RANK.use or .manage) on agent
   * `agentAlias`; `subjectParam` is the caller's subject and `principalsParam` a text[] of accessPrincipalsFor.
   */
  atLeast: (agentAlias: string, subjectParam: string, principalsParam: string, rankSql: string) =>
    `(${agentAlias}.owner = ${subjectParam} OR ${rankOf(`${agentAlias}.org_access`)} >= ${rankSql}
      OR EXISTS (SELECT 1 FROM agent_grants g WHERE g.agent_id = ${agentAlias}.id AND g.principal = ANY(${principalsParam}::text[])
                 AND ${rankOf('g.access')} >= ${rankSql}))`,
};
