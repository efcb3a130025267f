import { Problem, PROBLEM_CONTENT_TYPE } from './problem';

/** An error answer's body and its media type. */
export interface ErrorBody {
  contentType: string;
  body: unknown;
}

/** Renders the problem an error became in a route family's own format, keeping its status and code. */
export type ErrorRenderer = (problem: Problem) => ErrorBody;

/**
 * Whether the request target `url` (path and query, as sent) is `prefix` or lies under it: `/api/agents`,
 * `/api/agents/…` and `/api/agents?…`, never `/api/agentsX`. Case and encoding count as the router
 * counts them, so `/API/agents` is a route of no family, as it is to the router.
 */
export function isUnderPrefix(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url.charAt(prefix.length);
  return next === '' || next === '/' || next === '?';
}

/**
 * The one decision of an error answer's body: problem+json, unless a module registered its own format
 * for the path prefix the request is under. Every error answer is rendered here (the global exception
 * filter, which also serves Fastify's error and not-found handlers, and the router's early refusals),
 * so nothing raised before, in or after a controller escapes its route family's format. A provider of
 * ErrorsModule; it has no dependencies, so it needs no @Injectable() (and its test no Nest).
 */
export class ErrorFormats {
  private readonly formats: { prefix: string; render: ErrorRenderer }[] = [];

  register(prefix: string, render: ErrorRenderer): void {
    this.formats.push({ prefix, render });
  }

  render(url: string, problem: Problem): ErrorBody {
    const format = this.formats.find(({ prefix }) => isUnderPrefix(url, prefix));
    return format ? format.render(problem) : { contentType: PROBLEM_CONTENT_TYPE, body: problem };
  }
}
