import type { DistributionTargets } from '@ami/contracts';

export type TargetKind = 'ssm-parameter' | 'launch-template';

/** One target a channel of a family writes, in one region. */
export interface DesiredTarget {
  kind: TargetKind;
  region: string;
  /** The SSM parameter's name, or the launch template as `id:lt-…` / `name:…`. */
  target: string;
  /** Launch templates: make the new version the default. */
  setDefault: boolean;
}

/** The name template with its placeholders filled in. */
export function parameterName(
  template: string,
  values: { family: string; channel: string; region: string },
): string {
  return template
    .replaceAll('{family}', values.family)
    .replaceAll('{channel}', values.channel)
    .replaceAll('{region}', values.region);
}

export function launchTemplateRef(t: {
  launchTemplateId?: string;
  launchTemplateName?: string;
}): string {
  return t.launchTemplateId ? `id:${t.launchTemplateId}` : `name:${t.launchTemplateName}`;
}

/** The launch template's identification for an EC2 call, from its ref. */
export function launchTemplateSelector(ref: string): {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
} {
  return ref.startsWith('id:')
    ? { LaunchTemplateId: ref.slice(3) }
    : { LaunchTemplateName: ref.slice(5) };
}

/**
 * Every target one channel of a family writes, from the spec's distribution: each SSM
 * parameter entry in each of its regions (default: every distribution region) when it takes
 * the channel (default: every channel), and each launch template of the channel. A name two
 * entries render alike is written once.
 */
export function desiredTargets(
  family: string,
  channel: string,
  distribution: { regions: string[]; targets: DistributionTargets },
): DesiredTarget[] {
  const out = new Map<string, DesiredTarget>();
  const add = (t: DesiredTarget) => out.set(`${t.kind}|${t.region}|${t.target}`, t);
  for (const p of distribution.targets.ssmParameters) {
    if (p.channels && !p.channels.includes(channel)) continue;
    for (const region of p.regions ?? distribution.regions)
      add({
        kind: 'ssm-parameter',
        region,
        target: parameterName(p.name, { family, channel, region }),
        setDefault: false,
      });
  }
  for (const t of distribution.targets.launchTemplates) {
    if (t.channel !== channel) continue;
    add({
      kind: 'launch-template',
      region: t.region,
      target: launchTemplateRef(t),
      setDefault: t.setDefaultVersion,
    });
  }
  return [...out.values()];
}
