import { ErrorCode } from './error-code';
import { ErrorFormats, isUnderPrefix } from './error-formats';
import { Problem, PROBLEM_CONTENT_TYPE } from './problem';

const problem: Problem = { type: 'https://agentry.dev/problems/internal', title: 'Internal error', status: 500, detail: 'logged', code: ErrorCode.INTERNAL, requestId: 'r1' };

describe('isUnderPrefix', () => {
  it.each(['/api/agents', '/api/agents/', '/api/agents/abc/def', '/api/agents?page_size=1', '/api/agents/?x'])('%s is under /api/agents', (url) => {
    expect(isUnderPrefix(url, '/api/agents')).toBe(true);
  });

  it.each(['/api/agentsX', '/api/agents-archive/1', '/API/agents', '/api/agent', '/api/v1/agents', '//api/agents'])('%s is not', (url) => {
    expect(isUnderPrefix(url, '/api/agents')).toBe(false);
  });
});

describe('ErrorFormats', () => {
  it('renders problem+json unless a registered prefix holds the request, whatever the status', () => {
    const formats = new ErrorFormats();
    formats.register('/api/agents', (p) => ({ contentType: 'application/json', body: { status: 'error', status_code: p.status } }));
    expect(formats.render('/api/agents/x', problem)).toEqual({ contentType: 'application/json', body: { status: 'error', status_code: 500 } });
    expect(formats.render('/api/agentsX', problem)).toEqual({ contentType: PROBLEM_CONTENT_TYPE, body: problem });
  });
});
