import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { answerProblem } from '../../common/errors/problem.filter';
import { snakeCasePath } from './compat.mappers';

/**
 * Seed 002's routes answer errors in their envelope, `{status: "error", status_code, message, errors?}`,
 * with the status, code and message the problem+json answer would have had (the same mapping makes
 * both), and field paths in snake_case.
 */
@Catch()
export class EnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('EnvelopeFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { problem, reply } = answerProblem(exception, host, this.logger);
    void reply.type('application/json').send({
      status: 'error',
      status_code: problem.status,
      message: problem.detail,
      code: problem.code,
      request_id: problem.requestId,
      ...(problem.errors ? { errors: problem.errors.map((error) => ({ field: snakeCasePath(error.field), message: error.message })) } : {}),
    });
  }
}
