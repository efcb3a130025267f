import { ApiKeys1732300000000 } from './1732300000000-api-keys';
import { Agents1732300001000 } from './1732300001000-agents';
import { OwnershipTransfers1732300002000 } from './1732300002000-ownership-transfers';
import { Runs1732300003000 } from './1732300003000-runs';
import { Schedules1732300004000 } from './1732300004000-schedules';
import { Notifications1732300005000 } from './1732300005000-notifications';
import { RunsQueueOrder1732300006000 } from './1732300006000-runs-queue-order';
import { ShownTimestampPrecision1732300007000 } from './1732300007000-shown-timestamp-precision';
import { NotificationsUnconfirmed1732300008000 } from './1732300008000-notifications-unconfirmed';
import { Events1732300009000 } from './1732300009000-events';
import { Webhooks1732300011000 } from './1732300011000-webhooks';
import { Environments1732300012000 } from './1732300012000-environments';
import { IdempotencyKeys1732300013000 } from './1732300013000-idempotency-keys';
import { RunCapacity1732300013500 } from './1732300013500-run-capacity';
import { Usage1732300013700 } from './1732300013700-usage';
import { RunsMetricsTrace1732300014000 } from './1732300014000-runs-metrics-trace';
import { RateLimitBuckets1732300015000 } from './1732300015000-rate-limit-buckets';
import { ScheduleOverlapIndex1732300016000 } from './1732300016000-schedule-overlap-index';
import { WebhookDeliveryRetention1732300017000 } from './1732300017000-webhook-delivery-retention';
import { RunCapacityGiven1732300018000 } from './1732300018000-run-capacity-given';

/** Every migration, in order; listed explicitly so the build never depends on a glob. */
export const MIGRATIONS = [ApiKeys1732300000000, Agents1732300001000, OwnershipTransfers1732300002000, Runs1732300003000, Schedules1732300004000, Notifications1732300005000, RunsQueueOrder1732300006000, ShownTimestampPrecision1732300007000, NotificationsUnconfirmed1732300008000, Events1732300009000, Webhooks1732300011000, Environments1732300012000, IdempotencyKeys1732300013000, RunCapacity1732300013500, Usage1732300013700, RunsMetricsTrace1732300014000, RateLimitBuckets1732300015000, ScheduleOverlapIndex1732300016000, WebhookDeliveryRetention1732300017000, RunCapacityGiven1732300018000];
