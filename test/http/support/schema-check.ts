/**
 * @module A tiny JSON Schema checker for the subset the OpenAPI document uses: type (incl.
 * arrays of types), const, enum, required, properties, additionalProperties, items, oneOf,
 * pattern, minimum, and local `$ref`s.
 */

type Schema = Record<string, any>;

const typeOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

const matchesType = (v: unknown, type: string) =>
  typeOf(v) === type || (type === 'number' && typeof v === 'number');

/** Problems of `value` against `schema` ([] when valid); `root` resolves `#/...` refs. */
export function check(value: unknown, schema: Schema, root: Schema, path = '$'): string[] {
  if (schema.$ref) {
    const target = (schema.$ref as string)
      .slice(2)
      .split('/')
      .reduce((node: any, key) => node?.[key], root);
    if (!target) return [`${path}: unresolved ${schema.$ref}`];
    return check(value, target, root, path);
  }
  const problems: string[] = [];
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type: string) => matchesType(value, type))) {
      return [`${path}: expected ${types.join('|')}, got ${typeOf(value)}`];
    }
  }
  if ('const' in schema && value !== schema.const)
    problems.push(`${path}: expected ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${path}: ${String(value)} not in enum`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) {
    problems.push(`${path}: does not match ${schema.pattern}`);
  }
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) {
    problems.push(`${path}: below ${schema.minimum}`);
  }
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s: Schema) => check(value, s, root, path).length === 0);
    if (passing.length !== 1) problems.push(`${path}: matches ${passing.length} of oneOf`);
  }
  if (typeOf(value) === 'object')
    problems.push(...checkObject(value as Schema, schema, root, path));
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...check(item, schema.items, root, `${path}[${i}]`)));
  }
  return problems;
}

function checkObject(value: Schema, schema: Schema, root: Schema, path: string): string[] {
  const problems: string[] = [];
  for (const key of schema.required ?? []) {
    if (!(key in value)) problems.push(`${path}.${key}: required`);
  }
  for (const [key, v] of Object.entries(value)) {
    const sub = schema.properties?.[key];
    if (sub) problems.push(...check(v, sub, root, `${path}.${key}`));
    else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not allowed`);
    else if (typeof schema.additionalProperties === 'object') {
      problems.push(...check(v, schema.additionalProperties, root, `${path}.${key}`));
    }
  }
  return problems;
}
