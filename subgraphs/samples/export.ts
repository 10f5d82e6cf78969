// The rows of a samples export file (exportSamples' link, export-route.ts): one row per sample with the columns
// below, as CSV (the kit's formula-safe RFC 4180 writer) or as a JSON array of objects with the same keys. Dates
// are ISO 8601 (UTC); derived measurements (concentration, total ng) are computed as the API computes them.
import type { Sample } from '../../generated/prisma/samples/client.ts';
import { getConcentration, getTotalNg } from './measurements.ts';

export const EXPORT_COLUMNS = [
  'id',
  'labSampleId',
  'name',
  'submissionId',
  'rowNumber',
  'isControl',
  'status',
  'stage',
  'priority',
  'qcStatus',
  'ownerId',
  'assigneeId',
  'requesterName',
  'requesterEmail',
  'lab',
  'nucleicAcid',
  'materialType',
  'volumeUl',
  'qubitNgPerUl',
  'nanodropNgPerUl',
  'concentrationNgPerUl',
  'totalNg',
  'a260_280',
  'a260_230',
  'libraryKit',
  'flowCellFormat',
  'barcode',
  'receivedAt',
  'dueAt',
  'completedAt',
  'createdAt',
] as const;

export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
export type ExportRecord = Record<ExportColumn, string | number | boolean | null>;

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function toExportRecord(s: Sample): ExportRecord {
  return {
    id: s.id,
    labSampleId: s.labSampleId,
    name: s.name,
    submissionId: s.submissionId,
    rowNumber: s.rowNumber,
    isControl: s.isControl,
    status: s.status,
    stage: s.stage,
    priority: s.priority,
    qcStatus: s.qcStatus,
    ownerId: s.ownerId,
    assigneeId: s.assigneeId,
    requesterName: s.requesterName,
    requesterEmail: s.requesterEmail,
    lab: s.lab,
    nucleicAcid: s.nucleicAcid,
    materialType: s.materialType,
    volumeUl: s.volumeUl,
    qubitNgPerUl: s.qubitNgPerUl,
    nanodropNgPerUl: s.nanodropNgPerUl,
    concentrationNgPerUl: getConcentration(s),
    totalNg: getTotalNg(s),
    a260_280: s.a260_280,
    a260_230: s.a260_230,
    libraryKit: s.libraryKit,
    flowCellFormat: s.flowCellFormat,
    barcode: s.barcode,
    receivedAt: iso(s.receivedAt),
    dueAt: iso(s.dueAt),
    completedAt: iso(s.completedAt),
    createdAt: iso(s.createdAt),
  };
}
