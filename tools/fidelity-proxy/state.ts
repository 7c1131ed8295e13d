import { DEFAULT_ACCOUNT_ID } from './ec2-request.js';
// Everything the proxy remembers, in one place so that the control API and tests can read,
// reconfigure and reset it.
import { ClientTokens } from './client-token.js';
import { CopyTracker } from './copy-image.js';
import { Counters } from './counters.js';
import { Faults } from './faults.js';
import { ImdsSupport } from './imds-support.js';
import { ImageOverlay } from './overlay.js';
import { CreatedImages } from './pending.js';
import { CommandOutcomes } from './ssm-commands.js';
import { Throttle, validateBucketSpec, type BucketSpec } from './throttle.js';
import { NewResources } from './visibility.js';

export interface FidelityConfig {
  /** Whether calls draw from the rate-limit buckets. */
  throttle: boolean;
  /** How long a new image stays "pending". */
  pendingMs: number;
  /** How long new instances, images and command invocations stay invisible to describes. */
  visibilityMs: number;
  /** Bucket sizes that differ from the aws-facts.md defaults, by action (or `DescribeInstances:unfiltered`). */
  buckets: Record<string, BucketSpec>;
}

export interface FidelityStateOptions {
  throttle?: boolean;
  pendingMs?: number;
  visibilityMs?: number;
  buckets?: Record<string, BucketSpec>;
  /** Clock in ms; tests may pass their own. */
  now?: () => number;
  /** Random source in [0, 1) for probabilistic faults. */
  random?: () => number;
}

export class FidelityState {
  readonly now: () => number;
  throttleEnabled: boolean;
  pendingMs: number;
  visibilityMs: number;
  readonly throttle: Throttle;
  readonly created: CreatedImages;
  readonly tokens = new ClientTokens();
  readonly overlay: ImageOverlay;
  readonly faults: Faults;
  readonly counters = new Counters();
  readonly copies: CopyTracker;
  readonly newResources: NewResources;
  readonly imds = new ImdsSupport();
  readonly commandOutcomes = new CommandOutcomes();
  /** Every account EC2 calls came from: where the owner of a shared image is looked for. */
  readonly accounts = new Set<string>([DEFAULT_ACCOUNT_ID]);

  constructor(options: FidelityStateOptions = {}) {
    this.now = options.now ?? Date.now;
    this.throttleEnabled = options.throttle ?? false;
    this.pendingMs = validatePendingMs(options.pendingMs ?? 0);
    this.visibilityMs = validatePendingMs(options.visibilityMs ?? 0, 'visibilityMs');
    this.newResources = new NewResources(this.now);
    this.throttle = new Throttle(this.now, options.buckets ?? {});
    this.created = new CreatedImages(this.now);
    this.copies = new CopyTracker(this.now);
    this.overlay = new ImageOverlay(this.now);
    this.faults = new Faults(options.random);
  }

  config(): FidelityConfig {
    return {
      throttle: this.throttleEnabled,
      pendingMs: this.pendingMs,
      visibilityMs: this.visibilityMs,
      buckets: this.throttle.getOverrides(),
    };
  }

  /**
   * Applies a partial config: `throttle` (true/false or "on"/"off"), `pendingMs`, and
   * `buckets` (per key a {capacity, refillPerSecond}, or null for the default).
   * Validates everything before changing anything.
   */
  updateConfig(patch: unknown): FidelityConfig {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw new Error('config must be a JSON object');
    const input = patch as Record<string, unknown>;
    const unknownKeys = Object.keys(input).filter(
      (key) => !['throttle', 'pendingMs', 'visibilityMs', 'buckets'].includes(key),
    );
    if (unknownKeys.length > 0)
      throw new Error(
        `unknown config keys: ${unknownKeys.join(', ')} (known: throttle, pendingMs, visibilityMs, buckets)`,
      );
    const throttle = input.throttle === undefined ? undefined : parseThrottleSwitch(input.throttle);
    const pendingMs =
      input.pendingMs === undefined ? undefined : validatePendingMs(input.pendingMs);
    const visibilityMs =
      input.visibilityMs === undefined
        ? undefined
        : validatePendingMs(input.visibilityMs, 'visibilityMs');
    let buckets: Record<string, BucketSpec | null> | undefined;
    if (input.buckets !== undefined) {
      if (typeof input.buckets !== 'object' || input.buckets === null)
        throw new Error('buckets must be an object keyed by action');
      buckets = {};
      for (const [key, spec] of Object.entries(input.buckets))
        buckets[key] = spec === null ? null : validateBucketSpec(key, spec);
    }
    if (throttle !== undefined) {
      if (throttle && !this.throttleEnabled) this.throttle.reset();
      this.throttleEnabled = throttle;
    }
    if (pendingMs !== undefined) this.pendingMs = pendingMs;
    if (visibilityMs !== undefined) this.visibilityMs = visibilityMs;
    if (buckets) this.throttle.setOverrides(buckets);
    return this.config();
  }

  /** Forgets all remembered state (tokens, images, overlay, buckets, faults, counters); config stays. */
  reset(): void {
    this.throttle.reset();
    this.created.reset();
    this.copies.reset();
    this.tokens.reset();
    this.overlay.reset();
    this.faults.clear();
    this.counters.reset();
    this.newResources.reset();
    this.imds.reset();
    this.commandOutcomes.clear();
  }
}

export function parseThrottleSwitch(value: unknown): boolean {
  if (value === true || value === 'on') return true;
  if (value === false || value === 'off') return false;
  throw new Error(`throttle must be "on" or "off" (or a boolean), got ${JSON.stringify(value)}`);
}

function validatePendingMs(value: unknown, name = 'pendingMs'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number of milliseconds >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}
