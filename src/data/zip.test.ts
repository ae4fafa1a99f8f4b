import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { SourceFile } from './ingest';
import { expandZips } from './zip';
import { listZip, readZipEntry } from './zipArchive';

const MiB = 1024 * 1024;

/** Bytes that do not compress (a seeded xorshift), so stored and deflated sizes differ little. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const zipSource = (path: string, bytes: Uint8Array): SourceFile => ({ path, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) });

/** Rewrites the uncompressed size one entry declares, in its local header and in the central directory. */
function forgeOriginalSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const nameBytes = strToU8(name);
  const matches = (at: number): boolean => nameBytes.every((b, k) => out[at + k] === b);
  let forged = 0;
  for (let i = 0; i + 46 < out.length; i++) {
    const signature = view.getUint32(i, true);
    if (signature === 0x04034b50 && view.getUint16(i + 26, true) === nameBytes.length && matches(i + 30)) {
      view.setUint32(i + 22, size, true);
      forged++;
    } else if (signature === 0x02014b50 && view.getUint16(i + 28, true) === nameBytes.length && matches(i + 46)) {
      view.setUint32(i + 24, size, true);
      forged++;
    }
  }
  if (forged !== 2) throw new Error(`expected a local and a central header for ${name}, found ${forged}`);
  return out;
}

async function contents(files: SourceFile[]): Promise<Array<[string, Uint8Array]>> {
  return Promise.all(files.map(async (f) => [f.path, new Uint8Array(await f.blob.arrayBuffer())] as [string, Uint8Array]));
}

describe('expandZips', () => {
  it('expands a normal archive as a whole-archive unzip does: same paths, order and bytes', async () => {
    const tree: Zippable = {
      'train/abc_01.jpg': noise(3000, 1),
      'train/abc_02.jpg': [noise(40_000, 2), { level: 0 }], // stored, not deflated
      'train_masks/abc_01_mask.gif': new Uint8Array(5000).fill(7),
      'train_masks/abc_02_mask.gif': new Uint8Array(0),
      'train_masks/': {},
      'notes/readme.txt': strToU8('not an image'),
      'ünïcode/photo.PNG': noise(100, 3),
    };
    const zip = zipSync(tree, { level: 6 });
    const whole = unzipSync(zip);
    const { files, skipped } = await expandZips([zipSource('sets/cars.zip', zip), zipSource('loose/a.jpg', noise(10))]);
    expect(skipped).toEqual([]);
    const expected = Object.keys(whole)
      .filter((name) => !name.endsWith('/'))
      .map((name) => `sets/cars/${name}`);
    expect(files.map((f) => f.path)).toEqual([...expected, 'loose/a.jpg']);
    for (const [path, bytes] of await contents(files)) {
      const name = path.replace(/^sets\/cars\//, '');
      if (name === 'notes/readme.txt')
        expect(bytes.length).toBe(0); // listed by name for pairing, not inflated
      else if (path === 'loose/a.jpg') expect(bytes).toEqual(noise(10));
      else expect(bytes, name).toEqual(whole[name]);
    }
  });

  it('refuses a zip bomb from its declared sizes, naming the archive and the sizes, and goes on with the rest', async () => {
    // 64 MiB of zeros deflate to ~64 KiB: a real bomb, refused before inflating anything.
    const bomb = zipSync({ 'train/abc_01.jpg': new Uint8Array(64 * MiB), 'train_masks/abc_01_mask.gif': new Uint8Array(8 * MiB) });
    expect(bomb.length).toBeLessThan(200_000);
    const good = zipSync({ 'train/x.jpg': noise(1000) });
    const { files, skipped } = await expandZips([zipSource('bomb.zip', bomb), zipSource('good.zip', good)], { budgetBytes: 16 * MiB });
    expect(files.map((f) => f.path)).toEqual(['good/train/x.jpg']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.file).toBe('bomb.zip');
    expect(skipped[0]!.reason).toContain('bomb.zip');
    expect(skipped[0]!.reason).toContain('72.0 MiB');
    expect(skipped[0]!.reason).toContain('memory budget of 16.0 MiB');
  });

  it('refuses a tiny archive that declares gigabytes, under the default budget, without allocating them', async () => {
    const zip = forgeOriginalSize(zipSync({ 'train/abc_01.jpg': noise(500) }), 'train/abc_01.jpg', 3.5 * 1024 * MiB);
    const { files, skipped } = await expandZips([zipSource('forged.zip', zip)]);
    expect(files).toEqual([]);
    expect(skipped).toEqual([
      { file: 'forged.zip', reason: expect.stringMatching(/forged\.zip declare 3\.50 GiB unpacked, over the memory budget of 1\.00 GiB/) },
    ]);
  });

  it('counts the budget over all archives dropped together', async () => {
    const a = zipSync({ 'a/x.jpg': new Uint8Array(6 * MiB) });
    const b = zipSync({ 'b/y.jpg': new Uint8Array(6 * MiB) });
    const { files, skipped } = await expandZips([zipSource('a.zip', a), zipSource('b.zip', b)], { budgetBytes: 10 * MiB });
    expect(files.map((f) => f.path)).toEqual(['a/a/x.jpg']);
    expect(skipped.map((s) => s.file)).toEqual(['b.zip']);
    expect(skipped[0]!.reason).toContain('4.0 MiB left');
  });

  it('stops an entry that inflates beyond its declared size and keeps the other entries', async () => {
    // 8 MiB of zeros that declare 1 KiB: the inflater must stop near 1 KiB, not allocate 8 MiB.
    const zip = forgeOriginalSize(zipSync({ 'train/liar.jpg': new Uint8Array(8 * MiB), 'train/ok.jpg': noise(2000) }), 'train/liar.jpg', 1024);
    const { files, skipped } = await expandZips([zipSource('cars.zip', zip)]);
    expect(files.map((f) => f.path)).toEqual(['cars/train/ok.jpg']);
    expect(new Uint8Array(await files[0]!.blob.arrayBuffer())).toEqual(noise(2000));
    expect(skipped).toEqual([{ file: 'cars/train/liar.jpg', reason: expect.stringContaining('unpacks to more than the 1.0 KiB it declares') }]);
  });

  it('refuses a stored entry whose bytes exceed its declared size', async () => {
    const zip = forgeOriginalSize(zipSync({ 'x.png': [noise(4000), { level: 0 }] }), 'x.png', 100);
    const blob = zipSource('x.zip', zip).blob;
    const entries = await listZip(blob);
    await expect(readZipEntry(blob, entries[0]!)).rejects.toThrow(/x\.png unpacks to more than the 100 B it declares/);
  });

  it('skips what is not a zip, as before', async () => {
    const { files, skipped } = await expandZips([zipSource('fake.zip', strToU8('hello, not a zip at all'))]);
    expect(files).toEqual([]);
    expect(skipped).toEqual([{ file: 'fake.zip', reason: expect.stringMatching(/^not a readable zip archive \(/) }]);
  });
});
