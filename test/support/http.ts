import { assertDocumented } from './openapi-validation';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  apiKey?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  baseUrl?: string;
  /** Aborts the request, e.g. AbortSignal.timeout(ms) to notice a request that hangs. */
  signal?: AbortSignal;
}

/** A thin fetch wrapper: real HTTP against the running service, JSON in and out, each answer checked against openapi.json. */
export async function api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(`${options.baseUrl ?? process.env.E2E_BASE_URL}${path}`, { method, headers, body, signal: options.signal });
  const text = await response.text();
  let parsed: unknown = text;
  if (/json/.test(response.headers.get('content-type') ?? '') && text !== '') parsed = JSON.parse(text);
  // Every answer a test gets is one the document describes (test/support/openapi-validation.ts).
  assertDocumented(method, path, { status: response.status, headers: response.headers, body: parsed, hasBody: text !== '' });
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Asserts the RFC 9457 shape every error shares and returns it for further checks. */
export function expectProblem(response: ApiResponse, status: number, code?: string): any {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { status, ...(code ? { code } : {}) } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), detail: expect.any(String), requestId: expect.any(String) }));
  expect(JSON.stringify(response.body)).not.toMatch(/\bat .+\.js:\d+|SELECT |INSERT |UPDATE /);
  return response.body;
}
