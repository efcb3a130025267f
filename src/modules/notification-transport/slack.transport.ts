import { Logger } from '@nestjs/common';
import { ErrorCode as SlackErrorCode, LogLevel, Logger as SlackLogger, WebClient } from '@slack/web-api';
import { DomainError, retryAfter } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AppConfig } from '../../infrastructure/config/app-config';
import { DeliveryFailure, PERMANENT_SLACK_ERRORS, SlackMessage } from './domain/slack-delivery';
import { DeliveryFailed, NOTIFICATION_METADATA_TYPE, NotificationTransport } from './notification-transport';

/** How far before an unconfirmed try findPosted looks: Slack's clock and the database's may differ. */
const CLOCK_MARGIN_SECONDS = 60;
/** findPosted reads at most this many pages of history (Slack may cap a page at 15 messages). */
const HISTORY_PAGES = 10;

/** Slack's answers that mean "the bot cannot see this channel": a private channel it is not in looks unknown. */
const NOT_JOINED_ERRORS = new Set(['channel_not_found']);

/** Reaches Slack with the bot token; the client never retries, so a request waits at most SLACK_TIMEOUT_MS per call. */
export class SlackTransport implements NotificationTransport {
  readonly name = 'slack';
  private readonly logger = new Logger(SlackTransport.name);
  private readonly client: WebClient;
  private botName?: Promise<string | undefined>;

  constructor(config: Pick<AppConfig, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL' | 'SLACK_TIMEOUT_MS'>) {
    this.client = new WebClient(config.SLACK_BOT_TOKEN, {
      ...(config.SLACK_API_URL ? { slackApiUrl: withTrailingSlash(config.SLACK_API_URL) } : {}),
      timeout: config.SLACK_TIMEOUT_MS,
      // The defaults retry for about 30 minutes and sleep through Retry-After; a request must answer now.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      allowAbsoluteUrls: false,
      logger: nestLoggerForSlack(this.logger),
    });
  }

  async verifyChannel(channelId: string): Promise<void> {
    let isMember: boolean;
    try {
      const { channel } = await this.client.conversations.info({ channel: channelId });
      // A DM (D…) has no is_member; Slack only shows the bot DMs it is part of.
      isMember = channel?.is_member === true || channel?.is_im === true;
    } catch (error) {
      if (slackErrorCode(error) === SlackErrorCode.PlatformError && NOT_JOINED_ERRORS.has(platformError(error))) {
        isMember = false;
      } else {
        throw this.unavailable(error, channelId);
      }
    }
    if (!isMember) throw new DomainError(ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED, await this.notJoinedDetail(channelId));
  }

  async postMessage(channelId: string, message: SlackMessage, notificationId?: string): Promise<{ ts: string | null }> {
    try {
      const answer = await this.client.chat.postMessage({
        channel: channelId,
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
        ...(notificationId ? { metadata: { event_type: NOTIFICATION_METADATA_TYPE, event_payload: { notification_id: notificationId } } } : {}),
      });
      return { ts: answer.ts ?? null };
    } catch (error) {
      throw asDeliveryFailed(error);
    }
  }

