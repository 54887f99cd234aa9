import type { AccessControl } from '../auth/access.js';
import type { AuditLog } from '../auth/audit.js';
import type { Mailer } from '../auth/mailer.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { SessionService } from '../auth/sessions.js';
import type { Tokens } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import type { Metrics } from '../http/metrics.js';
import type { GeoLocator } from '../ingest/enrich/geo.js';
import type { IngestService } from '../ingest/service.js';
import type { Logger } from '../logging.js';
import type { EventStore } from '../storage/events/event-store.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import type { StateStore } from '../storage/state/state-store.js';

/**
 * What the account, site, key and stats routes are built from. Made once by the composition root (main.ts); routes
 * take what they need from it and never open stores or read settings themselves.
 */
export interface ApiContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  meta: MetaStore;
  events: EventStore;
  state: StateStore;
  ingest: IngestService;
  geo: GeoLocator;
  /** Current time in epoch ms (injectable for tests of expiry). */
  now: () => number;
  tokens: Tokens;
  /** Seals TOTP secrets at rest. */
  secretBox: SecretBox;
  sessions: SessionService;
  access: AccessControl;
  mailer: Mailer;
  audit: AuditLog;
  /** True when the instance is served over HTTPS: cookies get `Secure`, responses get HSTS. */
  secureCookies: boolean;
  /** Tells ingestion that a site was deleted or its domain changed, so it stops resolving the old one at once. */
  sitesChanged?: () => void;
}
