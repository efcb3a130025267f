import { EnvironmentRow } from '../variation-store/environments.repository';
import { formatEnvironmentEtag } from '../variation-store/domain/environments';
import { EnvironmentResponseDto } from './dto/environment.dto';

/** The one function that decides what of an environment leaves the service. */
export function toEnvironmentResponse(environment: EnvironmentRow): EnvironmentResponseDto {
  return {
    name: environment.name,
    version: environment.version,
    variationId: environment.variationId,
    canary: environment.canary ? { version: environment.canary.version, variationId: environment.canary.variationId, percent: environment.canary.percent } : null,
    etag: formatEnvironmentEtag(environment.revision),
    createdAt: new Date(environment.createdAt).toISOString(),
    updatedAt: new Date(environment.updatedAt).toISOString(),
  };
}
