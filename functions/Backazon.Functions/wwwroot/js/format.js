const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function bytes(n) {
  let value = n, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// "1 file", "1,001 files": a count with its noun, singular when it is one.
export function count(n, one, many = `${one}s`) {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

// Local date and time, as a person reads them, to the second.
// One formatter for all (making one per call costs more than the formatting, in a long listing).
const moments = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(iso) {
  return iso ? moments.format(new Date(iso)) : 'never';
}

// The value a datetime-local input holds for a moment (local time, to the second).
export function localInputValue(date) {
  const pad = n => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function nameOf(path) {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed;
}

export function parentOf(path) {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  return cut <= 0 ? (cut === 0 ? '/' : '') : trimmed.slice(0, cut);
}
