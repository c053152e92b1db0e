/**
 * The renderer's Content Security Policy, in one place: main sends it as a response header (the
 * app: protocol answers every file of the built page with it, see electron/app-protocol.ts), and
 * `src-renderer/index.html` carries the same policy as a <meta> (a unit test keeps the two equal),
 * so the page is covered however it is served (the dev server, web mode).
 *
 * No electron import: the build config and the tests read this module too.
 */

import { MEDIA_SCHEME } from '../contract/channels';

/** Scheme the thumbnail/media protocol registers; allowed for images and media only. */
export { MEDIA_SCHEME };

export interface CspOptions {
  /**
   * Vite's dev server injects component styles as <style> elements and keeps a websocket for hot
   * reload; the production build emits CSS files and needs neither.
   */
  dev?: boolean;
  /** `meta` drops the directives browsers ignore (and warn about) in a <meta> policy. */
  delivery?: 'header' | 'meta';
}

export function contentSecurityPolicy({ dev = false, delivery = 'header' }: CspOptions = {}): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', dev ? ["'self'", "'unsafe-inline'"] : ["'self'"]],
    ['img-src', ["'self'", 'data:', `${MEDIA_SCHEME}:`]],
    ['media-src', ["'self'", `${MEDIA_SCHEME}:`]],
    ['font-src', ["'self'"]],
    ['connect-src', dev ? ["'self'", 'ws://localhost:*', 'ws://127.0.0.1:*'] : ["'self'"]],
    ['worker-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  if (delivery === 'header') directives.push(['frame-ancestors', ["'none'"]]);
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}
