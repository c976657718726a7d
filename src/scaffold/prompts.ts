// What the scaffolding steps may ask a person. Defined here, in the layer that asks, so the
// steps do not depend on the CLI: cli/ui/prompter.ts implements it with @inquirer/prompts and
// tests answer from a script.
export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface Prompter {
  select<T extends string>(message: string, choices: Choice<T>[], defaultValue?: T): Promise<T>;
  /** `validate` returns true or the message to show. */
  input(message: string, defaultValue: string, validate: (value: string) => true | string): Promise<string>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
}

