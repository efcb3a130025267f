import { api, expectProblem } from './support/http';

/**
 * Issue #14: helmet's security headers on every answer, with a Content-Security-Policy that Swagger UI
 * still works under (the browser walk in swagger-ui.e2e-spec.ts checks it in Chromium when one is installed).
 */
describe('security headers', () => {
  const directives = (csp: string | null): Map<string, string[]> =>
    new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0] !== '').map(([name, ...values]) => [name!, values]));

  it.each([
    ['a success', () => api('GET', '/health/live')],
    ['a problem', () => api('GET', '/api/v1/agents')],
  ])('are on %s', async (_name, request) => {
    const response = await request();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    if (response.status >= 400) expectProblem(response, 401);
  });

  it('let Swagger UI load: every script it needs is a same-origin file, none inline, and nothing is sent to https', async () => {
    const page = await api('GET', '/docs');
    expect(page.status).toBe(200);
    const csp = directives(page.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(expect.arrayContaining(["'self'", "'unsafe-inline'"]));
    expect(csp.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'data:']));
    expect(csp.has('upgrade-insecure-requests')).toBe(false);

    const html = String(page.body);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...html.matchAll(/<script[^>]*\bsrc=["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^[a-z]+:\/\//i);
      const url = new URL(src, `${process.env.E2E_BASE_URL}/docs`);
      expect({ src, status: (await fetch(url)).status }).toEqual({ src, status: 200 });
    }
    const init = await (await fetch(new URL(`${process.env.E2E_BASE_URL}/docs/swagger-ui-init.js`))).text();
    expect(init).toMatch(/"validatorUrl":\s*null/);
  });
});
