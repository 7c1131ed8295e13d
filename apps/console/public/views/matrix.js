import { html } from 'htm/preact';
import { catalog } from '../api.js';
import { useLoad } from '../hooks.js';
import { Loading, State, when } from '../ui.js';

/** Every version against every region it has (or should have) a copy in, with the copy's state. */
export function MatrixView({ family }) {
  const state = useLoad(async () => {
    const [versions, channels, detail] = await Promise.all([
      catalog(`/v1/families/${family}/versions?limit=50`),
      catalog(`/v1/families/${family}/channels`),
      catalog(`/v1/families/${family}`),
    ]);
    return { versions: versions.items, channels: channels.items, spec: detail.spec };
  }, [family], 5000);
  const data = state.data;
  const regions = data ? regionsOf(data) : [];
  return html`<${Loading} state=${state}>
    ${data &&
    html`<table class="matrix" data-testid="matrix">
      <thead><tr><th>version</th><th>channels</th><th>built</th>${regions.map((r) => html`<th>${r}</th>`)}</tr></thead>
      <tbody>
        ${data.versions.map(
          (v) => html`<tr data-version=${v.version}>
            <td><a href=${`#/families/${family}/lineage/${v.version}`}>${v.version}</a>${v.revoked ? html` <${State} value="revoked" />` : null}</td>
            <td>${data.channels.filter((c) => c.version === v.version).map((c) => html`<span class="chip">${c.name}</span>`)}</td>
            <td>${when(v.createdAt)}</td>
            ${regions.map((r) => {
              const copy = v.copies.find((c) => c.region === r);
              return html`<td data-region=${r} title=${copy?.stateReason ?? copy?.imageId ?? 'no copy'}>
                ${copy ? html`<${State} value=${copy.state} /><div class="mono">${copy.imageId ?? ''}</div>` : html`<span class="muted">—</span>`}
              </td>`;
            })}
          </tr>`,
        )}
      </tbody>
    </table>`}
    ${data && data.versions.length === 0 ? html`<p class="muted">No versions yet.</p>` : null}
  <//>`;
}

function regionsOf({ versions, spec }) {
  const regions = new Set(spec?.distribution?.regions ?? []);
  for (const v of versions) for (const c of v.copies) regions.add(c.region);
  return [...regions].sort();
}
