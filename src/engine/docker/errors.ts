// Reading the Docker engine's HTTP answers out of dockerode's errors, in one place.
import { PorticoError } from '../../core/errors.js';

/** The HTTP status of a failed engine call, if it got that far. */
export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

/** 409 Conflict: a container or network of that name already exists. */
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;

/** What a 409 on creating the project's network means, for `up` (bridge) and `deploy` (overlay) alike. */
export function networkConflict(network: string, project: string): PorticoError {
  return new PorticoError(`a Docker network named ${network} already exists and is not labelled for project ${project}.`, {
    hint: `Remove it (\`docker network rm ${network}\`) if nothing else uses it, or rename the project in portico.yaml.`,
  });
}
