// The columns a sheet may have: the template's 16 (test/fixtures/csv), in its order, then the quote grid's
// measurement columns, each with the spellings people use. Aliases are header keys (headers.ts: lower case,
// letters and digits only), e.g. "Sample ID" is `sampleid`.
import type { SheetField } from './types.ts';
import type { Dimension } from './units.ts';

export interface FieldSpec {
  field: SheetField;
  /** The template's column name; null for columns the template does not have. */
  template: string | null;
  /** What a number field measures, for its units; null for text fields. */
  dimension: Dimension | null;
  /** Alias keys, besides the template name and the field name. */
  aliases: readonly string[];
}

const spec = (field: SheetField, template: string | null, dimension: Dimension | null, aliases: string) => ({
  field,
  template,
  dimension,
  aliases: aliases.split(' '),
});

export const SHEET_FIELDS: readonly FieldSpec[] = [
  spec('sampleName', 'sample_name', null, 'sample name sampleid samplelabel samplenames nameofsample'),
  spec('projectId', 'project_id', null, 'project projectname projectcode projectnumber projectno'),
  spec(
    'submitterName',
    'submitter_name',
    null,
    'submitter submittedby requester requestername requestor requestorname contact contactname researcher customer customername',
  ),
  spec(
    'submitterEmail',
    'submitter_email',
    null,
    'email emailaddress mail requesteremail requestoremail contactemail submitteremailaddress',
  ),
  spec('lab', 'lab_name', null, 'laboratory labgroup group pilab'),
  spec(
    'sampleType',
    'sample_type',
    null,
    'type typeofsample material materialtype nucleicacid nucleicacidtype dnarna',
  ),
  spec('buffer', 'sample_buffer', null, 'elutionbuffer storagebuffer solvent'),
  spec(
    'concentrationNgPerUl',
    'concentration',
    'concentration',
    'conc sampleconcentration sampleconc dnaconcentration dnaconc rnaconcentration rnaconc',
  ),
  spec('volumeUl', 'volume', 'volume', 'vol samplevolume samplevol totalvolume'),
  spec('totalNg', 'total_amount', 'mass', 'total amount totalmass totaldna totalrna totalyield yield mass'),
  spec(
    'flowCellType',
    'flow_cell_type',
    null,
    'flowcell flowcellchemistry chemistry poretype flowcellversion flowcellproduct flowcellproductcode productcode',
  ),
  spec(
    'flowCellCount',
    'flow_cell_count',
    'count',
    'flowcells numberofflowcells noofflowcells nflowcells numflowcells flowcellno flowcellqty flowcellquantity estimatednumberofflowcells flowcellsrequested',
  ),
  spec('priority', 'priority', null, 'urgency prio'),
  spec('assignedTo', 'assigned_to', null, 'assignee assigned'),
  spec('libraryPrepBy', 'library_prep_by', null, 'libraryprep libprepby libprep prepby preparedby'),
  spec(
    'chartField',
    'chart_field',
    null,
    'chartstring chartfields billing billingcode account accountnumber accountcode costcenter',
  ),
  spec('qubitNgPerUl', null, 'concentration', 'qubit qubitconc qubitconcentration'),
  spec('nanodropNgPerUl', null, 'concentration', 'nanodrop nanodropconc nanodropconcentration'),
  spec('a260_280', null, 'ratio', '260280 a260a280 a260280ratio a260a280ratio 260280ratio ratio260280'),
  spec('a260_230', null, 'ratio', '260230 a260a230 a260230ratio a260a230ratio 260230ratio ratio260230'),
];

/** The template's 16 column names, in its order (e.g. for offering a blank template). */
export const TEMPLATE_COLUMNS: readonly string[] = SHEET_FIELDS.flatMap((s) =>
  s.template ? [s.template] : [],
);
