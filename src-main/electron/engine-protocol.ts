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
});
export type EngineHostInit = z.infer<typeof EngineHostInitSchema>;

const ApiResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
]);

/** main → engine */
export const ToEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invoke'), id: z.number().int(), channel: z.string().max(64), payload: z.unknown() }),
  z.object({ type: z.literal('media'), id: z.number().int(), kind: z.enum(MEDIA_KINDS), mediaId: z.string().max(256) }),
  z.object({ type: z.literal('shutdown') }),
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
]);
export type FromEngine = z.infer<typeof FromEngineSchema>;
