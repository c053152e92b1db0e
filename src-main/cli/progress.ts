/** Task progress on the terminal: a redrawn bar on a TTY, a line every few seconds otherwise. */
import type { Task } from '../engine/tasks/task-registry';

export class ProgressPrinter {
  private last = 0;
  private drawn = false;

  constructor(private readonly err: NodeJS.WritableStream & { isTTY?: boolean }, private readonly label: string) {}

  update(task: Task): void {
    const now = Date.now();
    const tty = this.err.isTTY === true;
    if (now - this.last < (tty ? 100 : 5000) && task.status === 'running') return;
    this.last = now;
    const p = task.progress;
    // The task's first event comes before the run has said what it is doing.
    if (!p.phase && p.total === 0 && task.status === 'running') return;
    const c = p.counters ?? {};
    const parts = [
      p.phase === 'scanning' ? 'scanning folders…' : `${p.done}/${p.total} files`,
      c.faces !== undefined ? `${c.faces} faces` : '',
      c.errors ? `${c.errors} errors` : '',
      p.rate ? `${p.rate.toFixed(1)}/s` : '',
      p.etaSeconds !== undefined && p.done < p.total ? `ETA ${clock(p.etaSeconds)}` : '',
    ].filter(Boolean);
    if (tty) {
      const width = 24;
      const filled = p.total > 0 ? Math.round((p.done / p.total) * width) : 0;
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
      const current = p.current ? `  ${shorten(p.current, 40)}` : '';
      this.err.write(`\r\x1b[2K${this.label} ${bar} ${parts.join(' · ')}${current}`);
      this.drawn = true;
    } else {
      this.err.write(`${this.label}: ${parts.join(', ')}\n`);
    }
  }

  done(): void {
    if (this.drawn) this.err.write('\n');
    this.drawn = false;
  }
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, '0');
  return h > 0 ? `${h}:${String(m % 60).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function shorten(p: string, n: number): string {
  return p.length <= n ? p : `…${p.slice(-(n - 1))}`;
}
