// Starts the page: reads the server's sign-in settings, completes a sign-in that returns here,
// then shows the screen the address names (#/, #/computer/ID?path=&at=, #/versions/ID?path=, #/link?code=,
// #/invite?token=).
import { startAuth, completeSignIn, isSignedIn, signOut } from './auth.js';
import { show, errorBox, h } from './dom.js';
import { signInScreen } from './screens/signin.js';
import { accountScreen } from './screens/account.js';
import { browseScreen } from './screens/browse.js';
import { versionsScreen } from './screens/versions.js';
import { linkScreen } from './screens/link.js';
import { inviteScreen } from './screens/invite.js';

async function route() {
  const signedIn = isSignedIn();
  document.getElementById('sign-out').hidden = !signedIn;
  document.getElementById('nav-account').hidden = !signedIn;
  document.getElementById('nav-link').hidden = !signedIn;
  if (!signedIn) return signInScreen();
  const [, screen = '', id = '', query = ''] = location.hash.match(/^#\/([^/?]*)\/?([^?]*)\??(.*)$/) ?? [];
  const params = new URLSearchParams(query);
  try {
    if (screen === 'computer') return await browseScreen(decodeURIComponent(id), params.get('path') ?? '', params.get('at'));
    if (screen === 'link') return await linkScreen(params.get('code'));
    if (screen === 'versions') return await versionsScreen(decodeURIComponent(id), params.get('path') ?? '');
    if (screen === 'invite' && !await inviteScreen(params.get('token') ?? '')) return;
    return await accountScreen();
  } catch (error) {
    show(h('h1', {}, 'Something went wrong'), errorBox(error.message), h('p', {}, h('a', { href: '#/' }, 'Back to your account')));
  }
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', () => {
    if (!signOut()) { location.hash = '#/'; route(); }
  });
  try {
    const config = await (await fetch('/api/sign-in')).json();
    await startAuth(config);
    await completeSignIn();
  } catch (error) {
    show(h('h1', {}, 'Sign in'), errorBox(error.message));
    return;
  }
  window.addEventListener('hashchange', route);
  await route();
}

start();
