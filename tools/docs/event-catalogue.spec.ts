import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_TOPICS, EventCatalog, type EventType } from '@ami/contracts';
import { exampleOf, renderEventCatalogue } from './event-catalogue.js';

const root = join(import.meta.dirname, '../..');

describe('docs/events.md, the event catalogue', () => {
  it('is what the contracts generate (run npm run schemas after changing an event)', () => {
    const committed = readFileSync(join(root, 'docs/events.md'), 'utf8');
    expect(
      committed === renderEventCatalogue(root),
      'docs/events.md is out of step: npm run build && npm run schemas',
    ).toBe(true);
  });

  it.each(Object.keys(EventCatalog) as EventType[])(
    'the example of %s is a payload its schema accepts',
    (type) => {
      const result = EventCatalog[type].schema.safeParse(exampleOf(type, root));
      expect(result.error?.issues ?? []).toEqual([]);
    },
  );

  it('has a section for every topic and every event type', () => {
    const text = renderEventCatalogue(root);
    for (const topic of ALL_TOPICS) expect(text).toContain(`\n## ${topic}\n`);
    for (const type of Object.keys(EventCatalog)) expect(text).toContain(`\n### ${type}\n`);
  });

  it('names producers and consumers from the bus principal table', () => {
    const text = renderEventCatalogue(root);
    const section = text.slice(text.indexOf('\n## ami.replicator.copies.v1\n'));
    expect(section).toMatch(/- produced by: replicator \(`ami-replicator`\)\n/);
    expect(section).toMatch(
      /- consumed by: catalog \(group `catalog`\), builder \(group `builder`\), permissions/,
    );
    const requests = text.slice(text.indexOf('\n## ami.rebuild-requests.v1\n'));
    expect(requests).toMatch(
      /- produced by: catalog \(`ami-catalog`\), maintenance-scanner \(`ami-maintenance-scanner`\), `ami-producer`\n/,
    );
  });
});
