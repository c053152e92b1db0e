/**
 * Query faces: the faces of a query image (or a stored face) that a search runs with, picked the way
 * the cloud APIs pick them: the largest face by default, a chosen index, or the N largest; with the
 * minimum size and quality-control level applied to the query, and a distinct error when nothing is
 * left to search with.
 */
import { EngineError } from '../errors';
import type { QueryFace, QueryImage } from '../../contract/search';
import type { LibraryStore } from '../store/library-store';
import type { AnalyzeOptions, Face } from '../vision/face-analyzer';
import { QUALITY_FLOORS } from '../vision/quality';

/** What search needs from the face pipeline: the Engine's `analyze` (faces with L2-normalized embeddings). */
export interface FaceSource {
  analyze(input: string | Buffer, options?: Partial<AnalyzeOptions>): Promise<Face[]>;
}

export interface ResolvedQuery {
  queryFace: QueryFace;
  vector: Float32Array;
  modelId: string;
  /** A stored face used as the query: left out of its own results. */
  excludeFaceId?: string;
}

export interface PickOptions {
  faceIndex?: number | undefined;
  maxFaces?: number | undefined;
  minFaceSize?: number | undefined;
  qualityControl?: number | undefined;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function describe(image: QueryImage): string {
  return typeof image === 'string' ? image : `the uploaded image (${image.byteLength} bytes)`;
}

export async function facesOfImage(source: FaceSource, image: QueryImage, opts: PickOptions): Promise<ResolvedQuery[]> {
  const input = typeof image === 'string' ? image : Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  // Largest first, whatever order the pipeline used, so index 0 is IMM's "largest face".
  const faces = [...(await source.analyze(input))]
    .map((face, i) => ({ face, i }))
    .sort((a, b) => b.face.box.width * b.face.box.height - a.face.box.width * a.face.box.height || a.i - b.i)
    .map((x) => x.face);
  const where = describe(image);
  if (faces.length === 0) throw new EngineError('QUERY_NO_FACE', `No face was found in ${where}`, { faces: 0 });
  const minSize = opts.minFaceSize ?? 0;
  const qc = (opts.qualityControl ?? 0) as keyof typeof QUALITY_FLOORS;
  const floor = QUALITY_FLOORS[qc] ?? 0;
  const usable = (f: Face) => Math.min(f.box.width, f.box.height) >= minSize && f.quality >= floor;
  const why = () =>
    [minSize > 0 ? `at least ${minSize} px` : null, floor > 0 ? `of quality level ${qc} (quality >= ${floor})` : null].filter(Boolean).join(' and ');
  let picked: { face: Face; index: number }[];
  if (opts.faceIndex !== undefined) {
    const face = faces[opts.faceIndex];
    if (!face) {
      throw new EngineError('QUERY_NO_FACE', `faceIndex ${opts.faceIndex} is out of range: ${where} has ${faces.length} face${faces.length === 1 ? '' : 's'} (indexes 0-${faces.length - 1})`, {
        faces: faces.length,
      });
    }
    if (!usable(face)) throw new EngineError('QUERY_NO_FACE', `Face ${opts.faceIndex} of ${where} is not ${why()}`, { faces: faces.length });
    picked = [{ face, index: opts.faceIndex }];
  } else {
    picked = faces
      .map((face, index) => ({ face, index }))
      .filter((x) => usable(x.face))
      .slice(0, opts.maxFaces ?? 1);
    if (picked.length === 0) {
      throw new EngineError('QUERY_NO_FACE', `${where} has ${faces.length} face${faces.length === 1 ? '' : 's'}, none ${why()}`, { faces: faces.length });
    }
  }
  return picked.map(({ face, index }) => ({
    queryFace: {
      index,
      box: { x: round1(face.box.x), y: round1(face.box.y), width: round1(face.box.width), height: round1(face.box.height) },
      quality: Math.round(face.quality * 1000) / 1000,
    },
    vector: face.embedding,
    modelId: face.modelId,
  }));
}

export async function storedFace(store: LibraryStore, faceId: string): Promise<ResolvedQuery> {
  const [row] = await store.faces.byIds([faceId], ['id', 'x', 'y', 'w', 'h', 'quality', 'model_id', 'vector']);
  if (!row) throw new EngineError('NOT_FOUND', `No face with id ${faceId} is in the library`, { faceId });
  return {
    queryFace: { index: 0, faceId, box: { x: row.x, y: row.y, width: row.w, height: row.h }, quality: row.quality },
    vector: Float32Array.from(row.vector),
    modelId: row.model_id,
    excludeFaceId: faceId,
  };
}
