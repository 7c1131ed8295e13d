import { html } from 'htm/preact';
import { permissions } from '../api.js';
import { useLoad } from '../hooks.js';
import { Loading, when } from '../ui.js';

const principals = (lists) =>
  lists
    ? [...lists.accounts, ...lists.organizationArns, ...lists.organizationalUnitArns, ...(lists.public ? ['public'] : [])].join(', ') || 'nobody'
    : '—';
const principal = (p) => (p.kind === 'public' ? 'public' : p.value);

/** Desired against actual launch permissions per copy, then the drift found on them. */
export function DriftView({ family }) {
  const state = useLoad(async () => {
    const [view, drift] = await Promise.all([
      permissions(`/v1/families/${family}/permissions`),
      permissions(`/v1/families/${family}/drift?limit=50`),
    ]);
    return { view, drift: drift.items };
  }, [family], 5000);
  const data = state.data;
  return html`<${Loading} state=${state}>
    ${data && html`
      <p>Sharing mode <b>${data.view.sharing?.mode ?? 'repair'}</b>; every copy last compared with EC2: ${when(data.view.lastReconciledAt) || 'not yet'}</p>
      <table data-testid="permissions">
        <thead><tr><th>version</th><th>region</th><th>image</th><th>desired</th><th>actual</th><th>pending</th><th>last error</th></tr></thead>
        <tbody>${data.view.versions.flatMap((v) => v.regions.map((r) => html`<tr>
          <td>${v.version}</td><td>${r.region}${r.account ? ` (${r.account})` : ''}</td><td class="mono">${r.imageId ?? ''}</td>
          <td>${principals(r.desired)}</td><td>${principals(r.actual)}</td>
          <td>${r.pending ? r.pendingReason ?? 'yes' : ''}</td><td>${r.lastError ?? ''}</td></tr>`))}
        </tbody>
      </table>
      <h3>Drift found</h3>
      ${data.drift.length === 0 ? html`<p class="muted">No drift found.</p>` : html`<table data-testid="drift">
        <thead><tr><th>found</th><th>version</th><th>region</th><th>image</th><th>mode</th><th>differences</th><th>repaired</th></tr></thead>
        <tbody>${data.drift.map((d) => html`<tr>
          <td>${when(d.foundAt)}</td><td>${d.version}</td><td>${d.region}</td><td class="mono">${d.imageId}</td><td>${d.mode}</td>
          <td>${d.differences.map((x) => html`<div>${x.change} ${principal(x.principal)} on ${x.resource} ${x.resourceId}</div>`)}</td>
          <td>${d.repaired.length} of ${d.differences.length}</td></tr>`)}
        </tbody>
      </table>`}
    `}
  <//>`;
}
