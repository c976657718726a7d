// Whether the Docker engine runs on this machine (so its bind mounts see this file system).
// dockerode reaches the engine the docker CLI's way: DOCKER_HOST, else the local socket.

/** Pure: true for the local socket (DOCKER_HOST unset, unix:// or npipe://); false for tcp:// or ssh://. */
export function engineIsLocal(env: NodeJS.ProcessEnv): boolean {
  const host = env.DOCKER_HOST?.trim();
  return !host || /^(unix|npipe):\/\//.test(host);
}