  /**
   * Reads the channel's history (conversations.history, which needs the `channels:history` scope, or
   * `groups:history` / `im:history` for private channels and DMs) from `since`, less a margin for
   * Slack's clock, page by page, for a message carrying the notification's metadata. Only a try whose
   * outcome is unknown asks, which is rare: Slack allows apps outside its Marketplace about one
   * history call a minute, and a 429 here delays the retry like any other.
   */
  async findPosted(channelId: string, notificationId: string, since: Date): Promise<{ ts: string | null } | undefined> {
    const oldest = (Math.floor(since.getTime() / 1000) - CLOCK_MARGIN_SECONDS).toString();
    let cursor: string | undefined;
    try {
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const answer = await this.client.conversations.history({ channel: channelId, oldest, inclusive: true, include_all_metadata: true, limit: 100, cursor });
        const found = answer.messages?.find(
          (m) => m.metadata?.event_type === NOTIFICATION_METADATA_TYPE && (m.metadata.event_payload as { notification_id?: unknown } | undefined)?.notification_id === notificationId,
        );
        if (found) return { ts: found.ts ?? null };
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!answer.has_more || !cursor) return undefined;
      }
      this.logger.warn({ channelId, notificationId }, `Notification not found in the last ${HISTORY_PAGES} pages of the channel's history; posting it again`);
      return undefined;
    } catch (error) {
      const failed = asDeliveryFailed(error);
      if (!(failed instanceof DeliveryFailed) || failed.failure.kind !== 'permanent') throw failed;
      // Without the history scopes (or access to the channel) nothing can be checked: re-posting is all that is left (SPEC §7 allows it).
      this.logger.warn({ channelId, notificationId, slackError: failed.failure.error }, 'Cannot read the channel to check an unconfirmed notification; posting it again');
      return undefined;
    }
  }

  private async notJoinedDetail(channelId: string): Promise<string> {
    const name = await this.fetchBotName();
    return name
      ? `The Agentry bot is not a member of channel ${channelId}. Invite it in Slack with /invite @${name}, then retry.`
      : `The Agentry bot is not a member of channel ${channelId}. Invite it in Slack with /invite followed by the bot's name, then retry.`;
  }

  /** The bot's user name from auth.test, asked once; a failure is not cached, and only costs the name in the message. */
  private fetchBotName(): Promise<string | undefined> {
    this.botName ??= this.client.auth.test().then(
      (result) => result.user || undefined,
      (error: unknown) => {
        this.logger.warn({ err: error }, 'Slack auth.test failed; the invite hint names no bot');
        this.botName = undefined;
        return undefined;
      },
    );
    return this.botName;
  }

  private unavailable(error: unknown, channelId: string): unknown {
    const code = slackErrorCode(error);
    if (code === undefined) return error; // not from the Slack client: a bug, left to the 500 path
    this.logger.warn({ err: error, channelId, slackError: code }, 'Slack channel check failed');
    const tail = 'nothing was saved. Retry shortly.';
    switch (code) {
      case SlackErrorCode.RateLimitedError:
        return retryAfter(
          ErrorCode.SLACK_UNAVAILABLE,
          slackRetryAfterSeconds(error),
          (seconds) => `Slack is rate-limiting Agentry, so channel ${channelId} could not be checked; nothing was saved. Retry in ${seconds} s.`,
        );
      case SlackErrorCode.HTTPError:
        return new DomainError(
          ErrorCode.SLACK_UNAVAILABLE,
          `Slack answered with an error (HTTP ${(error as { statusCode?: number }).statusCode}) while checking channel ${channelId}; ${tail}`,
        );
      case SlackErrorCode.PlatformError:
        return new DomainError(
          ErrorCode.SLACK_UNAVAILABLE,
          `Slack answered with an error (${platformError(error)}) while checking channel ${channelId}; nothing was saved. ` +
            'If this persists, an administrator should check the Slack bot token and its scopes.',
        );
      default:
        return new DomainError(ErrorCode.SLACK_UNAVAILABLE, `Slack could not be reached to check channel ${channelId}; ${tail}`);
    }
  }
}

/** The client's error kind; compared by code rather than instanceof, so a second copy of the package still matches. */
function slackErrorCode(error: unknown): SlackErrorCode | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(SlackErrorCode) as string[]).includes(code) ? (code as SlackErrorCode) : undefined;
}

/** A Slack client error as a DeliveryFailed; anything else (a bug, not a delivery failure) as it is. */
function asDeliveryFailed(error: unknown): unknown {
  const failure = deliveryFailure(error);
  return failure ? new DeliveryFailed(failure) : error;
}

/** How a failed chat.postMessage ends, or undefined when the error did not come from the Slack client. */
function deliveryFailure(error: unknown): DeliveryFailure | undefined {
  switch (slackErrorCode(error)) {
    case undefined:
      return undefined;
    case SlackErrorCode.RateLimitedError:
      return { kind: 'rate_limited', error: 'ratelimited', retryAfterMs: slackRetryAfterSeconds(error) * 1000 };
    case SlackErrorCode.PlatformError: {
      const code = platformError(error);
      return PERMANENT_SLACK_ERRORS.has(code) ? { kind: 'permanent', error: code } : { kind: 'transient', error: code };
    }
    case SlackErrorCode.HTTPError:
      return { kind: 'transient', error: `http_${(error as { statusCode?: number }).statusCode ?? 'error'}` };
    default:
      // Timeouts and connection failures: the message may or may not have arrived; the retry looks first (findPosted).
      return { kind: 'transient', error: 'slack_unreachable', maybePosted: true };
  }
}

/** The wait a 429 asked for, in whole seconds (at least 1 when Slack named none). */
function slackRetryAfterSeconds(error: unknown): number {
  const seconds = Number((error as { retryAfter?: unknown }).retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1;
}

function platformError(error: unknown): string {
  return String((error as { data?: { error?: unknown } }).data?.error ?? 'unknown_error');
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Sends the client's own log lines to the service log (pino) instead of the console. */
function nestLoggerForSlack(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => `@slack/web-api: ${msg.map(String).join(' ')}`;
  return {
    debug: (...msg: unknown[]) => logger.verbose(text(msg)),
    info: (...msg: unknown[]) => logger.debug(text(msg)),
    warn: (...msg: unknown[]) => logger.warn(text(msg)),
    error: (...msg: unknown[]) => logger.error(text(msg)),
    setLevel: (next: LogLevel) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}
