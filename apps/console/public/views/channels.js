import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { catalog } from '../api.js';
import { useLoad } from '../hooks.js';
import { Loading, Problem, canOperate, when } from '../ui.js';

/** Channels with their history, and promote / rollback for operators (the API checks too). */
export function ChannelsView({ family, session }) {
  const state = useLoad(async () => {
    const [channels, versions] = await Promise.all([
      catalog(`/v1/families/${family}/channels`),
      catalog(`/v1/families/${family}/versions?limit=50`),
    ]);
    const histories = await Promise.all(
      channels.items.map((c) => catalog(`/v1/families/${family}/channels/${c.name}/history`)),
    );
    return {
      channels: channels.items.map((c, i) => ({ ...c, history: histories[i].items })),
      versions: versions.items.filter((v) => !v.revoked).map((v) => v.version),
    };
  }, [family], 5000);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const allowed = canOperate(session);
  const act = (path, body, what) => {
    setError(null);
    setDone(null);
    catalog(`/v1/families/${family}/channels/${path}`, { method: 'POST', body }).then(
      (moved) => {
        setDone(`${what}: ${moved.channel} now points at ${moved.version}`);
        state.reload();
      },
      setError,
    );
  };
  const data = state.data;
  return html`<${Loading} state=${state}>
    ${data && html`
      <${PromoteForm} versions=${data.versions} allowed=${allowed}
        onPromote=${(channel, version) => act(`${channel}/promote`, { version, reason: 'from the console' }, 'promoted')} />
      <${Problem} error=${error} />
      ${done && html`<p class="done" role="status">${done}</p>`}
      ${data.channels.map((c) => html`<div class="channel" data-channel=${c.name}>
        <h3>${c.name} → ${c.version} ${c.protected ? html`<span class="chip">protected</span>` : null}
          ${c.name === 'latest' ? null : html`<button type="button" disabled=${!allowed} title=${allowed ? '' : 'requires role operator'}
            onClick=${() => act(`${c.name}/rollback`, { reason: 'from the console' }, 'rolled back')}>Roll back</button>`}
        </h3>
        <table class="history">
          <thead><tr><th>when</th><th>movement</th><th>version</th><th>from</th><th>by</th><th>reason</th></tr></thead>
          <tbody>${c.history.map((h) => html`<tr>
            <td>${when(h.at)}</td><td>${h.movement}${h.forced ? ' (forced)' : ''}</td><td>${h.version}</td>
            <td>${h.previousVersion ?? ''}</td><td>${h.actor}</td><td>${h.reason ?? ''}</td></tr>`)}
          </tbody>
        </table>
      </div>`)}
    `}
  <//>`;
}

function PromoteForm({ versions, allowed, onPromote }) {
  const [channel, setChannel] = useState('prod');
  const [version, setVersion] = useState('');
  const submit = (event) => {
    event.preventDefault();
    onPromote(channel.trim(), version || versions[0]);
  };
  return html`<form class="promote" onSubmit=${submit}>
    <label>Promote <select name="version" value=${version || versions[0]} onChange=${(e) => setVersion(e.currentTarget.value)}>
      ${versions.map((v) => html`<option value=${v}>${v}</option>`)}</select></label>
    <label> to channel <input name="channel" value=${channel} onInput=${(e) => setChannel(e.currentTarget.value)} /></label>
    <button type="submit" disabled=${!allowed || versions.length === 0} title=${allowed ? '' : 'requires role operator'}>Promote</button>
    ${allowed ? null : html`<span class="muted">read only: promoting needs the operator role</span>`}
  </form>`;
}
