import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'name' }) field!: string;
  @ApiProperty({ example: 'name must be shorter than or equal to 200 characters' }) message!: string;
}

export class ProblemDto {
  @ApiProperty({ example: 'https://agentry.dev/problems/validation-failed' }) type!: string;
  @ApiProperty({ example: 'Invalid request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'The request has invalid fields.' }) detail!: string;
  @ApiProperty({ example: 'VALIDATION_FAILED' }) code!: string;
  @ApiProperty({ example: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11' }) requestId!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `errors` lists every offending field.',
  401: 'Missing or invalid credentials.',
  403: 'The caller can use but not manage this resource.',
  404: 'Not found, or not visible to the caller.',
  409: 'The resource is in a state that forbids this change.',
  412: 'If-Match does not match the current ETag.',
  413: 'Body over 1 MiB.',
  422: 'Well-formed but rejected by a rule (see `code`).',
  503: 'A dependency (database, Slack) is unavailable; retry.',
};

/** Documents problem+json error responses in one line per route. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } } }),
    ),
  );
