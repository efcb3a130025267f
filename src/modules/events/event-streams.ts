import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AppConfig } from '../../infrastructure/config/app-config';
import { EVENTS_CHANNEL, ORG_PAYLOAD, REVOKED_KEY_PAYLOAD } from '../../infrastructure/database/event-append.sql';
import { PgListener } from '../../infrastructure/database/pg-listener';
import { typeormOptions } from '../../infrastructure/database/typeorm-options';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { accessOf } from '../agents/agent.row';
import { AgentsRepository } from '../agents/agents.repository';
import { ApiKeyRevocations } from '../auth/api-key-revocations';
import { Principal } from '../auth/domain/principal';
import { EventPosition } from './domain/event-position';
import { frame } from './event-frame';
import { AccessSource, StreamScope, Subscription } from './event-subscription';
import { EventFilter, EventsRepository } from './events.repository';
import { OrgFeed } from './org-feed';
import { SseSink, sseComment } from './sse';

/** Events per catch-up read; the next is read once the client has taken the previous. */
const CATCH_UP_PAGE = 100;

/**
 * Connections of the streams' own, outside the service's pool: the org feeds' reads, the catch-ups
 * and the access loads. Through the pool they queued behind every request waiting for a connection,
 * and under load that was seconds of latency on every stream.
 */
const STREAM_READERS = 2;

/** What a stream shows and from where: the events service decides it before the response starts. */
export interface StreamPlan {
  scope: StreamScope;
  /** The caller's view of the log, as the audit route filters it: what the catch-up reads. */
  filter: EventFilter;
  /** Resume after this event, or `now`: only what comes from here on. */
  after: EventPosition | 'now';
  /** False for a finished run: replay its events, then end. */
  follows: boolean;
}

/** A finished run's replay reads the log directly and judges nothing live. */
const NO_LIVE_ACCESS: AccessSource = { accessOf: () => undefined };

/**
 * The event streams of this instance (SPEC §13): one LISTEN connection hears that an org's events
 * committed, one feed per org with open streams reads them once for all of its streams here, and
 * each stream filters, paces and ends itself. Also the per-caller limit, the heartbeat comment, the
 * end of a revoked key's streams, and the end of every stream when the service shuts down (so the
 * HTTP drain does not wait for them).
 */
