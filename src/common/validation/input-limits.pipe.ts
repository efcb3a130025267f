import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validationFailed } from '../errors/domain-error';
import { inputProblems } from './input-limits';

/**
 * The one gate every body, query and path parameter passes before validation and SQL: storable text
 * only, bounded depth, and a body that is an object wherever a DTO expects one. Runs after the guard,
 * so an anonymous caller still gets 401 first; the compatibility routes answer it in their envelope.
 */
@Injectable()
export class InputLimitsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if (metadata.type === 'body' && value === null && isDto(metadata.metatype)) {
      // Nest's ValidationPipe would read null as {}: a PATCH of nothing. null is a wrong type.
      throw validationFailed([{ field: 'body', message: 'body must be a JSON object' }], 'The body must be a JSON object, not null.');
    }
    const problems = inputProblems(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
    if (problems.length > 0) throw validationFailed(problems);
    return value;
  }
}

const isDto = (metatype: ArgumentMetadata['metatype']): boolean =>
  typeof metatype === 'function' && ![Object, String, Number, Boolean, Array].includes(metatype as never);
