/**
 * A mapping read from JSON (`modelwatch gateway --mapping <file.json>`): per route, where the rows
 * (or texts) are in the request and where each output is in the response, as paths (json-path.ts).
 * Checked once, at start, field by field: the shape by JSON Schema (TypeBox, Ajv), then what JSON
 * Schema cannot say (paths that are JSON Pointers, a route declared twice, classes that fit the
 * task). A problem stops the gateway with a message naming the field, e.g. `routes[0].request.rows`.
 *
 * @example
 * {
 *   "task": "binary", "classes": ["no", "yes"],
 *   "routes": [{ "path": "/score", "request": { "rows": "/instances/*" },
 *                "response": { "label": "/labels/*", "probability": "/risks/*" } }]
 * }
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Task } from '../../data/model-schema.js';
import { MappingFileError } from '../../errors.js';
import { compilePath, type JsonPath } from './json-path.js';
import { OUTPUT_FIELDS, pathRoute, type OutputField } from './path-route.js';
import { compileTemplate } from './route-template.js';
import type { MappedRoute, Mapping } from './types.js';

const Path = (description: string) => Type.Optional(Type.String({ description }));

const RouteSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'The route template, e.g. /predict or /v2/models/:name/infer.' }),
    method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$', description: 'The HTTP method observed; POST by default.' })),
    request: Type.Object(
      {
        rows: Path('Where the rows are: one object of features or one array of values per row.'),
        text: Path('Where the texts are (a text model).'),
        rows_as: Type.Optional(Type.Union([Type.Literal('object'), Type.Literal('array')])),
      },
      { additionalProperties: false },
    ),
    response: Type.Object(Object.fromEntries(OUTPUT_FIELDS.map((f) => [f, Path(`Where the ${f} is.`)])), { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** The file's JSON Schema. */
export const MappingFileSchema = Type.Object(
  {
    description: Type.Optional(Type.String()),
    task: Type.Optional(Type.Union([Type.Literal('binary'), Type.Literal('multiclass'), Type.Literal('regression')])),
    classes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 2 })),
    routes: Type.Array(RouteSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
type MappingFileJson = Static<typeof MappingFileSchema>;

// All errors, so a misspelt field is reported as that rather than as the right one missing.
const check = new Ajv({ allErrors: true, strict: false }).compile(MappingFileSchema) as ValidateFunction<MappingFileJson>;

/** `/routes/0/request/rows` → `routes[0].request.rows`. */
function fieldPath(instancePath: string): string {
  let path = '';
  for (const part of instancePath.split('/').filter((p) => p !== '')) path += /^\d+$/.test(part) ? `[${part}]` : `${path ? '.' : ''}${part}`;
  return path;
}

/** Ajv's first error as a MappingFileError naming the field. */
function shapeError(file: string): MappingFileError {
  const errors = check.errors as ErrorObject[];
  const e = errors.find((x) => (x.params as { additionalProperty?: string }).additionalProperty) ?? errors[0];
  const field = fieldPath(e.instancePath);
  const join = (name: string) => (field ? `${field}.${name}` : name);
  const params = e.params as { additionalProperty?: string; missingProperty?: string };
  if (params.additionalProperty) return new MappingFileError(file, join(params.additionalProperty), 'is not a mapping field (a typo?)');
  if (params.missingProperty) return new MappingFileError(file, join(params.missingProperty), 'is missing');
  if (e.keyword === 'anyOf' || e.keyword === 'const') {
    const allowed = errors.filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => JSON.stringify((x.params as { allowedValue: unknown }).allowedValue));
    return new MappingFileError(file, field, `has an unexpected value: expected one of ${allowed.join(', ')}`);
  }
  return new MappingFileError(file, field, e.message ?? 'is invalid');
}

