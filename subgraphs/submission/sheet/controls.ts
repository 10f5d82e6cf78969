// Control rows: a positive or negative control, a blank or a no-template control is sequenced but is no sample of
// the submitter's, and has no QC expectations. Recognised by the whole name, so "Control-treated liver 3" is a
// sample and "Negative control 2" is a control.

const CONTROL_NAMES = [
  /^(?:positive|negative|pos|neg|lambda|dcs|internal|extraction|reagent|kit|mock|water|pcr)? ?(?:control|ctrl|ctl)(?: ?[a-z]?\d{0,3}[a-z]?)?$/,
  /^(?:extraction |reagent |water |kit )?blank(?: ?\d{0,3})?$/,
  /^(?:ntc|nec|no template control|no template|non template control)(?: ?\d{0,3})?$/,
  /^(?:pos|neg)(?: ?\d{1,3})?$/, // not PC/NC: PC-3 is a cell line
];

/** Whether a sample name names a control ("Positive control", "BLANK", "Negative control", "NTC", "neg-ctrl 2"). */
export function isControlName(name: string): boolean {
  const words = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.#()]+/g, ' ')
    .trim();
  return CONTROL_NAMES.some((pattern) => pattern.test(words));
}
