/** The cloud's developer endpoint override. Its tunables are the `cloud` slice of settings.ts. */
import { EngineError } from '../errors';

/**
 * Developer and test setting: send every cloud call to a local stand-in (the test emulator) instead
 * of Alibaba Cloud. Only loopback addresses are accepted, so it can never point signed requests at
 * another machine.
 */
export const CLOUD_ENDPOINT_ENV = 'FACE_ORGANIZER_CLOUD_ENDPOINT';

export function loopbackEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[CLOUD_ENDPOINT_ENV];
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', `${CLOUD_ENDPOINT_ENV} is not a URL: "${raw}".`);
  }
  if (u.protocol !== 'http:' || !['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname) || u.pathname !== '/' || u.search) {
    throw new EngineError('INVALID_ARGUMENT', `${CLOUD_ENDPOINT_ENV} must be a loopback address like http://127.0.0.1:8080, got "${raw}".`);
  }
  return u.origin;
}
