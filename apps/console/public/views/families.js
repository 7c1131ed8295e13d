import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { catalog } from '../api.js';
import { useLoad } from '../hooks.js';
import { Loading, when } from '../ui.js';

const PAGE = 100;

/** Families by name, a page at a time, filtered by owner; or open one by its name. */
export function FamiliesView() {
  const [owner, setOwner] = useState('');
  const [draft, setDraft] = useState({ owner: '', name: '' });
  const [cursors, setCursors] = useState([]);
  const cursor = cursors.at(-1);
  const state = useLoad(() => {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (owner) query.set('owner', owner);
    if (cursor) query.set('cursor', cursor);
    return catalog(`/v1/families?${query}`);
  }, [owner, cursor], 10_000);
  const items = state.data?.items ?? [];
  const filter = (event) => {
    event.preventDefault();
    if (draft.name.trim()) location.hash = `#/families/${draft.name.trim()}`;
    else {
      setCursors([]);
      setOwner(draft.owner.trim());
    }
  };
  return html`<section>
    <h2>Image families</h2>
    <form class="filters" onSubmit=${filter}>
      <label>owner <input name="owner" value=${draft.owner} onInput=${(e) => setDraft({ ...draft, owner: e.currentTarget.value })} /></label>
      <label>or open family <input name="family" value=${draft.name} onInput=${(e) => setDraft({ ...draft, name: e.currentTarget.value })} /></label>
      <button type="submit">Show</button>
    </form>
    <${Loading} state=${state}>
      <table data-testid="families">
        <thead><tr><th>family</th><th>owner</th><th>description</th><th>parent</th><th>spec</th><th>updated</th></tr></thead>
        <tbody>
          ${items.map(
            (f) => html`<tr>
              <td><a href=${`#/families/${f.name}`}>${f.name}</a></td>
              <td>${f.owner}</td>
              <td>${f.description}</td>
              <td>${f.parent ? `${f.parent.family} (${f.parent.channel})` : ''}</td>
              <td>v${f.specVersion}</td>
              <td>${when(f.updatedAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${items.length === 0 ? html`<p class="muted">No families${owner ? ` owned by ${owner}` : ''}.</p>` : null}
      <p>
        <button type="button" disabled=${cursors.length === 0} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
        <button type="button" disabled=${!state.data?.nextCursor} onClick=${() => setCursors([...cursors, state.data.nextCursor])}>Next</button>
      </p>
    <//>
  </section>`;
}
