import { html } from 'htm/preact';
import { catalog } from '../api.js';
import { useLoad } from '../hooks.js';
import { Loading } from '../ui.js';

/** Root source AMI, then each ancestor, the version, and its descendants as a tree. */
export function LineageView({ family, version }) {
  const state = useLoad(async () => {
    const chosen = version ?? (await catalog(`/v1/families/${family}/versions?limit=1`)).items[0]?.version;
    if (!chosen) return null;
    return catalog(`/v1/families/${family}/versions/${chosen}/lineage`);
  }, [family, version]);
  const lineage = state.data;
  return html`<${Loading} state=${state}>
    ${lineage === null ? html`<p class="muted">No versions yet.</p>` : null}
    ${lineage && html`<ul class="tree" data-testid="lineage">
      <li><span class="node source">source ${lineage.rootSourceImageId ?? '(unknown)'}</span>
        ${chain([...oldestFirst(lineage.ancestors), lineage.version], lineage)}
      </li>
    </ul>`}
  <//>`;
}

// Ancestors arrive nearest first; the tree reads from the root down.
const oldestFirst = (ancestors) => [...ancestors].reverse();

function chain(nodes, lineage) {
  const [node, ...rest] = nodes;
  const current = node === lineage.version;
  return html`<ul><li>
    <${Node} node=${node} current=${current} />
    ${rest.length ? chain(rest, lineage) : children(lineage.descendants, node)}
  </li></ul>`;
}

function children(descendants, parent) {
  const kids = descendants.filter((d) => d.parent.family === parent.family && d.parent.version === parent.version);
  if (kids.length === 0) return null;
  return html`<ul>${kids.map((k) => html`<li><${Node} node=${k} />${children(descendants, k)}</li>`)}</ul>`;
}

function Node({ node, current }) {
  return html`<a class=${`node ${current ? 'current' : ''}`} href=${`#/families/${node.family}/lineage/${node.version}`}>
    ${node.family} ${node.version}</a> <span class="mono muted">${node.sourceImageId ?? ''}</span>`;
}
