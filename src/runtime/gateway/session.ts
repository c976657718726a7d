// What the gateway keeps per client connection between its requests. The HTTP/1.1 layer makes
// one per connection (Http1Server's session factory) and hands it along with every request
// without reading it; features use it for per-connection memos.

/** A slot where an authenticator may remember its last verdict (see features/auth). */
export interface CredentialMemo {
  credential: unknown;
}

export class ClientSession implements CredentialMemo {
  credential: unknown = null;
}

export const openClientSession = (): ClientSession => new ClientSession();
