import { render } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { TokenPanel } from './session.js';
import { AuditView } from './views/audit.js';
import { BuildsView } from './views/builds.js';
import { FamiliesView } from './views/families.js';
import { FamilyView } from './views/family.js';

/** #/families, #/families/<f>[/<tab>[/<version>]], #/builds, #/audit */
function parseRoute(hash) {
  const [view = 'families', family, tab = 'matrix', version] = hash.replace(/^#\/?/, '').split('/');
  return { view: view || 'families', family, tab, version };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

function Nav({ route }) {
  const link = (view, label) =>
    html`<a href=${`#/${view}`} class=${route.view === view ? 'active' : ''}>${label}</a>`;
  return html`<nav>${link('families', 'Families')} ${link('builds', 'Builds')} ${link('audit', 'Audit feed')}</nav>`;
}

function Main({ route, session }) {
  if (route.view === 'builds') return html`<${BuildsView} />`;
  if (route.view === 'audit') return html`<${AuditView} />`;
  if (route.view === 'families' && route.family)
    return html`<${FamilyView} family=${route.family} tab=${route.tab} version=${route.version} session=${session} />`;
  return html`<${FamiliesView} />`;
}

function App() {
  const route = useRoute();
  const [config, setConfig] = useState(null);
  const [session, setSession] = useState(null);
  useEffect(() => {
    api('/v1/config').then(setConfig, () => setConfig(null));
  }, []);
  return html`
    <header>
      <h1>AMI factory</h1>
      <${Nav} route=${route} />
      <${TokenPanel} config=${config} session=${session} onSession=${setSession} />
    </header>
    <main>
      ${session ? html`<${Main} route=${route} session=${session} />` : html`<p class="muted">Paste a token to see the platform.</p>`}
    </main>
  `;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
