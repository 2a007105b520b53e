// Sign-in with the authorization code flow and PKCE against the operator's issuer. The access
// token lives in this module's memory only: not in storage a script could read later, not in the
// address. What must survive the redirect to the issuer (the PKCE verifier and state, which are
// worthless without the code) waits in sessionStorage and is removed on return.
const pending = 'backazon.sign-in';
let config, metadata, token = null, expiresAt = 0;

export async function startAuth(pageConfig) {
  config = pageConfig;
  if (!config.authority || !config.clientId) throw new Error('Sign-in is not configured on this server.');
  const response = await fetch(new URL('.well-known/openid-configuration', config.authority.replace(/\/?$/, '/')));
  if (!response.ok) throw new Error('The sign-in service cannot be reached.');
  metadata = await response.json();
}

export const isSignedIn = () => token !== null && Date.now() < expiresAt;
export const accessToken = () => token;
const redirectUri = () => new URL('.', location.href).href;

export async function signIn() {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(pending, JSON.stringify({ verifier, state, returnTo: location.hash }));
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId, response_type: 'code', scope: config.scope, redirect_uri: redirectUri(),
    code_challenge: challenge, code_challenge_method: 'S256', state,
  });
  location.assign(url);
}

// On return from the issuer: take the code out of the address at once, check the state, trade the
// code for a token. Returns false when this load is not a return from the issuer.
export async function completeSignIn() {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('code') && !answer.has('error')) return false;
  const saved = JSON.parse(sessionStorage.getItem(pending) ?? 'null');
  sessionStorage.removeItem(pending);
  history.replaceState(null, '', location.pathname + (saved?.returnTo ?? ''));
  if (answer.has('error')) throw new Error(`Sign-in did not complete: ${answer.get('error_description') ?? answer.get('error')}.`);
  if (!saved || saved.state !== answer.get('state')) throw new Error('This sign-in answer was not asked for by this page: sign in again.');
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: answer.get('code'), redirect_uri: redirectUri(),
      client_id: config.clientId, code_verifier: saved.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.access_token) throw new Error('Sign-in did not complete: the sign-in service refused the code. Sign in again.');
  token = body.access_token;
  expiresAt = Date.now() + (body.expires_in ?? 3600) * 1000;
  return true;
}

// Forgets the token; where the issuer has a sign-out endpoint, ends its session there too.
export function signOut() {
  token = null;
  expiresAt = 0;
  if (metadata?.end_session_endpoint) {
    const url = new URL(metadata.end_session_endpoint);
    url.search = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: redirectUri() });
    location.assign(url);
    return true;
  }
  return false;
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
