import { html } from 'htm/preact';

export function Problem({ error }) {
  if (!error) return null;
  return html`<p class="problem" role="alert">${error.detail ?? error.message}</p>`;
}

export function Loading({ state, children }) {
  if (state.data === undefined && state.loading) return html`<p class="muted">Loading…</p>`;
  return html`<${Problem} error=${state.error} />${state.data === undefined ? null : children}`;
}

export const State = ({ value }) => html`<span class=${`state state-${value}`}>${value}</span>`;

export function seconds(s) {
  if (s === null || s === undefined) return '';
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

export const canOperate = (session) => ['operator', 'admin'].includes(session?.highestRole);
