// Reading the Docker engine's HTTP answers out of dockerode's errors, in one place.

/** The HTTP status of a failed engine call, if it got that far. */
export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

/** 409 Conflict: a container or network of that name already exists. */
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;
