// Written by `portico create`; edit freely.
export const SERVICE_NAME = {{json name}};
/** Used when PORT is not set (`portico up` sets it from portico.yaml). */
export const DEFAULT_PORT = {{json port}};
export const SERVICE_VERSION = process.env.PORTICO_SERVICE_VERSION ?? '0.1.0';
