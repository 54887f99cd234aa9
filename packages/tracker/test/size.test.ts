/**
 * The byte budget of issue 3, measured on what the build ships: the default script <= 1,024 bytes gzipped, the
 * full one (every optional feature) <= 1,536. Also checks the files and manifest the server and dashboard rely on.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FEATURES, type TrackerManifest } from '../build.mjs';
import { buildTrackerInto } from './support.js';

let built: Awaited<ReturnType<typeof buildTrackerInto>>;
let manifest: TrackerManifest;

beforeAll(async () => {
  built = await buildTrackerInto();
  manifest = built.manifest;
});
afterAll(() => built?.cleanup());

describe('tracker size budget', () => {
  it('keeps the default script within 1,024 bytes gzipped', () => {
    expect(manifest.default!.file).toBe('s.js');
    expect(manifest.default!.gzipBytes).toBeLessThanOrEqual(1024);
  });

  it('keeps the script with every optional feature within 1,536 bytes gzipped', () => {
    expect(manifest.full!.file).toBe('s.full.js');
    expect([...manifest.full!.features].sort()).toEqual([...ALL_FEATURES].sort());
    expect(manifest.full!.gzipBytes).toBeLessThanOrEqual(1536);
  });

  it('measures the bytes actually written, and ships precompressed copies of them', async () => {
    for (const variant of Object.values(manifest)) {
      const script = await readFile(join(built.dir, variant.file));
      expect(script.length).toBe(variant.bytes);
      const gz = await readFile(join(built.dir, `${variant.file}.gz`));
      expect(gunzipSync(gz).equals(script)).toBe(true);
      expect(gz.length).toBeLessThanOrEqual(variant.gzipBytes);
    }
  });
});

describe('tracker build output', () => {
  it('writes a content-addressed copy whose SRI hash matches its bytes', async () => {
    for (const variant of Object.values(manifest)) {
      expect(variant.versionedFile).toMatch(/^s(\.full)?\.[0-9a-f]{10}\.js$/);
      const stable = await readFile(join(built.dir, variant.file));
      const versioned = await readFile(join(built.dir, variant.versionedFile));
      expect(versioned.equals(stable)).toBe(true);
      expect(variant.sri).toBe(`sha384-${createHash('sha384').update(versioned).digest('base64')}`);
    }
    const written = JSON.parse(await readFile(join(built.dir, 'manifest.json'), 'utf8'));
    expect(written).toEqual(manifest);
  });

  it('is reproducible: the same source builds the same versioned names', async () => {
    const again = await buildTrackerInto();
    try {
      expect(again.manifest.default!.versionedFile).toBe(manifest.default!.versionedFile);
      expect(again.manifest.full!.versionedFile).toBe(manifest.full!.versionedFile);
    } finally {
      await again.cleanup();
    }
  });

  it('compiles the optional features out of the default script', async () => {
    const script = await readFile(join(built.dir, 's.js'), 'utf8');
    for (const marker of ['Outbound Link', 'File Download', 'data-sl-event', 'Form: Submission'])
      expect(script).not.toContain(marker);
    const fullScript = await readFile(join(built.dir, 's.full.js'), 'utf8');
    for (const marker of ['Outbound Link', 'File Download', 'data-sl-event', 'Form: Submission'])
      expect(fullScript).toContain(marker);
  });
});
