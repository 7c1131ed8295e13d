import { html } from 'htm/preact';
import { builder } from '../api.js';
import { useLoad, useNow } from '../hooks.js';
import { Loading, State, seconds, when } from '../ui.js';

const IN_FLIGHT = ['queued', 'running'];

/** Builds in flight with their current step and the time spent in each; then the latest others. */
export function BuildsView() {
  const state = useLoad(async () => {
    const pages = await Promise.all([
      ...IN_FLIGHT.map((s) => builder(`/v1/builds?state=${s}&limit=50`)),
      builder('/v1/builds?limit=10'),
    ]);
    const inFlight = pages.slice(0, -1).flatMap((p) => p.items);
    const recent = pages.at(-1).items.filter((b) => !IN_FLIGHT.includes(b.state));
    const detailed = await Promise.all([...inFlight, ...recent].map((b) => builder(`/v1/builds/${b.id}`)));
    return { inFlight: detailed.slice(0, inFlight.length), recent: detailed.slice(inFlight.length) };
  }, [], 2000);
  return html`<section>
    <h2>Builds in flight</h2>
    <${Loading} state=${state}>
      ${state.data?.inFlight.length === 0 ? html`<p class="muted">No build is running.</p>` : null}
      ${state.data?.inFlight.map((b) => html`<${Build} build=${b} />`)}
      <h2>Recently finished</h2>
      ${state.data?.recent.map((b) => html`<${Build} build=${b} />`)}
    <//>
  </section>`;
}

function Build({ build }) {
  const now = useNow();
  const elapsed = (s) =>
    s.seconds ?? (s.startedAt && !s.endedAt ? (now - Date.parse(s.startedAt)) / 1000 : null);
  return html`<div class="build" data-build=${build.id} data-state=${build.state}>
    <h3><a href=${`#/families/${build.family}`}>${build.family}</a> <${State} value=${build.state} />
      <span class="muted">step ${build.step}${build.stepAttempt > 1 ? ` (attempt ${build.stepAttempt})` : ''} · ${build.reason} · by ${build.requestedBy} · ${when(build.createdAt)}</span></h3>
    ${build.failureReason ? html`<p class="problem">${build.failedStep}: ${build.failureReason}</p>` : null}
    <ol class="steps">
      ${build.steps.map((s) => html`<li class=${`step step-${s.status} ${s.step === build.step && build.state === 'running' ? 'current' : ''}`} data-step=${s.step}>
        <span class="name">${s.step}</span> <${State} value=${s.status} /> <span class="elapsed">${seconds(elapsed(s))}</span>
      </li>`)}
    </ol>
  </div>`;
}
