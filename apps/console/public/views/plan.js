import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, scanner } from '../api.js';
import { useLoad } from '../hooks.js';
import { Loading, Problem, canOperate, when } from '../ui.js';

/** The family's newest retention plan: what it deprecates, disables and retires, and what it keeps. */
export function PlanView({ family, session }) {
  const state = useLoad(
    () =>
      scanner(`/v1/maintenance/families/${family}/retention/plans/latest`).catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [family],
    10_000,
  );
  const [error, setError] = useState(null);
  const allowed = canOperate(session);
  const planNow = () => {
    setError(null);
    scanner(`/v1/maintenance/families/${family}/retention/plans`, { method: 'POST', body: {} }).then(state.reload, setError);
  };
  const plan = state.data;
  return html`<${Loading} state=${state}>
    <p><button type="button" disabled=${!allowed} title=${allowed ? '' : 'requires role operator'} onClick=${planNow}>Plan now (dry run)</button></p>
    <${Problem} error=${error} />
    ${plan === null ? html`<p class="muted">No retention plan yet.</p>` : null}
    ${plan && html`<div data-testid="plan">
      <p>Plan <span class="mono">${plan.planId}</span>: <b>${plan.state}</b>, ${plan.mode}, ${plan.trigger} by ${plan.requestedBy}, ${when(plan.createdAt)}</p>
      <p>deprecate ${plan.summary.deprecate} · disable ${plan.summary.disable} · deregister ${plan.summary.deregister} ·
        delete snapshot ${plan.summary.deleteSnapshot} · ${(plan.summary.bytesRecovered / 2 ** 30).toFixed(1)} GiB recovered</p>
      <h3>Actions</h3>
      ${plan.actions.length === 0 ? html`<p class="muted">Nothing to do.</p>` : html`<table>
        <thead><tr><th>action</th><th>version</th><th>account / region</th><th>image</th><th>state</th><th>reason</th></tr></thead>
        <tbody>${plan.actions.map((a) => html`<tr><td>${a.action}</td><td>${a.version}</td><td>${a.account} / ${a.region}</td>
          <td class="mono">${a.snapshotId ?? a.imageId}</td><td>${a.state}</td><td>${a.reason ?? ''}</td></tr>`)}</tbody>
      </table>`}
      <h3>Kept</h3>
      <table data-testid="kept">
        <thead><tr><th>version</th><th>why</th><th>used by</th></tr></thead>
        <tbody>${plan.kept.map((k) => html`<tr><td>${k.version}</td><td>${k.reasons.join(', ')}</td>
          <td>${(k.usedBy ?? []).map((u) => `${u.imageId}: ${u.uses.map((x) => `${x.kind} ${x.id}`).join(', ')}`).join('; ')}</td></tr>`)}</tbody>
      </table>
    </div>`}
  <//>`;
}
