/**
 * The renderer-facing API contract: for every channel in `channels.ts`, what it accepts and
 * answers. Electron's main process, the web-mode server, the renderer's client (types only) and
 * the tests read this file, so a channel is added here (and its name in channels.ts) once.
 *
 * Plain zod and types only: no electron, no engine, no logic beyond parsing.
 */
import { z } from 'zod';
import type { ApiErrorData, EventName, InvokeChannel } from './channels';

export * from './channels';

export const AppInfoSchema = z.object({
  version: z.string(),
  platform: z.string(),
  /** Electron's version; `null` in web mode, where no Electron is involved. */
  electron: z.string().nullable(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/**
 * Requests without arguments accept only `undefined`, so a renderer cannot pass fields that main
 * ignores today and a later version might trust.
 */
export const INVOKE_CONTRACT = {
  'app:info': { request: z.undefined(), response: AppInfoSchema },
} as const satisfies { [C in InvokeChannel]: { request: z.ZodType; response: z.ZodType } };

export const EVENT_CONTRACT = {} as const satisfies { [E in EventName]: z.ZodType };

export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof INVOKE_CONTRACT)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.output<(typeof INVOKE_CONTRACT)[C]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENT_CONTRACT)[E]>;

export const ApiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<ApiErrorData>;
