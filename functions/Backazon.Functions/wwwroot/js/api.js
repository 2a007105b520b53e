import { accessToken } from './auth.js';

// An answer of the API that is not a success, with the one sentence the server gave.
export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${accessToken()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem?.detail ?? problem?.title ?? `The server answered ${response.status}.`);
  }
  return response.status === 204 ? null : response.json();
}

export const devicePath = (id, rest = '') => `me/devices/${encodeURIComponent(id)}${rest}`;
