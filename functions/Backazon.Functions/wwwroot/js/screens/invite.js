import { api } from '../api.js';
import { h, show, errorBox } from '../dom.js';

// The invitation link the operator sent: once signed in, the person accepts it and this
// identity joins the account; then the account shows. The token leaves the address at once.
export async function inviteScreen(token) {
  history.replaceState(null, '', `${location.pathname}#/`);
  try {
    await api('me/invitations/accept', { method: 'POST', body: { token } });
  } catch (error) {
    show(h('h1', {}, 'Invitation'), errorBox(error.message), h('p', {}, h('a', { href: '#/' }, 'Go to your account')));
    return false;
  }

  return true;
}
