/**
 * The built desktop bundle's engine role, run under plain Node: Electron's binary cannot run here,
 * but `out/main/index.js` is what the engine's utility process executes, so this checks the bundle
 * itself — the role switch, the engine's chunks finding their worker-thread entries, models loading,
 * a folder indexed and a thumbnail made — with a stand-in for `process.parentPort` that behaves like
 * Electron's (messages held until the first listener, `{ data, ports }` events).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/paths';
import { makePhotoFolder } from './harness';

const DRIVER = String.raw`
import { MessageChannel } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
const [bundle, libraryDir, photos] = process.argv.slice(2);
const parent = new EventEmitter();
const held = [];
parent.on('newListener', (n) => { if (n === 'message') setImmediate(() => held.splice(0).forEach((e) => parent.emit('message', e))); });
parent.postMessage = () => {};
process.parentPort = parent;
const { port1, port2 } = new MessageChannel();
const hostPort = new EventEmitter();
hostPort.postMessage = (m) => port2.postMessage(m);
hostPort.start = () => {};
hostPort.close = () => port2.close();
port2.on('message', (data) => hostPort.emit('message', { data }));
const out = {};
let id = 0;
const waiting = new Map();
const send = (m) => new Promise((r) => { const i = ++id; waiting.set(i, r); port1.postMessage({ ...m, id: i }); });
let settled;
const done = new Promise((r) => (settled = r));
const ready = new Promise((r) => port1.on('message', (m) => {
  if (m.type === 'ready' || m.type === 'failed') { out.start = m; r(); }
  else if (m.type === 'result') waiting.get(m.id)?.(m.result);
  else if (m.type === 'media') waiting.get(m.id)?.(m.reply);
  else if (m.type === 'event' && m.event === 'task:progress' && m.payload.status !== 'running') settled(m.payload);
  else if (m.type === 'closed') out.closed = true;
}));
held.push({ data: { fetchModels: false, watch: false, libraryDir }, ports: [hostPort] });
await import(bundle);
await ready;
if (out.start.type === 'ready') {
  out.added = await send({ type: 'invoke', channel: 'library:addFolders', payload: { paths: [photos] } });
  await send({ type: 'invoke', channel: 'library:index' });
  out.task = await done;
  // The folder holds a broken file too; a thumbnail is asked for a photo that indexed.
  const list = await send({ type: 'invoke', channel: 'media:list', payload: { kind: 'image', limit: 50 } });
  out.thumb = await send({ type: 'media', kind: 'thumb', mediaId: list.value.items.find((m) => m.status === 'ok').id });
}
// Printed before the shutdown: the engine ends this process, as it ends its utility process.
console.log(JSON.stringify(out));
if (out.start.type === 'ready') port1.postMessage({ type: 'shutdown' });
else process.exit(0);
`;

describe('the desktop bundle', () => {
  it('builds, and its engine role indexes a folder in a utility-process-like child', () => {
    const build = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const driver = join(tempDir('bundle-driver'), 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const run = spawnSync(process.execPath, [driver, join(REPO_ROOT, 'out', 'main', 'index.js'), join(tempDir('bundle-lib'), 'library'), makePhotoFolder()], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000,
    });
    const last = run.stdout.trim().split('\n').pop() ?? '{}';
    const out = JSON.parse(last) as { start: { type: string; message?: string }; task?: { status: string; result: { indexed: number; faces: number } }; thumb?: { ok: boolean; contentType: string } };
    expect(out.start, run.stderr).toMatchObject({ type: 'ready' });
    expect(out.task).toMatchObject({ status: 'succeeded' });
    expect(out.task!.result.indexed).toBeGreaterThanOrEqual(14);
    expect(out.thumb).toMatchObject({ ok: true, contentType: 'image/webp' });
  });
});
