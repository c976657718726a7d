// What an AI route's call decided, recorded on the Exchange (`ex.ai`) for the features that
// report it (metrics counts tokens and fallbacks in the log phase; analytics may read it too).
// Its own module so that exchange.ts and the metrics feature import a type, not the ai feature.

export interface AiOutcome {
  /** Provider name and model (without the provider prefix) that answered, or of the last attempt. */
  provider: string;
  model: string;
  /** Who the tokens are counted for: the verified consumer, else "anonymous". */
  consumer: string;
  /** Models tried before the one that answered (`<provider>/<model>`), in order; empty when the first answered. */
  fallbacks: string[];
  /** Tokens the provider reported (0 when it reported none). */
  inputTokens: number;
  outputTokens: number;
}