/** The classes' rules: as many as the task needs, each named once. */
function checkClasses(json: MappingFileJson, file: string): void {
  const { task, classes } = json;
  if (!classes) return;
  if (task === 'regression') throw new MappingFileError(file, 'classes', 'are given, but a regression has none');
  if (task === 'binary' && classes.length !== 2) throw new MappingFileError(file, 'classes', `has ${classes.length} names; a binary model has 2: [negative, positive]`);
  const seen = new Set<string>();
  classes.forEach((c, i) => {
    if (seen.has(c)) throw new MappingFileError(file, `classes[${i}]`, `repeats ${JSON.stringify(c)}`);
    seen.add(c);
  });
}

/** A path field compiled, or a MappingFileError naming it. */
function pathAt(text: string | undefined, field: string, file: string): JsonPath | undefined {
  if (text === undefined) return undefined;
  try {
    return compilePath(text);
  } catch (error) {
    throw new MappingFileError(file, field, (error as Error).message);
  }
}

/** One route, checked and compiled. */
function readRoute(route: MappingFileJson['routes'][number], index: number, json: MappingFileJson, file: string): MappedRoute {
  const at = `routes[${index}]`;
  let template;
  try {
    template = compileTemplate(route.path);
  } catch (error) {
    throw new MappingFileError(file, `${at}.path`, (error as Error).message);
  }
  const { request } = route;
  if ((request.rows === undefined) === (request.text === undefined)) throw new MappingFileError(file, `${at}.request`, 'needs exactly one of "rows" (where the rows are) and "text" (where the texts are)');
  if (request.text !== undefined && request.rows_as !== undefined) throw new MappingFileError(file, `${at}.request.rows_as`, 'applies to "rows", not to "text"');
  const response: Partial<Record<OutputField, JsonPath>> = {};
  for (const field of OUTPUT_FIELDS) {
    const path = pathAt((route.response as Partial<Record<OutputField, string>>)[field], `${at}.response.${field}`, file);
    if (path) response[field] = path;
  }
  if (Object.keys(response).length === 0) throw new MappingFileError(file, `${at}.response`, `names no output: give at least one of ${OUTPUT_FIELDS.join(', ')}`);
  return pathRoute({
    template,
    method: (route.method ?? 'POST').toUpperCase(),
    rows: pathAt(request.rows, `${at}.request.rows`, file),
    text: pathAt(request.text, `${at}.request.text`, file),
    rowsAs: request.rows_as,
    response,
    task: json.task as Task | undefined,
    classes: json.classes,
  });
}

/**
 * A mapping from parsed JSON; `name` is the file it came from (for messages and `Mapping.name`).
 *
 * @throws {MappingFileError} naming the first field at fault.
 */
export function parseMapping(json: unknown, name: string): Mapping {
  if (!check(json)) throw shapeError(name);
  checkClasses(json, name);
  const routes = json.routes.map((r, i) => readRoute(r, i, json, name));
  const seen = new Map<string, number>();
  routes.forEach((r, i) => {
    const key = `${r.method} ${r.endpoint}`;
    const before = seen.get(key);
    if (before !== undefined) throw new MappingFileError(name, `routes[${i}].path`, `repeats routes[${before}] (${key})`);
    seen.set(key, i);
  });
  const texts = json.routes.filter((r) => r.request.text !== undefined).length;
  if (texts > 0 && texts < routes.length) throw new MappingFileError(name, 'routes', 'mixes routes that read "text" with routes that read "rows": a mapping observes one kind of model');
  return {
    name,
    routes,
    ...(json.task ? { task: json.task as Task } : {}),
    ...(json.classes ? { classes: json.classes } : {}),
    ...(texts > 0 ? { text: true } : {}),
  };
}

/**
 * Reads and checks a mapping file.
 *
 * @example readMappingFile('mapping.json').routes[0].endpoint // '/score'
 * @throws {MappingFileError} when the file cannot be read, is not JSON, or a field is wrong (named).
 */
export function readMappingFile(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MappingFileError(file, '', (error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MappingFileError(file, '', `it is not JSON: ${(error as Error).message}`);
  }
  return parseMapping(json, file);
}
