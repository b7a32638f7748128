import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '@parley/api';

/**
 * Blobs as files under `root` (DATA_DIR/files by default). Writes go to `root/.partial/`
 * first and are renamed into place, so a reader never sees half a file and a failed write
 * leaves nothing under its key.
 */
export function createDiskBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const partialDir = join(base, '.partial');

  const pathOf = (key: string): string => {
    const path = resolve(base, key);
    if (!key || key.includes('\0') || !path.startsWith(base + sep) || path.startsWith(partialDir)) {
      throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
    }
    return path;
  };
  const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

  return {
    kind: 'disk',

    async put(key, body, { size }) {
      const target = pathOf(key);
      await mkdir(partialDir, { recursive: true });
      const partial = join(partialDir, randomBytes(12).toString('hex'));
      let written = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          written += chunk.length;
          if (written > size) callback(new Error(`blob is longer than ${size} bytes`));
          else callback(null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(partial, { flags: 'wx' }));
        if (written !== size) throw new Error(`blob is ${written} bytes, expected ${size}`);
        await mkdir(dirname(target), { recursive: true });
        await rename(partial, target);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },

    async get(key, range) {
      const path = pathOf(key);
      try {
        await access(path, constants.R_OK);
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
      return createReadStream(path, range ? { start: range.start, end: range.end } : {});
    },

    async head(key) {
      try {
        const info = await stat(pathOf(key));
        return info.isFile() ? { size: info.size } : null;
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },

    async deletePrefix(prefix) {
      // Prefixes name a folder (`files/<id>/`) or a single key.
      const path = pathOf(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
      await rm(path, { recursive: true, force: true });
    },

    async list(prefix) {
      let entries: string[];
      try {
        entries = await readdir(base, { recursive: true });
      } catch (error) {
        if (missing(error)) return [];
        throw error;
      }
      const keys: string[] = [];
      for (const entry of entries) {
        const key = entry.split(sep).join('/');
        if (!key.startsWith(prefix) || key.startsWith('.partial')) continue;
        if ((await stat(join(base, entry))).isFile()) keys.push(key);
      }
      return keys;
    },

    async presignGet() {
      return null;
    },

    async ping() {
      await mkdir(base, { recursive: true });
      await access(base, constants.R_OK | constants.W_OK);
    },
  };
}
