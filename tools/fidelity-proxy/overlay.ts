// State for the image features moto lacks (it answers HTTP 500 for their actions):
// deprecation, deregistration protection, disabling, and image block public access.
// Kept per account and region, and merged into DescribeImages answers.
import { scopeKey, type Scope } from './ec2-request.js';
import { setChildText } from './xml.js';

export const PROTECTION_COOLDOWN_MS = 24 * 60 * 60 * 1000;

export type BlockPublicAccessState = 'block-new-sharing' | 'unblocked';

interface Protection {
  enabled: boolean;
  withCooldown: boolean;
  /** Set when protection with cooldown was disabled: deregistration stays blocked until then. */
  cooldownUntil?: number;
}

/** What the proxy knows about one image beyond moto; fields left out are not merged. */
export interface ImageFacts {
  imageState?: string;
  deprecationTime?: string;
  deregistrationProtection?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
}

/** Writes the facts into one `<item>` of a DescribeImages imagesSet. */
export function mergeImageItem(itemXml: string, facts: ImageFacts): string {
  let merged = itemXml;
  for (const [name, value] of Object.entries(facts) as Array<
    [keyof ImageFacts, string | undefined]
  >) {
    if (value !== undefined) merged = setChildText(merged, name, value);
  }
  return merged;
}

/** EC2 timestamps: ISO 8601 in UTC with milliseconds. */
export function ec2Timestamp(ms: number): string {
  return new Date(ms).toISOString();
}

export class ImageOverlay {
  private readonly deprecations = new Map<string, number>();
  private readonly protections = new Map<string, Protection>();
  private readonly disabled = new Map<string, number>();
  private readonly blockPublicAccess = new Map<string, BlockPublicAccessState>();

  constructor(private readonly now: () => number) {}

  setDeprecation(scope: Scope, imageId: string, deprecateAt: number): void {
    this.deprecations.set(this.key(scope, imageId), deprecateAt);
  }

  clearDeprecation(scope: Scope, imageId: string): void {
    this.deprecations.delete(this.key(scope, imageId));
  }

  deprecationTime(scope: Scope, imageId: string): number | undefined {
    return this.deprecations.get(this.key(scope, imageId));
  }

  /** Returns the value EC2 answers: enabled-with-cooldown or enabled-without-cooldown. */
  enableProtection(scope: Scope, imageId: string, withCooldown: boolean): string {
    this.protections.set(this.key(scope, imageId), { enabled: true, withCooldown });
    return withCooldown ? 'enabled-with-cooldown' : 'enabled-without-cooldown';
  }

  disableProtection(scope: Scope, imageId: string): string {
    const key = this.key(scope, imageId);
    const current = this.protections.get(key);
    if (current?.enabled && current.withCooldown) {
      this.protections.set(key, {
        enabled: false,
        withCooldown: true,
        cooldownUntil: this.now() + PROTECTION_COOLDOWN_MS,
      });
    } else if (!current?.cooldownUntil) {
      this.protections.delete(key);
    }
    return 'disabled';
  }

  /** The DescribeImages deregistrationProtection value. */
  protectionValue(scope: Scope, imageId: string): string {
    const protection = this.protections.get(this.key(scope, imageId));
    if (!protection) return 'disabled';
    if (protection.enabled)
      return protection.withCooldown ? 'enabled-with-cooldown' : 'enabled-without-cooldown';
    if (protection.cooldownUntil !== undefined && this.now() < protection.cooldownUntil) {
      return `disabled-until-${ec2Timestamp(protection.cooldownUntil)}`;
    }
    return 'disabled';
  }

  isProtected(scope: Scope, imageId: string): boolean {
    const protection = this.protections.get(this.key(scope, imageId));
    if (!protection) return false;
    return (
      protection.enabled ||
      (protection.cooldownUntil !== undefined && this.now() < protection.cooldownUntil)
    );
  }

  disable(scope: Scope, imageId: string): void {
    this.disabled.set(this.key(scope, imageId), this.now());
  }

  enable(scope: Scope, imageId: string): void {
    this.disabled.delete(this.key(scope, imageId));
  }

  isDisabled(scope: Scope, imageId: string): boolean {
    return this.disabled.has(this.key(scope, imageId));
  }

  setBlockPublicAccess(scope: Scope, state: BlockPublicAccessState): void {
    this.blockPublicAccess.set(scopeKey(scope), state);
  }

  blockPublicAccessState(scope: Scope): BlockPublicAccessState {
    return this.blockPublicAccess.get(scopeKey(scope)) ?? 'unblocked';
  }

  /** Overlay facts for one image as seen by the scope's account. */
  factsFor(scope: Scope, imageId: string, ownedByCaller: boolean): ImageFacts {
    const facts: ImageFacts = {};
    if (this.isDisabled(scope, imageId)) facts.imageState = 'disabled';
    const deprecateAt = this.deprecationTime(scope, imageId);
    if (deprecateAt !== undefined) facts.deprecationTime = ec2Timestamp(deprecateAt);
    if (ownedByCaller) facts.deregistrationProtection = this.protectionValue(scope, imageId);
    return facts;
  }

  /** Forgets everything about a deregistered image. */
  forget(scope: Scope, imageId: string): void {
    const key = this.key(scope, imageId);
    this.deprecations.delete(key);
    this.protections.delete(key);
    this.disabled.delete(key);
  }

  reset(): void {
    this.deprecations.clear();
    this.protections.clear();
    this.disabled.clear();
    this.blockPublicAccess.clear();
  }

  private key(scope: Scope, imageId: string): string {
    return `${scopeKey(scope)}/${imageId}`;
  }
}
