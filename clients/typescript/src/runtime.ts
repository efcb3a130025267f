import { AgentryError, createAgentryClient, sleep, type ClaimedRun, type JsonValue, type Run, type RunEventRequest } from './index';

export type RunApproval = NonNullable<Run['approval']>;

/** What a handler gets for one run. */
export interface RunContext {
  run: Run;
  agent: ClaimedRun['agent'];
  /** The pinned variation, whole (instructions, tools, …). */
  variation: ClaimedRun['variation'];
  input: unknown;
  /** Aborted when the run is cancelled, its claim is lost, or the runtime stops and the handler overstays. */
  signal: AbortSignal;
  /** The decision on the approval this run asked for earlier (`approved` or `rejected`), else null. */
  approval: RunApproval | null;
  /** Reports an `action_taken` (also extends the run's timeout). */
  action(message: string, data?: JsonValue): Promise<void>;
  /**
   * Asks for approval and ends this execution: the run waits (`awaiting_approval`) until a manager
   * approves or rejects it, then it is queued again and a handler is called anew with `approval` set.
   * Use it as `return ctx.requestApproval(…)`.
   */
  requestApproval(message: string, data?: JsonValue): Promise<never>;
}

export type RunHandler = (context: RunContext) => Promise<unknown> | unknown;

export interface RuntimeOptions {
  baseUrl: string;
  /** A `runtime` API key (`pk_live_…`). */
  key: string;
  /** Only runs of these agents. */
  agentIds?: number[];
  types?: ('task' | 'workflow')[];
  /** Runs executed at once (and long polls open); default 1. */
  concurrency?: number;
  /** Returns the run's output (reported as `outcome`); a throw is reported as `error`. */
  handler: RunHandler;
  /** Long poll length, ≤ 30 s; default 20. */
  waitSeconds?: number;
  /** Heartbeats go out at this fraction of the claim's lease (default 1/3), and at least every `cancelCheckMs`. */
  heartbeatFraction?: number;
  /** How soon a cancel reaches a handler: the longest gap between heartbeats of a running run; default 500 ms. */
  cancelCheckMs?: number;
  /** On stop, how long running handlers may take to finish before they are aborted and their runs reported failed; default 30 s. */
  stopTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Where the kit says what it does; default: nothing. */
  log?: (line: string) => void;
}

export interface Runtime {
  /** Resolves once the runtime has stopped (after `stop()`). */
  readonly done: Promise<void>;
  /** Runs currently held (claimed and not yet finished). */
  readonly active: number;
  /**
   * Stops claiming, lets running handlers finish (up to `stopTimeoutMs`, then aborts them and reports
   * their runs failed with `runtime_stopped`), and resolves when nothing is held. A claimed run not yet
   * started is handed back: its lease lapses and another runtime gets it. No started run is left silently.
   */
  stop(): Promise<void>;
}

/** Thrown by `requestApproval`; the kit reports `approval_required` and lets the run wait. */
class ApprovalRequested {
  constructor(
    readonly message: string,
    readonly data: JsonValue | undefined,
  ) {}
}

/** The run can no longer be reported on (cancelled, finished, claim lost): a 409 or 404 on a report. */
class RunGone extends Error {}

