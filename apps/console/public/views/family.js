import { html } from 'htm/preact';
import { ChannelsView } from './channels.js';
import { DriftView } from './drift.js';
import { LineageView } from './lineage.js';
import { MatrixView } from './matrix.js';
import { PlanView } from './plan.js';

const TABS = [
  ['matrix', 'Versions × regions'],
  ['channels', 'Channels'],
  ['lineage', 'Lineage'],
  ['drift', 'Permissions & drift'],
  ['plan', 'Retention plan'],
];

export function FamilyView({ family, tab, version, session }) {
  const View = { matrix: MatrixView, channels: ChannelsView, lineage: LineageView, drift: DriftView, plan: PlanView }[tab] ?? MatrixView;
  return html`<section>
    <h2><a href="#/families">Families</a> / ${family}</h2>
    <div class="tabs">
      ${TABS.map(([id, label]) => html`<a href=${`#/families/${family}/${id}`} class=${tab === id ? 'active' : ''}>${label}</a>`)}
    </div>
    <${View} family=${family} version=${version} session=${session} />
  </section>`;
}
