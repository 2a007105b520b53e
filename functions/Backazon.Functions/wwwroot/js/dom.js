// Builds elements from data: text is always set as text, never parsed as HTML (file names are the
// customer's and may hold anything).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  return element;
}

const screen = () => document.getElementById('screen');

// Shows a screen and moves focus to its heading, so a screen reader says where the person is.
export function show(...children) {
  screen().replaceChildren(...children);
  const heading = screen().querySelector('h1');
  if (heading) { heading.tabIndex = -1; heading.focus(); }
}

export function announce(text) {
  document.getElementById('announce').textContent = text;
}

export function errorBox(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}
