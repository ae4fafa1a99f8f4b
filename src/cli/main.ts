/** Entry-point plumbing shared by the CLI tools: exit codes and messages people can act on. */
import { UsageError } from './args';

/** Thrown for a run that ended but did not succeed (results may still have been written). */
export class RunFailure extends Error {}

/** 0 done; 1 the run failed or an unexpected error; 2 bad arguments or data. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`\nerror: ${error.message}\n`);
        process.exit(2);
      }
      const message = error instanceof Error ? (error instanceof RunFailure ? error.message : (error.stack ?? error.message)) : String(error);
      process.stderr.write(`\nerror: ${message}\n`);
      process.exit(1);
    },
  );
}
