// contract.mjs — checks one HTTP response against openapi.yaml.
//
// The black-box client (client.mjs) calls validateResponse() on every response it
// receives, so a test can only ever see responses the contract documents. Kept apart
// from the network code so tests/contract can feed it hand-made responses and prove
// that it rejects deviations.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SPEC_PATH = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url));
const COMPONENTS_ID = 'https://storefront.invalid/openapi/components.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export class ContractError extends Error {
  constructor(where, problems, body) {
    const snippet = body === undefined || body === '' ? '' :
      `\n  body: ${String(body).slice(0, 600)}`;
    super(`${where} breaks openapi.yaml:\n  - ${problems.join('\n  - ')}${snippet}`);
    this.name = 'ContractError';
    this.problems = problems;
  }
}

export const spec = parse(readFileSync(SPEC_PATH, 'utf8'));

// Component schemas become one JSON Schema document ($defs) that ajv can resolve
// "#/components/schemas/X" references against, once rewritten to absolute URIs.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
      ? `${COMPONENTS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`
      : rewriteRefs(value);
  }
  return out;
}

function extensionKeywords(node, found = new Set()) {
  if (node === null || typeof node !== 'object') return found;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-')) found.add(key);
    else extensionKeywords(value, found);
  }
  return found;
}

const ajv = new Ajv2020({ strict: true, strictTypes: true, allowUnionTypes: true, allErrors: true });
addFormats(ajv);
for (const keyword of extensionKeywords(spec.components.schemas)) ajv.addKeyword({ keyword });
ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(spec.components.schemas) });

const compiled = new WeakMap();
function validatorFor(schema) {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(rewriteRefs(schema)));
  return compiled.get(schema);
}

