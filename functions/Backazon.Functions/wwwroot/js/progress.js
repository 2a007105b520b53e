import { h } from './dom.js';
import { bytes, count } from './format.js';

// A download's progress as a person reads it: a bar, bytes and files done of the total, and the
// time left at the speed so far. Redrawn a few times a second, not on every piece.
export class Progress {
  constructor(title, totalBytes, totalFiles) {
    Object.assign(this, { totalBytes, totalFiles, doneBytes: 0, doneFiles: 0, started: performance.now() });
    this.bar = h('progress', { max: Math.max(totalBytes, 1), value: 0, 'aria-label': title });
    this.text = h('span');
    this.element = h('div', { class: 'progress', role: 'status' }, h('p', {}, title), this.bar, ' ', this.text);
    this.timer = setInterval(() => this.draw(), 250);
    this.draw();
  }

  addBytes(n) { this.doneBytes += n; }
  addFile() { this.doneFiles++; }

  draw() {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = this.doneBytes / Math.max(seconds, 0.001);
    const left = rate > 0 ? (this.totalBytes - this.doneBytes) / rate : null;
    this.bar.value = this.doneBytes;
    this.text.textContent = `${bytes(this.doneBytes)} of ${bytes(this.totalBytes)} · ${this.doneFiles.toLocaleString('en')} of ${count(this.totalFiles, 'file')}` +
      (left === null || this.doneBytes === 0 ? '' : ` · ${timeLeft(left)}`);
  }

  finish(message) {
    clearInterval(this.timer);
    this.draw();
    this.element.replaceChildren(h('p', {}, message));
  }
}

function timeLeft(seconds) {
  if (seconds < 1) return 'almost done';
  if (seconds < 90) return `about ${Math.ceil(seconds)} s left`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}
