/** E2E global setup: the web UI the server serves must match the sources under test. */
import { buildRenderer, rendererState } from '../../src-main/server/renderer-build';

export default async function setup(): Promise<void> {
  const state = await rendererState();
  if (state !== 'ready') {
    console.log(`[e2e] web UI ${state}: building it`);
    await buildRenderer();
  }
}
