import { signIn } from '../auth.js';
import { h, show } from '../dom.js';

export function signInScreen() {
  show(
    h('h1', {}, 'Your backups'),
    h('p', {}, 'Sign in to see your computers, browse their files as of any moment and download them.'),
    h('button', { type: 'button', onclick: () => signIn() }, 'Sign in'),
  );
}
