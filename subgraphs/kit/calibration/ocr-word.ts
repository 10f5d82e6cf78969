// Tesseract's word confidence (readScan's OcrWord.confidence) calibrated on the scanned renditions of the real
// quote: fitted and written by `npx tsx bench/calibration.ts --write` as ocr-word-v<version>.json beside this file.
// Loaded when this module is first imported, so a missing or broken map stops startup with the file's name.
import { fileURLToPath } from 'node:url';
import { calibrate, latestCalibrationMap, type CalibrationMap } from '../calibration.ts';

export const OCR_WORD_CALIBRATION_DIR = fileURLToPath(new URL('./', import.meta.url));

const loaded = latestCalibrationMap('ocr-word', OCR_WORD_CALIBRATION_DIR);

/** The committed map in use, and its file. */
export const OCR_WORD_CALIBRATION: CalibrationMap = loaded.map;
export const OCR_WORD_CALIBRATION_FILE = loaded.path;

/** The probability (0-1) that an OCR word of raw tesseract confidence `raw` (0-1) was read right at its place. */
export const calibrateOcrWord = (raw: number): number => calibrate(raw, OCR_WORD_CALIBRATION);
