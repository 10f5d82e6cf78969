import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  calibrate,
  calibrationError,
  fitIsotonic,
  latestCalibrationMap,
  loadCalibrationMap,
  type Labelled,
} from './calibration.ts';
import {
  calibrateOcrWord,
  OCR_WORD_CALIBRATION,
  OCR_WORD_CALIBRATION_DIR,
  OCR_WORD_CALIBRATION_FILE,
} from './calibration/ocr-word.ts';
import { ISSUE_THRESHOLD } from '../submission/quote-pdf/confidence.ts';

const labelled = (pairs: [number, 0 | 1][]): Labelled[] =>
  pairs.map(([confidence, correct]) => ({ confidence, correct: correct === 1 }));

/** mulberry32, so the synthetic sets are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fitIsotonic (pool-adjacent-violators)', () => {
  it('pools exactly the violating neighbours, by hand', () => {
    // Accuracies in raw order: 1, 0, 1, 0, 1, 1 → the pairs (0.2, 0.3) and (0.4, 0.5) violate; PAV pools
    // 0.1-0.2 to 0.5, then 0.3-0.4 to 0.5, equal to the block before: merged only when strictly above, so kept.
    const points = fitIsotonic(
      labelled([
        [0.1, 1],
        [0.2, 0],
        [0.3, 1],
        [0.4, 0],
        [0.5, 1],
        [0.6, 1],
      ]),
    );
    expect(points).toEqual([
      { raw: expect.closeTo(0.15, 10), calibrated: 0.5 },
      { raw: expect.closeTo(0.35, 10), calibrated: 0.5 },
      { raw: 0.5, calibrated: 1 },
      { raw: 0.6, calibrated: 1 },
    ]);
  });

  it('pools a run of violators into one block with the mean accuracy', () => {
    // 1, 1, 0, 0 in raw order: everything pools into one block of accuracy 0.5 at raw 0.25.
    expect(
      fitIsotonic(
        labelled([
          [0.4, 0],
          [0.1, 1],
          [0.3, 0],
          [0.2, 1],
        ]),
      ),
    ).toEqual([{ raw: expect.closeTo(0.25, 10), calibrated: 0.5 }]);
  });

  it('gives one value to equal confidences and leaves a monotone set alone', () => {
    const points = fitIsotonic(
      labelled([
        [0.2, 0],
        [0.2, 1],
        [0.9, 1],
      ]),
    );
    expect(points).toEqual([
      { raw: 0.2, calibrated: 0.5 },
      { raw: 0.9, calibrated: 1 },
    ]);
  });

  it('fits a non-decreasing map on noisy data, and refuses no data', () => {
    const next = random(3);
    const samples = Array.from({ length: 2000 }, () => {
      const confidence = next();
      return { confidence, correct: next() < confidence ** 2 };
    });
    const points = fitIsotonic(samples);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]!.raw).toBeGreaterThan(points[i - 1]!.raw);
      expect(points[i]!.calibrated).toBeGreaterThanOrEqual(points[i - 1]!.calibrated);
    }
    expect(() => fitIsotonic([])).toThrow(/no samples/);
  });
});

describe('calibrate', () => {
  const map = {
    points: [
      { raw: 0.2, calibrated: 0.1 },
      { raw: 0.6, calibrated: 0.5 },
      { raw: 0.9, calibrated: 0.8 },
    ],
  };

  it('interpolates between knots and is flat and clamped beyond them', () => {
    expect(calibrate(0.4, map)).toBeCloseTo(0.3, 10);
    expect(calibrate(0.75, map)).toBeCloseTo(0.65, 10);
    expect(calibrate(0, map)).toBe(0.1);
    expect(calibrate(1, map)).toBe(0.8);
    expect(calibrate(7, map)).toBe(0.8);
    expect(calibrate(Number.NaN, map)).toBe(0.1);
  });

  it('is monotone', () => {
    let previous = -1;
    for (let raw = 0; raw <= 1; raw += 0.001) {
      const value = calibrate(raw, map);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
  });
});

describe('calibrationError', () => {
  it('is about 0 for a perfectly calibrated set', () => {
    const next = random(5);
    const samples = Array.from({ length: 50_000 }, () => {
      const confidence = next();
      return { confidence, correct: next() < confidence };
    });
    const { ece, mce } = calibrationError(samples, 15);
    expect(ece).toBeLessThan(0.01);
    expect(mce).toBeLessThan(0.03);
  });

  it('measures an overconfident set', () => {
    // Says 0.95, right half the time: one bin, gap 0.45.
    const samples = labelled(Array.from({ length: 100 }, (_, i) => [0.95, (i % 2) as 0 | 1]));
    const { ece, mce, bins } = calibrationError(samples, 10);
    expect(ece).toBeCloseTo(0.45, 10);
    expect(mce).toBeCloseTo(0.45, 10);
    expect(bins.filter((b) => b.count > 0)).toHaveLength(1);
  });

  it('weighs bins by their counts; MCE is the worst bin', () => {
    // 90 at 0.9, all right (gap 0.1); 10 at 0.1, all right (gap 0.9).
    const samples = labelled([
      ...Array.from({ length: 90 }, (): [number, 0 | 1] => [0.9, 1]),
      ...Array.from({ length: 10 }, (): [number, 0 | 1] => [0.1, 1]),
    ]);
    const { ece, mce } = calibrationError(samples, 10);
    expect(ece).toBeCloseTo(0.9 * 0.1 + 0.1 * 0.9, 10);
    expect(mce).toBeCloseTo(0.9, 10);
  });
});

describe('calibration map files', () => {
  const good = {
    version: 2,
    method: 'isotonic-pav',
    source: 'test',
    fittedOn: { renditions: ['a'], samples: 10, correct: 8 },
    points: [
      { raw: 0.1, calibrated: 0.2 },
      { raw: 0.5, calibrated: 0.9 },
    ],
  };

  it('loads the newest version and refuses a broken or non-monotone file, naming it', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'calibration-'));
    writeFileSync(path.join(directory, 'm-v1.json'), JSON.stringify({ ...good, version: 1 }));
    writeFileSync(path.join(directory, 'm-v2.json'), JSON.stringify(good));
    expect(latestCalibrationMap('m', directory).map.version).toBe(2);

    const decreasing = path.join(directory, 'decreasing.json');
    writeFileSync(decreasing, JSON.stringify({ ...good, points: [...good.points].reverse() }));
    expect(() => loadCalibrationMap(decreasing)).toThrow(
      `calibration map ${decreasing} is invalid: points.1`,
    );
    const truncated = path.join(directory, 'truncated.json');
    writeFileSync(truncated, '{"version": 1,');
    expect(() => loadCalibrationMap(truncated)).toThrow(`calibration map ${truncated} could not be read`);

    writeFileSync(path.join(directory, 'm-v3.json'), JSON.stringify(good));
    expect(() => latestCalibrationMap('m', directory)).toThrow(/m-v3\.json says version 2, its name 3/);
    expect(() => latestCalibrationMap('other', directory)).toThrow(/no calibration map other-v<n>\.json/);
  });
});

describe('the committed OCR word map', () => {
  const sample = JSON.parse(
    readFileSync(new URL('../../test/fixtures/calibration/ocr-word-heldout.json', import.meta.url), 'utf8'),
  ) as { pairs: [number, 0 | 1][] };
  const pairs = labelled(sample.pairs);

  it('is the newest file in its directory, fitted by PAV, and monotone', () => {
    expect(OCR_WORD_CALIBRATION_FILE).toBe(
      path.join(OCR_WORD_CALIBRATION_DIR, `ocr-word-v${OCR_WORD_CALIBRATION.version}.json`),
    );
    expect(OCR_WORD_CALIBRATION.method).toBe('isotonic-pav');
    let previous = -1;
    for (let raw = 0; raw <= 1.0001; raw += 0.0005) {
      const value = calibrateOcrWord(raw);
      expect(value).toBeGreaterThanOrEqual(previous);
      expect(value).toBeLessThanOrEqual(1);
      previous = value;
    }
  });

  it('lowers the calibration error of held-out OCR words it was not fitted on', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(200);
    expect(pairs.some((p) => !p.correct)).toBe(true);
    const raw = calibrationError(pairs, 15);
    const calibrated = calibrationError(
      pairs.map((p) => ({ ...p, confidence: calibrateOcrWord(p.confidence) })),
      15,
    );
    expect(calibrated.ece).toBeLessThan(raw.ece);
  });

  it('sends to review no fewer of the held-out wrong words than the raw confidence did', () => {
    const wrong = pairs.filter((p) => !p.correct);
    const reviewedRaw = wrong.filter((p) => p.confidence < ISSUE_THRESHOLD).length;
    const reviewed = wrong.filter((p) => calibrateOcrWord(p.confidence) < ISSUE_THRESHOLD).length;
    expect(reviewed).toBeGreaterThanOrEqual(reviewedRaw);
  });
});
