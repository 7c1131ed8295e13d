import { Command, CommanderError } from 'commander';
import { ApiClient } from './api-client.js';
import { Cli } from './cli.js';
import { registerAudit } from './commands/audit.js';
import { registerBuilds } from './commands/builds.js';
import { registerChannels } from './commands/channels.js';
import { registerCopies } from './commands/copies.js';
import { registerDlq } from './commands/dlq.js';
import { registerFamilies } from './commands/families.js';
import { registerMaintenance } from './commands/maintenance.js';
import { registerRetention } from './commands/retention.js';
import { registerSharing } from './commands/sharing.js';
import { registerStatus } from './commands/status.js';
import { registerVersions } from './commands/versions.js';
import { CliError, EXIT_CODES_HELP } from './errors.js';
import { processOutput, type Output } from './output.js';

export interface ProgramDeps {
  env?: Record<string, string | undefined>;
  out?: Output;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const HELP_FOOTER = `
Services are found at <SERVICE>_URL (CATALOG_URL, BUILDER_URL, REPLICATOR_URL, PERMISSIONS_URL,
MAINTENANCE_SCANNER_URL), else http://127.0.0.1:<SERVICE>_HTTP_PORT (3001-3005, the local stack).
Credentials: AMI_TOKEN (a bearer token), else a 10-minute token minted with AUTH_JWT_SECRET
carrying only the role the command needs (AMI_USER names you on the audit stream).

${EXIT_CODES_HELP}`;

/** amictl's commands, wired to the given environment and output (main.ts passes the process's). */
export function buildProgram(deps: ProgramDeps = {}): Command {
  const out = deps.out ?? processOutput;
  const program = new Command('amictl')
    .description(
      'operate the AMI factory: families, versions, channels, builds, copies, sharing, maintenance',
    )
    .option('--json', "print the API's answers as JSON")
    .showHelpAfterError('(amictl --help for the commands)')
    .addHelpText('after', HELP_FOOTER)
    .configureOutput({
      writeOut: (text) => out.line(text.trimEnd()),
      writeErr: (text) => out.error(text.trimEnd()),
    });
  let cli: Cli | undefined;
  const context = () =>
    (cli ??= new Cli(
      new ApiClient(deps.env ?? process.env, deps.fetch ?? fetch),
      out,
      program,
      deps.sleep,
    ));
  for (const register of [
    registerStatus,
    registerFamilies,
    registerVersions,
    registerChannels,
    registerBuilds,
    registerCopies,
    registerSharing,
    registerMaintenance,
    registerRetention,
    registerAudit,
    registerDlq,
  ])
    register(program, context);
  exitOverrideEverywhere(program);
  return program;
}

function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}

/** Runs amictl with `argv` (without node and the script) and returns its exit code. */
export async function runAmictl(argv: string[], deps: ProgramDeps = {}): Promise<number> {
  const out = deps.out ?? processOutput;
  const program = buildProgram(deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError)
      // help and version are "errors" with exit code 0; commander has printed the rest
      return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      if (error.message) out.error(`amictl: ${error.message}`);
      return error.exitCode;
    }
    out.error(`amictl: ${(error as Error).message}`);
    return 1;
  }
}