@Injectable()
export class EventStreams implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventStreams.name);
  private readonly feeds = new Map<string, OrgFeed>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly openPerCaller = new Map<string, number>();
  private readonly listener: PgListener;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The streams' own connections (see STREAM_READERS); the service's pool until they are up. */
  private readers: DataSource | undefined;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventsRepository,
    private readonly agents: AgentsRepository,
    private readonly revocations: ApiKeyRevocations,
    private readonly http: HttpAdapterHost,
    private readonly metrics: Metrics,
  ) {
    this.listener = new PgListener({
      url: config.DATABASE_URL ?? '',
      channel: EVENTS_CHANNEL,
      applicationName: 'agentry-events',
      onNotification: (payload) => this.heard(payload),
      onListening: () => this.lookAgain(),
    });
  }

  async onModuleInit(): Promise<void> {
    // preClose runs when the HTTP server starts closing, before it waits for in-flight requests.
    this.http.httpAdapter?.getInstance<FastifyInstance>().addHook('preClose', (done) => {
      this.stopAll();
      done();
    });
    this.revocations.register((work, key) => this.events.announceKeyRevoked(work.db, key.id));
    this.metrics.countOpenStreams(() => this.subscriptions.size);
    this.heartbeat = setInterval(() => this.beat(), this.config.STREAM_HEARTBEAT_MS).unref();
    const options = typeormOptions(this.config, this.config.DATABASE_URL ?? '');
    this.readers = await new DataSource({ ...options, extra: { ...options.extra, max: STREAM_READERS, application_name: 'agentry-streams' } }).initialize();
    await this.listener.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopAll();
    clearInterval(this.heartbeat);
    await this.listener.stop();
    await this.readers?.destroy();
  }

  /** Where the streams read the log and agents' access. */
  private get reads(): EntityManager {
    return (this.readers ?? this.db).manager;
  }

  /**
   * Takes one of the caller's STREAM_MAX_PER_PRINCIPAL streams on this instance (429 when none is
   * left) and returns what gives it back. Counted per instance: see docs/decisions.md, "Events".
   */
  reserve(principal: Principal): () => void {
    const caller = `${principal.orgId} ${principal.subject}`;
    const open = this.openPerCaller.get(caller) ?? 0;
    const max = this.config.STREAM_MAX_PER_PRINCIPAL;
    if (open >= max) throw new DomainError(ErrorCode.TOO_MANY_STREAMS, `You have ${open} event streams open on this server, the most allowed (${max}); close one first.`);
    this.openPerCaller.set(caller, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.openPerCaller.get(caller) ?? 1) - 1;
      if (left > 0) this.openPerCaller.set(caller, left);
      else this.openPerCaller.delete(caller);
    };
  }

  /** Streams `plan` on `raw`, a response Fastify handed over; `release` gives back the reserved slot when it ends. */
  serve(plan: StreamPlan, raw: ServerResponse, headers: Record<string, string | string[] | number | undefined>, release: () => void): void {
    const sink = new SseSink(raw, this.config.STREAM_MAX_BUFFERED_BYTES);
    sink.open(headers);
    const feed = plan.follows ? this.feedOf(plan.scope.principal.orgId) : undefined;
    const subscription = new Subscription(plan.scope, sink, plan.after === 'now' ? undefined : plan.after, feed ?? NO_LIVE_ACCESS);
    this.subscriptions.add(subscription);
    // On the feed at once (it hands out nothing before it started): a feed without streams is dropped.
    feed?.subscribers.add(subscription);
    sink.onClose(() => {
      this.subscriptions.delete(subscription);
      release();
      if (feed) this.leave(feed, subscription);
    });
    if (this.stopping) return subscription.end();
    void this.run(subscription, plan, feed).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'event stream failed; closing it (the client resumes with Last-Event-ID)');
      subscription.end();
    });
  }

  private async run(subscription: Subscription, plan: StreamPlan, feed: OrgFeed | undefined): Promise<void> {
    void this.endRevoked([subscription]);
    if (!feed) {
      await this.catchUp(subscription, plan.filter, false);
      return subscription.end();
    }
    // The feed's start must precede the catch-up's last read, so that nothing falls between them.
    await feed.ready;
    if (subscription.closed) return;
    subscription.startAt(feed.position);
    if (plan.after !== 'now') await this.catchUp(subscription, plan.filter, true);
    subscription.goLive();
  }

  /**
   * Reads the stream's events from the log after its position until a read comes back short: then
   * everything settled is sent, and the live feed (already registered) has the rest.
   */
  private async catchUp(subscription: Subscription, filter: EventFilter, settledOnly: boolean): Promise<void> {
    for (;;) {
      const page = await this.events.read(this.reads, { ...filter, after: subscription.position }, { order: 'asc', limit: CATCH_UP_PAGE, settledOnly });
      subscription.sendCaughtUp(page.map(frame));
      if (page.length < CATCH_UP_PAGE || subscription.closed) return;
      await subscription.sink.drained();
      if (subscription.closed) return;
    }
  }

  private feedOf(orgId: string): OrgFeed {
    let feed = this.feeds.get(orgId);
    if (!feed) {
      const created = new OrgFeed(orgId, {
        db: () => this.reads,
        events: this.events,
        loadAccess: async (org, ids) => new Map((await this.agents.findMany(this.reads, org, ids)).map((agent) => [agent.id, accessOf(agent)])),
        handedOut: (at) => this.metrics.eventHandedOut(at),
      });
      // A feed that could not start is dropped, so the next stream of the org starts a new one.
      created.ready.catch(() => this.drop(created));
      this.feeds.set(orgId, created);
      feed = created;
    }
    return feed;
  }

  private leave(feed: OrgFeed, subscription: Subscription): void {
    feed.subscribers.delete(subscription);
    if (feed.subscribers.size === 0) this.drop(feed);
  }

  private drop(feed: OrgFeed): void {
    feed.stop();
    if (this.feeds.get(feed.orgId) === feed) this.feeds.delete(feed.orgId);
  }

  private heard(payload: string): void {
    if (payload.startsWith(ORG_PAYLOAD)) this.feeds.get(payload.slice(ORG_PAYLOAD.length))?.wake();
    if (payload.startsWith(REVOKED_KEY_PAYLOAD)) {
      const keyId = payload.slice(REVOKED_KEY_PAYLOAD.length);
      for (const subscription of this.subscriptions) if (subscription.scope.principal.apiKeyId === keyId) subscription.end();
    }
  }

  /** Notifications sent while the listener was down are lost: read every feed again and check every key. */
  private lookAgain(): void {
    for (const feed of this.feeds.values()) feed.wake();
    void this.endRevoked([...this.subscriptions]);
  }

  /** Ends the streams whose API key is revoked: for a revocation whose notification this instance may not have heard. */
  private async endRevoked(subscriptions: Subscription[]): Promise<void> {
    const keyed = subscriptions.filter((subscription) => subscription.scope.principal.apiKeyId !== undefined);
    if (keyed.length === 0) return;
    try {
      const revoked = new Set(await this.events.revokedKeys(this.reads, [...new Set(keyed.map((s) => s.scope.principal.apiKeyId as string))]));
      for (const subscription of keyed) if (revoked.has(subscription.scope.principal.apiKeyId as string)) subscription.end();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not check the API keys of open event streams');
    }
  }

  /**
   * A comment to every stream that has room for it: an idle stream stays open through proxies. And
   * every feed reads: events whose announcement was lost (EventAnnouncer) arrive this late at worst.
   */
  private beat(): void {
    for (const subscription of this.subscriptions) if (subscription.sink.fits()) subscription.sink.write(sseComment('keep-alive'));
    for (const feed of this.feeds.values()) feed.wake();
  }

  private stopAll(): void {
    this.stopping = true;
    for (const subscription of this.subscriptions) subscription.end();
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
  }
}