/** Follows local "#/..." references until a non-reference object is reached. */
export function resolve(node) {
  while (node && typeof node.$ref === 'string') {
    if (!node.$ref.startsWith('#/')) throw new Error(`unsupported $ref ${node.$ref}`);
    node = node.$ref.slice(2).split('/').reduce((at, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    if (node === undefined) throw new Error('dangling $ref in openapi.yaml');
  }
  return node;
}

// Templated paths as regexes, literal paths first so /a/b wins over /a/{x}.
const routes = Object.keys(spec.paths)
  .map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}$`),
    literal: !template.includes('{'),
  }))
  .sort((a, b) => Number(b.literal) - Number(a.literal));

/**
 * Finds the operation for a method and a request path (query string ignored).
 * HEAD uses the path's head operation (openapi.yaml declares one beside every GET).
 * Returns {template, method, operation} or null.
 */
export function findOperation(method, path) {
  const pathname = path.split('?')[0];
  const route = routes.find((r) => r.regex.test(pathname));
  if (!route) return null;
  const m = method.toLowerCase();
  const operation = METHODS.includes(m) ? spec.paths[route.template][m] : undefined;
  return operation ? { template: route.template, method: m, operation } : { template: route.template, method: m, operation: null };
}

function headerValue(headers, name) {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function ajvMessages(validate) {
  return (validate.errors ?? []).map((e) =>
    `${e.instancePath || '(root)'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function checkHeaders(response, headers, problems) {
  for (const [name, ref] of Object.entries(response.headers ?? {})) {
    const header = resolve(ref);
    const value = headerValue(headers, name);
    if (value === undefined) {
      if (header.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    if (!header.schema) continue;
    const schema = resolve(header.schema);
    const typed = schema.type === 'integer' && /^[0-9]+$/.test(value) ? Number(value) : value;
    const validate = validatorFor(schema);
    if (!validate(typed)) problems.push(`header ${name}: ${JSON.stringify(value)} ${ajvMessages(validate).join('; ')}`);
  }
}

function checkProblem(body, status, headers, problems) {
  const byType = spec.components.schemas.Problem['x-status-by-type'];
  if (body.status !== status) problems.push(`problem status ${body.status} differs from HTTP status ${status}`);
  if (byType[body.type] !== undefined && byType[body.type] !== status) {
    problems.push(`problem type ${body.type} is sent with ${byType[body.type]}, not ${status}`);
  }
  if (body.type === '/problems/validation-error' && !Array.isArray(body.errors)) {
    problems.push('a validation-error must list errors[]');
  }
  if (body.errors !== undefined && body.type !== '/problems/validation-error') {
    problems.push(`errors[] is only allowed on validation-error, not ${body.type}`);
  }
  const rid = headerValue(headers, 'x-request-id');
  if (rid !== undefined && body.request_id !== rid) {
    problems.push(`problem request_id ${JSON.stringify(body.request_id)} differs from X-Request-Id ${JSON.stringify(rid)}`);
  }
}

function checkBody(request, response, res, problems) {
  const body = res.body ?? '';
  const isHead = request.method.toUpperCase() === 'HEAD';
  if (!response.content) {
    if (body !== '') problems.push(`status ${res.status} is documented without a body, got ${body.length} bytes`);
    return undefined;
  }
  const contentType = headerValue(res.headers, 'content-type');
  const essence = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const media = response.content[essence];
  if (!media) {
    problems.push(`content type ${JSON.stringify(contentType ?? null)} is not documented (expected ${Object.keys(response.content).join(' or ')})`);
    return undefined;
  }
  if (isHead) {
    if (body !== '') problems.push(`a HEAD response must have no body, got ${body.length} bytes`);
    return undefined;
  }
  let value = body;
  if (essence === 'application/json' || essence.endsWith('+json')) {
    try {
      value = JSON.parse(body);
    } catch (err) {
      problems.push(`body is not valid JSON (${err.message})`);
      return undefined;
    }
  }
  if (media.schema) {
    const validate = validatorFor(media.schema);
    if (!validate(value)) {
      const name = media.schema.$ref ? media.schema.$ref.split('/').pop() : 'inline schema';
      problems.push(`body does not match ${name}: ${ajvMessages(validate).join('; ')}`);
    }
  }
  if (essence === 'application/problem+json' && value && typeof value === 'object') {
    checkProblem(value, res.status, res.headers, problems);
  }
  return value;
}

/**
 * Validates res = {status, headers (lower-case names), body (text)} received for
 * request = {method, path}. With request.unrouted the request is expected to match no
 * operation (unknown path or method) and the answer is checked against the spec's
 * x-unrouted-responses. Throws ContractError; returns the parsed body on success.
 */
export function validateResponse(request, res) {
  const found = findOperation(request.method, request.path);
  const opName = found?.operation?.operationId;
  // Paths may hold raw bytes (rawRequest): show them escaped, and cut very long ones.
  const shown = request.path.slice(0, 120).replace(/[^\x21-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const where = `${request.method.toUpperCase()} ${shown}${request.path.length > 120 ? '...' : ''} -> ${res.status}` +
    (opName ? ` [${opName}]` : ' [no operation]');
  let responses;
  if (found?.operation) {
    if (request.unrouted) throw new ContractError(where, [`expected no operation, but ${opName} matches`]);
    responses = found.operation.responses;
  } else {
    if (!request.unrouted) {
      throw new ContractError(where, [found ? `${request.method.toUpperCase()} is not an operation of ${found.template}`
        : 'the path matches no path in openapi.yaml']);
    }
    responses = Object.fromEntries(Object.entries(spec['x-unrouted-responses']).map(([s, ref]) => [s, { $ref: ref }]));
  }
  const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => responses[k]);
  if (!key) {
    throw new ContractError(where, [`status ${res.status} is not documented (documented: ${Object.keys(responses).join(', ')})`], res.body);
  }
  const response = resolve(responses[key]);
  const problems = [];
  checkHeaders(response, res.headers, problems);
  const value = checkBody(request, response, res, problems);
  if (problems.length) throw new ContractError(where, problems, res.body);
  return value;
}
