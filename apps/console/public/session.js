import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, token } from './api.js';
import { Problem } from './ui.js';

/** Who the console acts as: the pasted token, checked by the console's /v1/session. */
export function TokenPanel({ config, session, onSession }) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState(null);
  const check = () =>
    api('/v1/session').then(
      (s) => {
        setError(null);
        onSession(s);
      },
      (e) => {
        setError(e);
        onSession(null);
      },
    );
  useEffect(() => {
    if (token.get()) check();
  }, []);
  const use = (event) => {
    event.preventDefault();
    if (!draft.trim()) return;
    token.set(draft);
    setDraft('');
    check();
  };
  const signOut = () => {
    token.clear();
    onSession(null);
  };
  if (session)
    return html`<div class="session">
      <span data-testid="who">${session.name} · <b>${session.highestRole ?? 'no role'}</b></span>
      <button type="button" onClick=${signOut}>Forget token</button>
    </div>`;
  return html`<form class="session" onSubmit=${use}>
    <${OidcHint} config=${config} />
    <input name="token" type="password" placeholder="paste a bearer token" value=${draft}
      onInput=${(e) => setDraft(e.currentTarget.value)} autocomplete="off" />
    <button type="submit">Use token</button>
    <${Problem} error=${error} />
  </form>`;
}

function OidcHint({ config }) {
  if (!config) return null;
  const { auth } = config;
  if (auth.oidc)
    return html`<span class="muted" data-testid="oidc">Tokens from ${auth.issuer ?? auth.jwksUrl} (audience ${auth.audience})</span>`;
  return html`<span class="muted">Local tokens: <code>npm run token -- --role reader</code></span>`;
}
