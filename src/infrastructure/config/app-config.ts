import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength, ValidateBy, validateSync } from 'class-validator';
import { parseCorsOrigins, Parsed, parseTrustProxy } from './network-options';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, parseHostList, parseRetryDelays } from './webhook-options';

/** Used only outside production, and announced at start, so a fresh clone can mint tokens with `npm run token`. */
export const DEVELOPMENT_JWT_SECRET = 'agentry-development-secret-do-not-use-in-production';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1';
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** A variable valid when `parse` reads it; otherwise the message is the parser's own. */
function ParsesWith(name: string, parse: (text: string) => Parsed<unknown>) {
  const read = (value: unknown): Parsed<unknown> => (typeof value === 'string' ? parse(value) : { problem: 'must be a string' });
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => 'value' in read(value),
      defaultMessage: (args) => {
        const parsed = read(args?.value);
        return `${args?.property}: ${'problem' in parsed ? parsed.problem : ''}`;
      },
    },
  });
}

/** The value of a variable its validator has accepted. */
function parsedValue<T>(parsed: Parsed<T>): T {
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.value;
}

/**
 * Every environment variable the service reads, validated once at start.
 * Names mirror the variables so a validation message points straight at the culprit.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** Unset: 127.0.0.1 with the development JWT secret (see listenHost), every interface otherwise. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  HOST?: string;

  /** Comma-separated origins whose pages may call the API from a browser; unset = CORS off. */
  @Transform(emptyToUndefined) @IsOptional() @ParsesWith('corsOrigins', parseCorsOrigins)
  CORS_ORIGINS?: string;

  /** Whether, and from which proxies, X-Forwarded-For names the client (see network-options.ts); unset = never. */
  @Transform(emptyToUndefined) @IsOptional() @ParsesWith('trustProxy', parseTrustProxy)
  TRUST_PROXY?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false })
  DATABASE_URL?: string;

  @IsString()
  EMBEDDED_PG_DATA_DIR = '.data/postgres';

  @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DB_POOL_SIZE = 10;

  /**
   * false: the service applies no migration at start and refuses to start on a schema that is behind
   * (rolling deploys, where a job runs `npm run agentry -- migrate up` first).
   */
  @Transform(toBool) @IsBoolean()
  AUTO_MIGRATE = true;

  @Transform(toInt) @IsInt() @Min(100)
  DB_CONNECT_TIMEOUT_MS = 5000;

  @Transform(toInt) @IsInt() @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 15000;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters' })
  AUTH_JWT_SECRET?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false })
  AUTH_JWKS_URL?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  AUTH_JWT_ISSUER?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  AUTH_JWT_AUDIENCE?: string;

  /** How far the issuer's clock may be from ours when `exp`, `nbf` and `iat` are checked. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600)
  AUTH_CLOCK_SKEW_SECONDS = 60;

  /** When set, a token issued (`iat`) longer ago than this is refused even before its `exp`; it must then carry `iat`. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1)
  AUTH_MAX_TOKEN_AGE_SECONDS?: number;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  SLACK_BOT_TOKEN?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false })
  SLACK_API_URL?: string;

  @Transform(toInt) @IsInt() @Min(100) @Max(30000)
  SLACK_TIMEOUT_MS = 5000;

  /** Tries per notification, the first included, before it fails for good. */
  @Transform(toInt) @IsInt() @Min(1) @Max(20)
  NOTIFY_MAX_ATTEMPTS = 6;

  /** The first retry's wait; each next one is about four times longer (±20 % jitter). */
  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000)
  NOTIFY_RETRY_BASE_MS = 5000;

  /** Messages to one Slack channel go at least this far apart (Slack allows about one a second). */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  NOTIFY_CHANNEL_INTERVAL_MS = 1000;

  @Transform(toInt) @IsInt() @Min(1)
  OWNERSHIP_TRANSFER_TTL_HOURS = 168;

  /** A claimed run not reported `started` within this goes back to the queue (after 3 claims: failed). */
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  RUN_LEASE_SECONDS = 60;

  /** A running run with no event or heartbeat for this long fails with `timed_out`. */
  @Transform(toInt) @IsInt() @Min(1) @Max(604_800)
  RUN_TIMEOUT_SECONDS = 900;

  /** Finished runs and their events are removed after this many days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(36_500)
  RUN_RETENTION_DAYS = 90;

  /** Events are removed from the log after this many days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(36_500)
  EVENT_RETENTION_DAYS = 400;

  /** Finished webhook deliveries (and their tries) are removed this many days after they were made, once no try is younger. */
  @Transform(toInt) @IsInt() @Min(1) @Max(36_500)
  WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

  /** Open event streams one caller may hold on one instance; one more is 429. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  STREAM_MAX_PER_PRINCIPAL = 20;

  /** How often an open event stream gets a comment line, so proxies do not close it while it is idle. */
  @Transform(toInt) @IsInt() @Min(100) @Max(300_000)
  STREAM_HEARTBEAT_MS = 15_000;

  /** How far (in bytes written but not yet taken) a stream's client may fall behind before it is closed with `event: overflow`. */
  @Transform(toInt) @IsInt() @Min(16_384) @Max(67_108_864)
  STREAM_MAX_BUFFERED_BYTES = 1_048_576;

  /** After downtime, the latest missed tick still runs when it is younger than this; older ones are counted as missed. */
  @Transform(toInt) @IsInt() @Min(0) @Max(604_800)
  SCHEDULE_CATCHUP_SECONDS = 3600;

  /** How often background sweeps (lapsed claims, timeouts, retention) run, once per tick across instances. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  JOBS_SWEEP_INTERVAL_MS = 5000;

  /**
   * How often pg-boss's supervisor fails the jobs of an instance that died mid-job (a sweep's after its
   * 10 s heartbeat, a delivery's after its expiry), so the others take that work over: with the
   * heartbeat, a crash holds a sweep back at most about this plus 10 s.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  JOBS_SUPERVISE_INTERVAL_SECONDS = 10;

  /** Lets webhooks go to loopback addresses (127.0.0.0/8, ::1, `localhost`) and plain http: tests and local development only. */
  @Transform(toBool) @IsBoolean()
  WEBHOOKS_ALLOW_PRIVATE = false;

  /** A webhook try that has no complete answer within this fails (and is retried). */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  WEBHOOKS_TIMEOUT_MS = 10_000;

  /** The waits after the 1st, 2nd, … failed try of a delivery, in milliseconds; when they run out it fails. */
  @ParsesWith('retryDelays', parseRetryDelays)
  WEBHOOKS_RETRY_DELAYS_MS = DEFAULT_WEBHOOK_RETRY_DELAYS_MS.join(',');

  /** Webhook tries one instance has in flight at once, over all endpoints. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  WEBHOOKS_CONCURRENCY = 32;

  /** Webhook tries one instance has in flight at once to one endpoint: a hanging endpoint holds no more slots than this. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  WEBHOOKS_ENDPOINT_CONCURRENCY = 4;

  /** How often each instance looks for new events to fan out and for due deliveries (it also looks at once after each try). */
  @Transform(toInt) @IsInt() @Min(10) @Max(60_000)
  WEBHOOKS_POLL_INTERVAL_MS = 500;

  /**
   * `name=address,…`: when set, webhook host names resolve through this list only, never DNS (tests,
   * which must not depend on DNS); unset, through the system resolver.
   */
  @Transform(emptyToUndefined) @IsOptional() @ParsesWith('webhookHosts', parseHostList)
  WEBHOOKS_HOSTS?: string;

  @Transform(toBool) @IsBoolean()
  SWAGGER_ENABLED = true;

  /** When set, GET /metrics answers only `Authorization: Bearer <this>`; unset, anyone who reaches it may scrape. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /**
   * Where OpenTelemetry sends traces (OTLP); unset = no tracing, and no OpenTelemetry code is loaded.
   * The SDK reads the other OTEL_* variables (protocol, headers, sampler) itself.
   */
  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** The service name traces carry. */
  @IsString() @MinLength(1)
  OTEL_SERVICE_NAME = 'agentry';
  /** Off: no rate limit is checked and no bucket is read or written. */
  @Transform(toBool) @IsBoolean()
  RATE_LIMITS_ENABLED = true;

  /** Each limit below is a number of requests per this many seconds: a bucket that holds that many and refills over the window. */
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /** Reads (GET, HEAD) per window by one caller (a user or an API key) and by one organization; 0 = no limit. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_READS_PER_CALLER = 300_000;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_READS_PER_ORG = 600_000;

  /** Writes (POST, PATCH, PUT, DELETE) per window, outside the runtime routes; 0 = no limit. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_WRITES_PER_CALLER = 60_000;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_WRITES_PER_ORG = 120_000;

  /** Claims, run events and heartbeats per window: their own budget, so users never starve a runtime; 0 = no limit. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_RUNTIME_PER_CALLER = 300_000;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_RUNTIME_PER_ORG = 600_000;

  /** Failed authentications per window from one client address (per instance); past it, 429 before any token is looked at. 0 = no limit. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000)
  RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS = 100;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** The HS256 secret in force: the configured one, or the development one outside production. */
  get jwtSecret(): string | undefined {
    if (this.AUTH_JWT_SECRET) return this.AUTH_JWT_SECRET;
    return this.AUTH_JWKS_URL || this.isProduction ? undefined : DEVELOPMENT_JWT_SECRET;
  }

  get usesDevelopmentSecret(): boolean {
    return !this.AUTH_JWT_SECRET && !this.AUTH_JWKS_URL;
  }

  /**
   * The development secret is printed in the source, so anyone who can reach the service could mint an
   * org-admin token: with it, and no HOST chosen, only this machine may connect.
   */
  get listenHost(): string {
    return this.HOST ?? (this.usesDevelopmentSecret ? '127.0.0.1' : '0.0.0.0');
  }

  /** The origins CORS answers, or undefined when CORS is off. */
  get corsOrigins(): string[] | undefined {
    return this.CORS_ORIGINS === undefined ? undefined : parsedValue(parseCorsOrigins(this.CORS_ORIGINS));
  }

  get webhookRetryDelaysMs(): number[] {
    return parsedValue(parseRetryDelays(this.WEBHOOKS_RETRY_DELAYS_MS));
  }

  /** WEBHOOKS_HOSTS as a map, or undefined when names go to the system resolver. */
  get webhookHosts(): Map<string, string> | undefined {
    return this.WEBHOOKS_HOSTS === undefined ? undefined : parsedValue(parseHostList(this.WEBHOOKS_HOSTS));
  }

  get trustProxy(): boolean | string[] {
    return this.TRUST_PROXY === undefined ? false : parsedValue(parseTrustProxy(this.TRUST_PROXY));
  }
}

export class ConfigError extends Error {}

/** Validates the environment into an AppConfig; throws one ConfigError naming every bad variable. */
export function validateConfig(env: Record<string, unknown>): AppConfig {
  const config = plainToInstance(AppConfig, env, { exposeDefaultValues: true });
  const problems = validateSync(config, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
  if (config.isProduction && !config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL) {
    problems.push('NODE_ENV=production needs AUTH_JWT_SECRET or AUTH_JWKS_URL (the development secret is refused)');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return config;
}
