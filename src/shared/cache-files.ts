import * as fs from 'fs';
import * as path from 'path';

/**
 * The two file operations of the content-keyed caches under `.cache/` (the bundle cache, the
 * guard cache, the test shards' times), which concurrent processes share: jest workers, a synth
 * beside the tests.
 */

/** Writes `file` beside its final name and renames it into place: a concurrent reader never sees half a file. */
export function writeFileAtomically(file: string, data: string | NodeJS.ArrayBufferView): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Removes the entries of `dir` (files or directories) not modified for `maxAgeMs`, except
 * `keep` (names or full paths). An entry another process removes meanwhile is skipped.
 */
export function removeUntouchedFor(dir: string, maxAgeMs: number, keep: readonly string[] = []): void {
  const now = Date.now();
  for (const entry of fs.readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (keep.includes(entry) || keep.includes(full)) continue;
    try {
      if (now - fs.statSync(full).mtimeMs > maxAgeMs) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // Removed by a concurrent process.
    }
  }
}
