// Every text a client can send has a maximum, declared once where integrators read it: the SDL description of
// the argument or input field says "At most N characters." (GraphiQL shows it through the router). The kit reads
// those sentences when a subgraph's schema is built, refuses to start when a String input has none, and checks
// every text argument before the field's resolver runs (after the permission rules), so an over-long value is a
// BAD_USER_INPUT naming the field and the limit, and nothing is changed.
import {
  defaultFieldResolver,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { badUserInput } from './errors.ts';

/** How a description declares a limit; the first match counts. */
const LIMIT_SENTENCE = /\bat most ([\d,]+) characters\b/i;

/**
 * IDs are opaque keys, not prose: one maximum for all of them unless a description says otherwise. Generous for
 * our UUIDs and lab ids, far below anything that costs a database or a log line.
 */
export const DEFAULT_ID_MAX_LENGTH = 100;

/** Federation's own entry points take representations, not text a person typed. */
const FEDERATION_FIELDS = new Set(['_entities', '_service']);

type InputDefinition = GraphQLArgument | GraphQLInputField;

/** One text input of a schema and its declared maximum (undefined: none declared). */
export interface TextInput {
  /** e.g. `Mutation.cancelSample(reason:)` or `CreateSampleInput.name`. */
  coordinate: string;
  max: number | undefined;
}

/** The maximum a description declares, or undefined. */
export function declaredMaxLength(description: string | null | undefined): number | undefined {
  const match = description ? LIMIT_SENTENCE.exec(description) : null;
  return match ? Number(match[1]!.replace(/,/g, '')) : undefined;
}

const maxLengths = new WeakMap<InputDefinition, number | undefined>();

/** The maximum of a String or ID input (the declared one, or the ID default); read once per definition. */
function maxLengthOf(definition: InputDefinition): number | undefined {
  if (maxLengths.has(definition)) return maxLengths.get(definition);
  const max = readMaxLength(definition);
  maxLengths.set(definition, max);
  return max;
}

function readMaxLength(definition: InputDefinition): number | undefined {
  const named = getNamedType(definition.type).name;
  if (named !== 'String' && named !== 'ID') return undefined;
  return declaredMaxLength(definition.description) ?? (named === 'ID' ? DEFAULT_ID_MAX_LENGTH : undefined);
}

const isText = (definition: InputDefinition) => {
  const named = getNamedType(definition.type).name;
  return named === 'String' || named === 'ID';
};

/** Every String or ID argument and input field a client can send, with its maximum. */
export function listTextInputs(schema: GraphQLSchema): TextInput[] {
  const inputs: TextInput[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (FEDERATION_FIELDS.has(field.name)) continue;
        for (const arg of field.args.filter(isText)) {
          inputs.push({ coordinate: `${type.name}.${field.name}(${arg.name}:)`, max: maxLengthOf(arg) });
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()).filter(isText)) {
        inputs.push({ coordinate: `${type.name}.${field.name}`, max: maxLengthOf(field) });
      }
    }
  }
  return inputs;
}

const textCarriers = new WeakMap<object, boolean>();

/** Whether a value of this type can carry text (directly, in a list or in an input object); cached per type. */
function carriesText(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'String' || named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  const cached = textCarriers.get(named);
  if (cached !== undefined) return cached;
  seen.add(named.name);
  const result = Object.values(named.getFields()).some((f) => carriesText(f.type, seen));
  textCarriers.set(named, result);
  return result;
}

/** Where a value sits: `field` is the argument or input field's own name, as the subgraphs' other checks name
 * it; `path` the whole way from the argument, as a client wrote it (`input.fileFormats.2`). */
interface Place {
  field: string;
  path: string;
  max: number | undefined;
}

/**
 * Walks one coerced argument value along its type: linear in the size of the value. Throws BAD_USER_INPUT at
 * the first text over its maximum.
 */
function checkValue(value: unknown, type: GraphQLInputType, place: Place): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return checkValue(value, type.ofType, place);
  if (isListType(type)) {
    if (!Array.isArray(value)) return checkValue(value, type.ofType, place);
    value.forEach((item, i) => checkValue(item, type.ofType, { ...place, path: `${place.path}.${i}` }));
    return;
  }
  if (isInputObjectType(type)) {
    const record = value as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) {
      if (record[field.name] === undefined || !carriesText(field.type)) continue;
      checkValue(record[field.name], field.type, {
        field: field.name,
        path: `${place.path}.${field.name}`,
        max: maxLengthOf(field),
      });
    }
    return;
  }
  const { field, path, max } = place;
  if (max !== undefined && typeof value === 'string' && value.length > max) {
    throw badUserInput(`${path} must be at most ${max} characters (it has ${value.length})`, {
      field,
      path,
      rule: 'TEXT_LENGTH',
      max,
      length: value.length,
    });
  }
}

function guardField(field: GraphQLField<unknown, unknown>): void {
  const textArgs = field.args.filter((arg) => carriesText(arg.type));
  if (!textArgs.length) return;
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args: Record<string, unknown>, context, info) => {
    for (const arg of textArgs) {
      checkValue(args[arg.name], arg.type, { field: arg.name, path: arg.name, max: maxLengthOf(arg) });
    }
    return resolve(source, args, context, info);
  };
}

/**
 * Checks that every text input declares its maximum (else throws, naming each one, so a new field without a
 * limit cannot ship), then makes every field with text arguments check them before its resolver. Call on the
 * built subgraph schema before the permissions are applied, so the rules still answer first. Mutates and returns
 * the schema.
 */
export function enforceTextLimits(schema: GraphQLSchema, subgraph = 'subgraph'): GraphQLSchema {
  const missing = listTextInputs(schema).filter((input) => input.max === undefined);
  if (missing.length) {
    throw new Error(
      `${subgraph}: every String input needs a maximum ("At most N characters." in its description); ` +
        `missing on ${missing.map((m) => m.coordinate).join(', ')}`,
    );
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!FEDERATION_FIELDS.has(field.name)) guardField(field);
    }
  }
  return schema;
}
