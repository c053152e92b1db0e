/**
 * Whether a folder lives on a network file system, where change events do not arrive (inotify and
 * FSEvents only see changes made by this machine) and the watcher must poll instead.
 *
 * Detected from the file system's magic number (statfs f_type), which Linux reports reliably. Elsewhere
 * (macOS, Windows) the number is not a stable identifier, so nothing is detected there and the setting
 * `watchPolling: 'always'` is the way to poll.
 */
import { statfs } from 'node:fs/promises';

/** Linux f_type values of network and remote file systems (linux/magic.h and the FUSE/9p sources). */
const NETWORK_MAGIC = new Set<number>([
  0x6969, // NFS
  0xff534d42, // CIFS
  0xfe534d42, // SMB2/3
  0x517b, // SMB (old)
  0x01021997, // 9p (WSL and VM shared folders)
  0x65735546, // FUSE: sshfs, rclone, gvfs SMB — polling is the only safe choice for these too
  0x564c, // NCP
  0x6b414653, // AFS
  0x47504653, // GPFS
]);

export async function isNetworkFileSystem(path: string): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    return NETWORK_MAGIC.has((await statfs(path)).type);
  } catch {
    return false;
  }
}
