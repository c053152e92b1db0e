/**
 * Intelligent Media Services (ICE) API 2020-11-09: face search over a media search library.
 * SearchMediaByFace is the coarse search (which media contain this person); SearchMediaClipByFace
 * the fine one (where inside a video), paged under the same FaceSearchToken.
 */
import { callRpc } from './openapi-rpc';
import type { OpenApiContext } from './openapi-rpc';

export const ICE_VERSION = '2020-11-09';

export interface IceSearchMediaByFaceRequest {
  /** HTTP(S) URL of the face image; for a private bucket, a presigned URL. */
  PersonImageUrl: string;
  /** Identifies one search so its pages (and the clip search) belong together. */
  FaceSearchToken: string;
  PageNo?: number;
  /** 1-50, default 10. */
  PageSize?: number;
  EntityId?: string;
  SearchLibName?: string;
  MediaType?: 'image' | 'video';
  Namespace?: string;
  /** JSON, e.g. {"intField1":{"gte":12,"lte":13},"strField1":"abc"}. */
  CustomFilters?: string;
  /** JSON millisecond range, e.g. {"gte":1700000000000,"lte":1800000000000}. */
  UtcCreate?: string;
}

export interface IceSearchMediaByFaceResponse {
  RequestId?: string;
  Success?: string | boolean;
  Code?: string;
  Total?: number;
  MediaInfoList?: Array<{ MediaId?: string }>;
}

export interface IceSearchMediaClipByFaceRequest {
  FaceSearchToken: string;
  MediaId: string;
  PageNo?: number;
  PageSize?: number;
  EntityId?: string;
  SearchLibName?: string;
}

export interface IceTrackData {
  Timestamp?: number;
  BoxPosition?: { X?: number; Y?: number; W?: number; H?: number };
}

export interface IceSearchMediaClipByFaceResponse {
  RequestId?: string;
  Success?: string | boolean;
  Code?: string;
  Total?: number;
  MediaClipList?: Array<{
    Score?: number;
    EntityId?: string;
    LabelName?: string;
    Category?: string;
    OccurrencesInfos?: Array<{ StartTime?: number; EndTime?: number; Expression?: string; TrackData?: IceTrackData[] }>;
  }>;
}

/** GetMediaInfo: the registered media asset, whose InputURL says which OSS object it is. */
export interface IceGetMediaInfoResponse {
  RequestId?: string;
  MediaInfo?: {
    MediaId?: string;
    MediaBasicInfo?: { MediaId?: string; InputURL?: string; MediaType?: string; Title?: string; Status?: string; CoverURL?: string };
  };
}

export class IceClient {
  constructor(private readonly ctx: OpenApiContext) {}

  async searchMediaByFace(req: IceSearchMediaByFaceRequest, opts: { signal?: AbortSignal } = {}): Promise<IceSearchMediaByFaceResponse> {
    if (req.PageSize !== undefined && (req.PageSize < 1 || req.PageSize > 50)) throw new RangeError('PageSize must be 1-50');
    const r = await callRpc<IceSearchMediaByFaceResponse>(this.ctx, {
      api: 'ice', version: ICE_VERSION, action: 'SearchMediaByFace', params: { ...req }, idempotent: true, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return r.body;
  }

  async searchMediaClipByFace(req: IceSearchMediaClipByFaceRequest, opts: { signal?: AbortSignal } = {}): Promise<IceSearchMediaClipByFaceResponse> {
    if (req.PageSize !== undefined && (req.PageSize < 1 || req.PageSize > 50)) throw new RangeError('PageSize must be 1-50');
    const r = await callRpc<IceSearchMediaClipByFaceResponse>(this.ctx, {
      api: 'ice', version: ICE_VERSION, action: 'SearchMediaClipByFace', params: { ...req }, idempotent: true, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return r.body;
  }

  /** A media asset by id (or by InputURL); the search results name media by id only. */
  async getMediaInfo(req: { MediaId?: string; InputURL?: string }, opts: { signal?: AbortSignal } = {}): Promise<IceGetMediaInfoResponse> {
    if (!req.MediaId && !req.InputURL) throw new RangeError('GetMediaInfo needs MediaId or InputURL');
    const r = await callRpc<IceGetMediaInfoResponse>(this.ctx, {
      api: 'ice', version: ICE_VERSION, action: 'GetMediaInfo', params: { ...req }, idempotent: true, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return r.body;
  }

  /**
   * Puts one media file into a search library (created beforehand with CreateSearchLib), so
   * SearchMediaByFace can find it; ICE analyses it asynchronously. Answers with its media id.
   */
  async insertMediaToSearchLib(
    req: { Input: string; SearchLibName?: string; MediaType?: 'image' | 'video' | 'audio'; MediaId?: string; MsgBody?: string },
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ RequestId?: string; MediaId?: string; Code?: string; Success?: string | boolean }> {
    const r = await callRpc<{ RequestId?: string; MediaId?: string; Code?: string; Success?: string | boolean }>(this.ctx, {
      api: 'ice', version: ICE_VERSION, action: 'InsertMediaToSearchLib', params: { ...req }, idempotent: false, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return r.body;
  }
}
