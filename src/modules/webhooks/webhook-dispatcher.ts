import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config';
import { SYSTEM_ACTOR } from '../../infrastructure/database/change';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { disableReason, judgeTry, TryVerdict } from './domain/delivery-policy';
import { signatureHeaders } from './domain/signature';
import { DestinationChecker } from './destination-checker';
import { WebhookFanout } from './webhook-fanout';
import { sendWebhook, SendResult } from './webhook-sender';
import { ClaimedTry, DeliveryStatus, WebhooksRepository } from './webhooks.repository';

/**
 * Every instance's webhook worker. Each tick it fans new events out into deliveries (WebhookFanout),
 * then claims due deliveries and sends them. A claim is one statement (`FOR UPDATE SKIP LOCKED`) that
 * takes the try's number and leases the delivery for twice the timeout, so two instances never send the
 * same try and a try whose sender died is taken over when its lease lapses. No lock or connection is
 * held while a receiver answers. One slow endpoint never delays another: an instance has at most
 * WEBHOOKS_ENDPOINT_CONCURRENCY tries in flight per endpoint (the claim skips an endpoint at its cap)
 * out of WEBHOOKS_CONCURRENCY in all, and every try ends within WEBHOOKS_TIMEOUT_MS.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private ticking = false;
  private pumping = false;
  private pumpAgain = false;
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly delays: number[];
  private readonly claimBatch: number;

  constructor(
    private readonly config: AppConfig,
    private readonly tx: UnitOfWork,
    private readonly webhooks: WebhooksRepository,
    private readonly fanout: WebhookFanout,
    private readonly destinations: DestinationChecker,
    private readonly metrics: Metrics,
  ) {
    this.delays = config.webhookRetryDelaysMs;
    this.claimBatch = Math.max(1, Math.floor(config.WEBHOOKS_CONCURRENCY / 4));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.WEBHOOKS_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops claiming, and lets the tries in flight finish (each ends within the timeout) while the pool is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
  }

  /** A delivery was queued by a request on this instance: look at once rather than at the next tick. */
  wake(): void {
    void this.pump();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      let more = true;
      while (more && !this.stopping) more = (await this.fanout.run()).more;
    } catch (error) {
      this.logger.warn({ err: error }, 'webhook fan-out failed; it is tried again at the next tick');
    } finally {
      this.ticking = false;
    }
    await this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const free = this.config.WEBHOOKS_CONCURRENCY - this.running.size;
        if (free <= 0 || this.stopping) break;
        const cap = this.config.WEBHOOKS_ENDPOINT_CONCURRENCY;
        const endpointSlots = new Map([...this.inFlight].map(([id, n]) => [id, Math.max(cap - n, 0)]));
        const claimed = await this.webhooks.claimDue({ endpointSlots, cap, limit: free, leaseMs: 2 * this.config.WEBHOOKS_TIMEOUT_MS });
        for (const claim of claimed) this.start(claim);
        if (claimed.length === free) this.pumpAgain = true;
      } while (this.pumpAgain && !this.stopping);
    } catch (error) {
      this.logger.warn({ err: error }, 'claiming webhook deliveries failed; they are tried again at the next tick');
    } finally {
      this.pumping = false;
    }
  }

  private start(claim: ClaimedTry): void {
    this.inFlight.set(claim.endpointId, (this.inFlight.get(claim.endpointId) ?? 0) + 1);
    const done = this.deliver(claim)
      .catch((error: unknown) => this.logger.warn({ err: error, deliveryId: claim.deliveryId }, 'recording a webhook try failed; its lease lapses and it is tried again'))
      .finally(() => {
        const left = (this.inFlight.get(claim.endpointId) ?? 1) - 1;
        if (left > 0) this.inFlight.set(claim.endpointId, left);
        else this.inFlight.delete(claim.endpointId);
        this.running.delete(done);
        // Claims go in batches (a claim ranks the due deliveries): claim again once a few slots are free, or at once when idle.
        const free = this.config.WEBHOOKS_CONCURRENCY - this.running.size;
        if (!this.stopping && (free >= this.claimBatch || this.running.size === 0)) void this.pump();
      });
    this.running.add(done);
  }

  /** One try: check the address again (the name may resolve elsewhere now), sign, send, record, and disable the endpoint if it must be. */
  private async deliver(claim: ClaimedTry): Promise<void> {
    const checked = await this.destinations.check(claim.url);
    let result: SendResult;
    if ('problem' in checked) {
      result = { statusCode: null, retryAfter: null, latencyMs: 0, error: `Not sent: ${checked.problem}.`, responseBody: null };
    } else {
      const headers = signatureHeaders(claim.messageId, new Date(), claim.body, claim.secrets);
      result = await sendWebhook(checked.destination, { ...headers }, claim.body, this.config.WEBHOOKS_TIMEOUT_MS);
    }
    const verdict = judgeTry(result, claim.tryInSchedule, this.delays, new Date());
    const streak = await this.webhooks.finishTry({
      deliveryId: claim.deliveryId,
      endpointId: claim.endpointId,
      try: claim.try,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error ?? (verdict.kind === 'delivered' ? null : `The receiver answered ${result.statusCode}.`),
      responseBody: result.responseBody,
      status: statusAfter(verdict),
      retryInMs: verdict.kind === 'retry' ? verdict.delayMs : null,
      succeeded: verdict.kind === 'delivered',
    });
    this.metrics.delivery('webhook', verdict.kind === 'delivered' ? 'delivered' : verdict.kind === 'retry' ? 'retrying' : 'failed');
    if (verdict.kind === 'delivered' || !streak) return;
    const reason = disableReason({ gone: verdict.kind === 'gone', ...streak });
    if (reason) await this.disable(claim, reason);
  }

  private async disable(claim: ClaimedTry, reason: string): Promise<void> {
    await this.tx.run(SYSTEM_ACTOR, async (work) => {
      const row = await this.webhooks.disableEndpoint(work.db, claim.endpointId, reason);
      if (row) work.record({ type: 'webhook_endpoint.disabled', orgId: row.orgId, data: { endpointId: row.id, url: row.url, reason } });
    });
    this.logger.warn({ endpointId: claim.endpointId, reason }, 'webhook endpoint disabled');
  }
}

const statusAfter = (verdict: TryVerdict): DeliveryStatus => (verdict.kind === 'delivered' ? 'delivered' : verdict.kind === 'retry' ? 'pending' : 'failed');
