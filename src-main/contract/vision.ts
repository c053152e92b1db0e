/**
 * Contract of the vision operations: what the doors (CLI, HTTP, Electron IPC) send and get back.
 * No logic; the engine validates requests with these schemas.
 */
import { z } from 'zod';

export const BoxSchema = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
});

export const FaceSchema = z.object({
  /** Oriented-image pixels (as a viewer shows the photo). */
  box: BoxSchema,
  /** Detector confidence 0..1. */
  score: z.number(),
  /** Face quality 0..1: geometric mean of size, sharpness and frontalness. */
  quality: z.number(),
  qualityParts: z.object({ size: z.number(), sharpness: z.number(), frontalness: z.number() }),
  /** Five points: image-left eye, image-right eye, nose tip, image-left and image-right mouth corners. */
  landmarks: z.array(z.tuple([z.number(), z.number()])).length(5),
  rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]),
  detectorId: z.string(),
  modelId: z.string(),
});
export type FaceDto = z.infer<typeof FaceSchema>;

export const DetectOptionsSchema = z.object({
  /** Largest faces first; 0 = all. IMM allows up to 100. */
  maxFaces: z.number().int().min(0).max(100).optional(),
  /** Shorter box side in oriented pixels. */
  minFaceSize: z.number().min(0).max(10_000).optional(),
  /** 0 none .. 4 very high; see the quality floors in the docs. */
  qualityControl: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
  /** Try 90/180/270 turns when an image without EXIF orientation yields no face. */
  detectRotated: z.boolean().optional(),
});
export type DetectOptions = z.infer<typeof DetectOptionsSchema>;

export const DetectRequestSchema = z.object({
  path: z.string().min(1),
  options: DetectOptionsSchema.optional(),
});
export type DetectRequest = z.infer<typeof DetectRequestSchema>;

export const DetectResultSchema = z.object({
  path: z.string(),
  image: z.object({ width: z.number(), height: z.number(), orientation: z.number(), format: z.string() }),
  faces: z.array(FaceSchema),
  timingsMs: z.object({ decode: z.number(), detect: z.number(), landmarks: z.number(), embed: z.number() }),
});
export type DetectResult = z.infer<typeof DetectResultSchema>;

export const CompareRequestSchema = z.object({ a: z.string().min(1), b: z.string().min(1) });
export type CompareRequest = z.infer<typeof CompareRequestSchema>;

export const CompareResultSchema = z.object({
  /** Cosine similarity of the two largest faces, -1..1. */
  similarity: z.number(),
  threshold: z.number(),
  samePerson: z.boolean(),
  faceA: FaceSchema,
  faceB: FaceSchema,
});
export type CompareResult = z.infer<typeof CompareResultSchema>;

export const VisionStatusSchema = z.object({
  provider: z.object({ requested: z.string(), active: z.string(), fallbackReason: z.string().optional() }),
  detector: z.string(),
  landmarks: z.string(),
  embedder: z.string(),
  modelsDir: z.string(),
});
export type VisionStatus = z.infer<typeof VisionStatusSchema>;
