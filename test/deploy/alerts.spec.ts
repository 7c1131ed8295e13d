import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import ts from 'typescript';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '../..');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ name: string; rules: Rule[] }>;
  }
).groups.flatMap((g) => g.rules);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !/\.(int-|e2e-)?spec\.ts$/.test(name) ? [path] : [];
  });
}

/** Every metric the services register: metrics.counter|gauge|histogram('<name>', ...). */
function metricsInCode(): Map<string, 'counter' | 'gauge' | 'histogram'> {
  const found = new Map<string, 'counter' | 'gauge' | 'histogram'>();
  const dirs = ['apps', 'libs'].flatMap((top) =>
    readdirSync(join(root, top)).map((d) => join(root, top, d, 'src')),
  );
  for (const file of dirs.flatMap((d) =>
    statSync(d, { throwIfNoEntry: false }) ? sourceFiles(d) : [],
  )) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        ['counter', 'gauge', 'histogram'].includes(node.expression.name.text) &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      )
        found.set(node.arguments[0].text, node.expression.name.text as 'counter');
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** prom-client's default process metrics (MetricsService calls collectDefaultMetrics). */
async function defaultMetrics(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
}

/** Names in a PromQL expression that are metrics (not functions, labels or keywords). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((name) => !keywords.has(name));
}

describe('the alert rules (deploy/prometheus/alerts.yml)', () => {
  it('name only metrics the code registers, prom-client exports, or Prometheus itself makes (up)', async () => {
    const code = metricsInCode();
    const defaults = await defaultMetrics();
    const unknown: string[] = [];
    for (const rule of rules)
      for (const name of metricNames(rule.expr)) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        const known =
          name === 'up' ||
          defaults.has(name) ||
          code.has(name) ||
          (base !== name && code.get(base) === 'histogram');
        if (!known) unknown.push(`${rule.alert}: ${name}`);
      }
    expect(unknown).toEqual([]);
  });

  it('finds the metrics it checks against (the scan sees the outbox, consumer and EC2 metrics)', () => {
    const code = metricsInCode();
    expect(code.get('ami_outbox_lag_seconds')).toBe('gauge');
    expect(code.get('ami_ec2_pacing_wait_seconds')).toBe('histogram');
    expect(
      metricNames('sum by (service) (rate(ami_ec2_calls_total{outcome="x"}[5m])) / up'),
    ).toEqual(['ami_ec2_calls_total', 'up']);
  });

  it('gives every alert a unique name, a severity and a summary', () => {
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(page|ticket|info)$/),
      });
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });
});
