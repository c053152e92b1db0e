/**
 * Who may talk to the web-mode server. It listens on 127.0.0.1 only, but any web page the user has
 * open can still send requests to 127.0.0.1, and a DNS-rebinding page can even make them look
 * same-origin. So every request must:
 * - name this server in `Host` (127.0.0.1:PORT or localhost:PORT): a rebinding page's requests carry
 *   its own host name;
 * - come from this server's origin when the browser says where it comes from (`Origin`,
 *   `Sec-Fetch-Site`), which rules out cross-site pages even before the token is checked;
 * - carry the per-run token (API and events) or the media token (media routes, read-only).
 * No CORS headers are ever sent, so other origins cannot read any answer either.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { contentSecurityPolicy } from '../transport/csp';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison (of digests, so lengths leak nothing either). */
export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
}

export type Refusal = { status: number; reason: string } | null;

/** Host, Origin and fetch-metadata checks every request passes before routing. */
export function checkRequestSource(req: IncomingMessage, port: number): Refusal {
  const host = req.headers.host?.toLowerCase();
  if (!host || !allowedHosts(port).has(host)) return { status: 421, reason: 'this server answers only to 127.0.0.1 and localhost' };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) return { status: 403, reason: 'cross-origin requests are refused' };
  const site = req.headers['sec-fetch-site'];
  // 'none' is the user typing the URL or opening a bookmark; 'same-origin' is the page itself.
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { status: 403, reason: 'cross-site requests are refused' };
  return null;
}

export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

/** Security headers on every answer; the page itself also gets the CSP. */
export function baseHeaders(): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  };
}

/** The renderer's policy (the one Electron sends), as a header, so `frame-ancestors` applies too. */
export const PAGE_CSP = contentSecurityPolicy({ delivery: 'header' });
