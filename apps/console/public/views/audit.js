import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { token } from '../api.js';
import { when } from '../ui.js';

const KEEP = 300;

/** The audit trail as it happens: server-sent events from the console's one audit consumer. */
export function AuditView() {
  const [filter, setFilter] = useState({ family: '', action: '' });
  const [draft, setDraft] = useState(filter);
  const [entries, setEntries] = useState([]);
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    const query = new URLSearchParams({ access_token: token.get() ?? '' });
    if (filter.family) query.set('family', filter.family);
    if (filter.action) query.set('action', filter.action);
    const source = new EventSource(`/v1/audit/stream?${query}`);
    setEntries([]);
    source.onopen = () => setStatus('live');
    source.onerror = () => setStatus('reconnecting');
    source.addEventListener('audit', (event) => {
      const entry = JSON.parse(event.data);
      setEntries((list) => (list.some((e) => e.id === entry.id) ? list : [entry, ...list].slice(0, KEEP)));
    });
    return () => source.close();
  }, [filter]);
  const apply = (event) => {
    event.preventDefault();
    setFilter({ family: draft.family.trim(), action: draft.action.trim() });
  };
  return html`<section>
    <h2>Audit feed <span class=${`chip feed-${status}`} data-testid="feed-status">${status}</span></h2>
    <form class="filters" onSubmit=${apply}>
      <label>family <input name="family" value=${draft.family} onInput=${(e) => setDraft({ ...draft, family: e.currentTarget.value })} /></label>
      <label>action <input name="action" placeholder="channel.* or build.succeeded" value=${draft.action} onInput=${(e) => setDraft({ ...draft, action: e.currentTarget.value })} /></label>
      <button type="submit">Filter</button>
    </form>
    <table data-testid="audit">
      <thead><tr><th>when</th><th>family</th><th>action</th><th>outcome</th><th>actor</th><th>subject</th><th>reason</th></tr></thead>
      <tbody>${entries.map((e) => html`<tr data-action=${e.action}>
        <td>${when(e.time)}</td><td>${e.family}</td><td>${e.action}</td><td>${e.outcome}</td><td>${e.actor}</td>
        <td class="mono">${Object.entries(e.subject).filter(([k]) => k !== 'family').map(([k, v]) => `${k}=${v}`).join(' ')}</td>
        <td>${e.reason ?? ''}</td></tr>`)}</tbody>
    </table>
    ${entries.length === 0 ? html`<p class="muted">Waiting for audit entries…</p>` : null}
  </section>`;
}
