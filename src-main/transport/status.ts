/**
 * HTTP status codes for the answers a door gives outside the `ApiResult` envelope: refused media
 * requests (the web server and Electron's `face-media:` protocol answer the same codes) and
 * transport failures of the web API. Engine failures travel inside the envelope with their codes.
 */
import type { TransportErrorCode } from '../contract/channels';
import type { MediaRefusal } from '../engine/media/media-files';

const MEDIA_STATUS: Record<MediaRefusal, number> = {
  'bad-request': 400,
  'unknown-id': 404,
  'missing-file': 404,
  'outside-library': 403,
  undecodable: 422,
};

/** 404 for ids and files, 403 for places outside the library, 422 for files that do not decode. */
export function mediaRefusalStatus(reason: MediaRefusal): number {
  return MEDIA_STATUS[reason];
}

const TRANSPORT_STATUS: Record<TransportErrorCode, number> = {
  UNKNOWN_CHANNEL: 404,
  UNTRUSTED_SENDER: 401,
  INVALID_ARGUMENT: 400,
  UNSUPPORTED: 501,
  ENGINE_UNAVAILABLE: 503,
  TRANSPORT_FAILED: 502,
  INTERNAL: 500,
};

/** The status a web answer carries when the request failed before reaching a handler. */
export function transportStatus(code: TransportErrorCode): number {
  return TRANSPORT_STATUS[code];
}