const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * A runtime for Agentry's claim/event contract (SPEC §8): `concurrency` loops each long-poll
 * `POST /runtime/claim`, report `started`, call the handler, report its `outcome` (or `error`), with
 * heartbeats meanwhile; a 409 on a heartbeat or report (the run was cancelled or its claim lost)
 * aborts the handler's signal. 429/503 and network failures back off (honouring `Retry-After`).
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const waitSeconds = Math.min(30, Math.max(0, options.waitSeconds ?? 20));
  const fraction = options.heartbeatFraction ?? 1 / 3;
  const cancelCheckMs = options.cancelCheckMs ?? 500;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const log = options.log ?? (() => undefined);
  const client = createAgentryClient({ baseUrl: options.baseUrl, apiKey: options.key, fetch: options.fetch });
  const stopping = new AbortController();
  const held = new Map<string, AbortController>();
  let stopDeadline: Promise<void> | undefined;

  async function slot(index: number): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let claimed: ClaimedRun | undefined;
      try {
        const { data, error, response } = await client.POST('/api/v1/runtime/claim', {
          body: { waitSeconds, ...(options.agentIds ? { agentIds: options.agentIds } : {}), ...(options.types ? { types: options.types } : {}) },
          signal: stopping.signal,
        });
        if (response.status === 204) {
          failures = 0;
          continue;
        }
        if (!response.ok) throw new AgentryError(response, error);
        claimed = data;
        failures = 0;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures++;
        const wait = backoff(error, failures);
        log(`slot ${index}: claim failed (${describe(error)}); retrying in ${Math.round(wait)} ms`);
        await sleep(wait, stopping.signal);
        continue;
      }
      if (!claimed) continue;
      if (stopping.signal.aborted) {
        // Handed back: not started, so its lease lapses and it goes to another runtime.
        log(`run ${claimed.run.id}: claimed while stopping; handed back (not started)`);
        break;
      }
      await execute(claimed);
    }
  }

  async function execute(claimed: ClaimedRun): Promise<void> {
    const { run } = claimed;
    const abort = new AbortController();
    held.set(run.id, abort);
    // A traceparent on the claim joins this run's requests to the trace that started the run.
    const traceparent = (claimed as { traceparent?: string }).traceparent ?? (run as { traceparent?: string }).traceparent;
    const headers: Record<string, string> = traceparent ? { traceparent } : {};
    const report = async (event: RunEventRequest): Promise<void> => {
      await call(() => client.POST('/api/v1/runs/{runId}/events', { params: { path: { runId: run.id } }, body: event, headers }));
    };
    let beat: NodeJS.Timeout | undefined;
    try {
      await report({ type: 'started' });
      log(`run ${run.id}: started (attempt ${run.attempt})`);
      const leaseMs = Math.max(1000, Date.parse(claimed.lease.expiresAt) - Date.now());
      const interval = Math.max(100, Math.min(leaseMs * fraction, cancelCheckMs));
      const heartbeat = async () => {
        try {
          await call(() => client.POST('/api/v1/runs/{runId}/heartbeat', { params: { path: { runId: run.id } }, headers }));
        } catch (error) {
          if (error instanceof RunGone) abort.abort(error);
          // other failures: the next beat tries again
        }
        if (!abort.signal.aborted) beat = setTimeout(() => void heartbeat(), interval);
      };
      beat = setTimeout(() => void heartbeat(), interval);
      const context: RunContext = {
        run,
        agent: claimed.agent,
        variation: claimed.variation,
        input: run.input,
        signal: abort.signal,
        approval: run.approval && run.approval.state !== 'pending' ? run.approval : null,
        action: (message, data) => report({ type: 'action_taken', message, ...(data === undefined ? {} : { data }) }),
        requestApproval: (message, data) => Promise.reject(new ApprovalRequested(message, data)),
      };
      let output: unknown;
      try {
        output = await raceAbort(Promise.resolve().then(() => options.handler(context)), abort.signal);
      } catch (error) {
        if (error instanceof ApprovalRequested) {
          clearTimeout(beat);
          await report({ type: 'approval_required', message: error.message, ...(error.data === undefined ? {} : { data: error.data }) });
          log(`run ${run.id}: awaiting approval`);
          return;
        }
        if (abort.signal.aborted && abort.signal.reason instanceof RunGone) {
          log(`run ${run.id}: ${abort.signal.reason.message}; handler stopped`);
          return;
        }
        clearTimeout(beat);
        const stopped = abort.signal.aborted;
        await report({
          type: 'error',
          error: stopped
            ? { code: 'runtime_stopped', message: 'The runtime stopped before the run finished.' }
            : { code: codeOf(error), message: (error instanceof Error ? error.message : String(error)).slice(0, 10_000) || 'The handler failed.' },
        });
        log(`run ${run.id}: failed (${describe(error)})`);
        return;
      }
      clearTimeout(beat);
      await report({ type: 'outcome', output: output === undefined ? null : (output as JsonValue) });
      log(`run ${run.id}: succeeded`);
    } catch (error) {
      // A report that could not be made: the run was cancelled or lost (409/404), or the service stayed
      // unreachable; the service's lease or timeout settles it.
      log(`run ${run.id}: ${describe(error)}`);
    } finally {
      clearTimeout(beat);
      if (!abort.signal.aborted) abort.abort(new RunGone('finished'));
      held.delete(run.id);
    }
  }

  /** A report or heartbeat, retried on 429/5xx and network failures; a 409/404 means the run is gone. */
  async function call<T>(send: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { data, error, response } = await send();
        if (response.ok) return data as T;
        const failure = new AgentryError(response, error);
        if (response.status === 409 || response.status === 404) throw new RunGone(failure.message);
        if (!RETRYABLE.has(response.status) || attempt >= 8) throw failure;
        await sleep(backoff(failure, attempt));
      } catch (error) {
        if (error instanceof RunGone || error instanceof AgentryError || attempt >= 8) throw error;
        await sleep(backoff(error, attempt));
      }
    }
  }

  const loops = Array.from({ length: concurrency }, (_, index) => slot(index));
  const done = Promise.all(loops).then(async () => {
    while (held.size > 0) await sleep(20);
  });

  return {
    done,
    get active() {
      return held.size;
    },
    stop() {
      if (!stopDeadline) {
        stopping.abort();
        const overstay = setTimeout(() => {
          for (const abort of held.values()) abort.abort(new Error('runtime stopping'));
        }, stopTimeoutMs);
        stopDeadline = done.finally(() => clearTimeout(overstay));
      }
      return stopDeadline;
    },
  };
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** How long to wait after `failures` failures in a row: Retry-After when the service named it, else exponential with jitter, ≤ 30 s. */
function backoff(error: unknown, failures: number): number {
  const named = error instanceof AgentryError ? error.retryAfterSeconds : undefined;
  if (named !== undefined) return named * 1000 + Math.random() * 250;
  const base = Math.min(30_000, 250 * 2 ** Math.min(failures - 1, 7));
  return base / 2 + Math.random() * (base / 2);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(code) ? code : 'handler_failed';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

