/**
 * A lock file that keeps several processes from fetching into the same models folder at once. The holder
 * refreshes it while working; a lock whose process is gone (same host) or that went unrefreshed is broken.
 */
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { EngineError } from '../../errors';
import { uniqueToken } from './folder-layout';
import type { Logger } from './model-store-types';

// The holder touches the lock every STALE_LOCK_MS / 4; a lock untouched for this long has lost its owner.
export const STALE_LOCK_MS = 2 * 60_000;

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  since: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withLock<T>(lockPath: string, timeoutMs: number, log: Logger | undefined, fn: () => Promise<T>): Promise<T> {
  const me: LockInfo = { pid: process.pid, host: hostname(), token: uniqueToken(), since: new Date().toISOString() };
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      try {
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const [text, st] = await Promise.all([readFile(lockPath, 'utf8').catch(() => ''), stat(lockPath).catch(() => undefined)]);
    if (!st) continue;
    let holder: Partial<LockInfo> = {};
    try {
      holder = JSON.parse(text) as Partial<LockInfo>;
    } catch {
      // Half-written by a holder that is still creating it, or garbage: age decides.
    }
    const deadHolder = holder.host === hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid);
    const untouched = Date.now() - st.mtimeMs > STALE_LOCK_MS;
    if (deadHolder || untouched) {
      // Re-read right before removing so a lock that changed hands meanwhile is left alone.
      if ((await readFile(lockPath, 'utf8').catch(() => '')) === text) {
        log?.(`removing stale lock ${lockPath} (${deadHolder ? `process ${holder.pid} is gone` : 'not refreshed'})`);
        await unlink(lockPath).catch(() => undefined);
      }
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new EngineError(
        'MODEL_FETCH_FAILED',
        `another process (pid ${holder.pid ?? '?'}) has been fetching models into this folder for over ${Math.round(timeoutMs / 60_000)} min; ` +
          `if no other Face Organizer is running, delete ${lockPath} and try again`,
        { lockPath },
      );
    }
    if (!announced) {
      log?.(`waiting for another process (pid ${holder.pid ?? '?'}) that is fetching models…`);
      announced = true;
    }
    await sleep(250);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, STALE_LOCK_MS / 4);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    // Only remove the lock if it is still ours (a stale-lock breaker may have replaced it).
    const text = await readFile(lockPath, 'utf8').catch(() => '');
    if (text === JSON.stringify(me)) await unlink(lockPath).catch(() => undefined);
  }
}
