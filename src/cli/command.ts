export interface Command {
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}
