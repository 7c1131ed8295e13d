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
    // A build that moves on between these requests is listed twice (queued and running, or
    // running and finished): each is shown once, where its own, later answer puts it.
    const ids = [...new Set(pages.flatMap((p) => p.items.map((b) => b.id)))];
    const detailed = await Promise.all(ids.map((id) => builder(`/v1/builds/${id}`)));
    return {
      inFlight: detailed.filter((b) => IN_FLIGHT.includes(b.state)),
      recent: detailed.filter((b) => !IN_FLIGHT.includes(b.state)).slice(0, 10),
    };
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
