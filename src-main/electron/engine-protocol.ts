/**
 * The messages between Electron main and the engine's utility process, over a MessagePort. Main
 * forwards renderer requests it has already checked against the contract; the engine process
 * checks them again (its dispatcher parses every payload) and answers with `ApiResult` envelopes.
 * Both sides parse what they receive with these schemas and drop anything else.
 *
 * No electron import: both processes and the tests read this file.
 */
import { z } from 'zod';
import { EVENT_NAMES, MEDIA_KINDS } from '../contract/channels';

export const EngineHostInitSchema = z.object({
  /** Library folder; absent: the default one in the user's data folder. */
  libraryDir: z.string().optional(),
  modelsDir: z.string().optional(),
  /** Packaged apps ship their models; a checkout fetches them on first use. */
  fetchModels: z.boolean(),
  /** Index the folders at start and watch them while the app runs. */
  watch: z.boolean(),
  /**
   * Main has a usable Electron safeStorage and answers 'crypto' requests with it: the engine then
   * keeps the cloud AccessKey encrypted by the OS. False or absent: the engine's file fallback.
   */
  osEncryption: z.boolean().default(false),
});
export type EngineHostInit = z.input<typeof EngineHostInitSchema>;

const ApiResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
]);

/**
 * Bounds a 'crypto' request's text: the engine only encrypts AccessKey credentials (a few hundred
 * bytes, an STS token up to 8 KiB), so anything near this is a bug, not a key.
 */
export const CRYPTO_MAX_CHARS = 64 * 1024;
/** An answer's text: base64 of safeStorage's ciphertext of up to CRYPTO_MAX_CHARS characters. */
const CRYPTO_RESULT_MAX_CHARS = 8 * CRYPTO_MAX_CHARS;

/** main → engine */
export const ToEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invoke'), id: z.number().int(), channel: z.string().max(64), payload: z.unknown() }),
  z.object({ type: z.literal('media'), id: z.number().int(), kind: z.enum(MEDIA_KINDS), mediaId: z.string().max(256) }),
  z.object({ type: z.literal('shutdown') }),
  /** main's answer to 'crypto': base64 ciphertext (encrypt) or the plain text (decrypt), or why not. */
  z.object({
    type: z.literal('cryptoResult'),
    id: z.number().int(),
    ok: z.boolean(),
    data: z.string().max(CRYPTO_RESULT_MAX_CHARS).optional(),
    message: z.string().max(1000).optional(),
  }),
]);
export type ToEngine = z.infer<typeof ToEngineSchema>;

export const MediaReplySchema = z.union([
  z.object({ ok: z.literal(true), file: z.string(), contentType: z.string(), cacheControl: z.string() }),
  z.object({ ok: z.literal(false), status: z.number().int(), reason: z.string() }),
]);
export type MediaReply = z.infer<typeof MediaReplySchema>;

/** engine → main */
export const FromEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), provider: z.string() }),
  z.object({ type: z.literal('failed'), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('result'), id: z.number().int(), result: ApiResultSchema }),
  z.object({ type: z.literal('media'), id: z.number().int(), reply: MediaReplySchema }),
  z.object({ type: z.literal('event'), event: z.enum(EVENT_NAMES), payload: z.unknown() }),
  z.object({ type: z.literal('closed') }),
  /**
   * Asks main's safeStorage to encrypt (data: the plain text) or decrypt (data: base64 ciphertext);
   * answered by 'cryptoResult' with the same id.
   */
  z.object({ type: z.literal('crypto'), id: z.number().int(), op: z.enum(['encrypt', 'decrypt']), data: z.string().max(CRYPTO_MAX_CHARS) }),
]);
export type FromEngine = z.infer<typeof FromEngineSchema>;
