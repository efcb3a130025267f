/** What a transport posts: a Block Kit message. */
export interface SlackMessage {
  /** What phones and screen readers show. */
  text: string;
  blocks: object[];
}

/**
 * Slack's answers that no retry can change: the message fails at once. `channel_not_found` and
 * `not_in_channel` also mean the bot was removed after the channel was configured.
 */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'msg_too_long',
]);

/**
 * Why a try failed, as far as what happens next is concerned. `maybePosted`: no answer came (a
 * timeout, a dropped connection), so Slack may have posted the message all the same.
 */
export type DeliveryFailure =
  | { kind: 'permanent'; error: string }
  | { kind: 'rate_limited'; error: string; retryAfterMs: number }
  | { kind: 'transient'; error: string; maybePosted?: true };
