// Calls to the services through the console's /api/<service>/ proxy, with the pasted token.
const TOKEN_KEY = 'ami-console-token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer the API refused: status and the problem+json detail, shown as the API wrote it. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.detail ?? json?.title ?? (text || res.statusText));
  return json;
}

export const catalog = (path, options) => api(`/api/catalog${path}`, options);
export const builder = (path, options) => api(`/api/builder${path}`, options);
export const permissions = (path, options) => api(`/api/permissions${path}`, options);
export const scanner = (path, options) => api(`/api/maintenance-scanner${path}`, options);
