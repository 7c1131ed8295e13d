// SSM Run Command as AWS behaves where moto is simpler: moto reports Success at once for
// every command and shows invocations at once. The proxy
// - hides a new command's invocations for `visibilityMs` (GetCommandInvocation answers
//   InvocationDoesNotExist, as SSM does right after SendCommand);
// - lets a test decide how a command ends: an outcome rule (POST /_fidelity/command-outcomes)
//   matching a command's text makes its invocation end Failed (or TimedOut, Cancelled) with
//   the rule's exit code and output, in SSM's own answer shape, in GetCommandInvocation,
//   ListCommandInvocations and ListCommands;
// - applies `when: "after"` faults: SendCommand reaches moto (the command runs) and the answer
//   is lost.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scope } from './ec2-request.js';
import type { FaultTarget } from './faults.js';
import type { MotoClient } from './moto-client.js';
import type { FidelityState } from './state.js';

export const SSM_OVERLAID = new Set([
  'SendCommand',
  'GetCommandInvocation',
  'ListCommands',
  'ListCommandInvocations',
]);

const ENDINGS = ['Failed', 'TimedOut', 'Cancelled'] as const;

export interface CommandOutcomeInput {
  /** A substring of the command's text (AWS-RunShellScript `commands`) the rule applies to. */
  match: string;
  status?: (typeof ENDINGS)[number];
  responseCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface CommandOutcome extends Required<CommandOutcomeInput> {
  id: string;
}

export function validateCommandOutcome(input: unknown): CommandOutcomeInput {
  if (typeof input !== 'object' || input === null) throw new Error('an outcome must be an object');
  const rule = input as Record<string, unknown>;
  if (typeof rule.match !== 'string' || rule.match === '')
    throw new Error('match must be a non-empty string');
  if (rule.status !== undefined && !ENDINGS.includes(rule.status as never))
    throw new Error(`status must be one of ${ENDINGS.join(', ')}`);
  if (rule.responseCode !== undefined && !Number.isInteger(rule.responseCode))
    throw new Error('responseCode must be an integer');
  for (const field of ['stdout', 'stderr'] as const)
    if (rule[field] !== undefined && typeof rule[field] !== 'string')
      throw new Error(`${field} must be a string`);
  return rule as unknown as CommandOutcomeInput;
}

export class CommandOutcomes {
  private rules: CommandOutcome[] = [];
  private readonly byCommand = new Map<string, CommandOutcome>();

  add(input: CommandOutcomeInput): CommandOutcome {
    const valid = validateCommandOutcome(input);
    const rule: CommandOutcome = {
      id: randomUUID(),
      match: valid.match,
      status: valid.status ?? 'Failed',
      responseCode: valid.responseCode ?? (valid.status === 'TimedOut' ? -1 : 1),
      stdout: valid.stdout ?? '',
      stderr: valid.stderr ?? '',
    };
    this.rules.push(rule);
    return rule;
  }

  list(): CommandOutcome[] {
    return [...this.rules];
  }

  /** Called on SendCommand: the first rule whose text occurs in the commands decides how it ends. */
  assign(commandId: string, commandText: string): void {
    const rule = this.rules.find((r) => commandText.includes(r.match));
    if (rule) this.byCommand.set(commandId, rule);
  }

  of(commandId: string | undefined): CommandOutcome | undefined {
    return commandId ? this.byCommand.get(commandId) : undefined;
  }

  clear(): void {
    this.rules = [];
    this.byCommand.clear();
  }
}

interface SsmExchange {
  req: IncomingMessage;
  res: ServerResponse;
  operation: string;
  scope: Scope;
  counterName: string;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** The overlaid SSM operations: buffered through moto, then edited as SSM would answer. */
export async function handleSsmCommand(
  { req, res, operation, scope, counterName }: SsmExchange,
  state: FidelityState,
  moto: MotoClient,
): Promise<void> {
  const raw = await readBody(req);
  const request = JSON.parse(raw.toString('utf8') || '{}') as Record<string, any>;
  if (operation === 'GetCommandInvocation' && hiddenCommand(state, scope, request.CommandId)) {
    state.counters.record(scope, counterName, 'error');
    return sendJson(res, 400, {
      __type: 'InvocationDoesNotExist',
      message: `Invocation for command ${request.CommandId} on ${request.InstanceId} does not exist.`,
    });
  }
  state.counters.upstream(scope, counterName);
  const upstream = await moto.send(req.method ?? 'POST', req.url ?? '/', req.headers, raw);
  let body: Record<string, any> | undefined;
  try {
    body = JSON.parse(upstream.body) as Record<string, any>;
  } catch {
    body = undefined;
  }
  const ok = upstream.status < 400 && body !== undefined;
  if (ok && operation === 'SendCommand') {
    const commandId: string | undefined = body!.Command?.CommandId;
    if (commandId) {
      state.newResources.record(scope, 'command', commandId);
      state.commandOutcomes.assign(commandId, JSON.stringify(request.Parameters ?? {}));
    }
  }
  if (ok) rewriteOutcomes(state, operation, body!);
  const target: FaultTarget = { service: 'ssm', action: operation, ...scope };
  const after = state.faults.pick(target, 'after');
  if (after) {
    // The command took effect in moto; its answer is lost on the way back.
    state.counters.record(scope, counterName, 'fault');
    if (after.kind === 'drop') req.socket.destroy();
    else
      sendJson(res, after.kind === 'unavailable' ? 503 : 500, {
        __type: after.kind === 'unavailable' ? 'ServiceUnavailable' : 'InternalServerError',
        message: 'An internal error has occurred.',
      });
    return;
  }
  state.counters.record(scope, counterName, upstream.status < 400 ? 'ok' : 'error');
  if (!ok) {
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
    return;
  }
  sendJson(res, upstream.status, body);
}

function hiddenCommand(state: FidelityState, scope: Scope, commandId: unknown): boolean {
  return (
    typeof commandId === 'string' &&
    state.newResources.isHidden(scope, 'command', commandId, state.visibilityMs)
  );
}

function rewriteOutcomes(state: FidelityState, operation: string, body: Record<string, any>) {
  const endInvocation = (invocation: Record<string, any>, rule: CommandOutcome) => {
    invocation.Status = rule.status;
    invocation.StatusDetails = rule.status;
  };
  if (operation === 'GetCommandInvocation') {
    const rule = state.commandOutcomes.of(body.CommandId);
    if (!rule) return;
    endInvocation(body, rule);
    body.ResponseCode = rule.responseCode;
    body.StandardOutputContent = rule.stdout;
    body.StandardErrorContent = rule.stderr;
  } else if (operation === 'ListCommandInvocations') {
    for (const invocation of body.CommandInvocations ?? []) {
      const rule = state.commandOutcomes.of(invocation.CommandId);
      if (rule) endInvocation(invocation, rule);
    }
  } else if (operation === 'ListCommands') {
    for (const command of body.Commands ?? []) {
      const rule = state.commandOutcomes.of(command.CommandId);
      if (!rule) continue;
      endInvocation(command, rule);
      command.ErrorCount = command.TargetCount ?? 1;
    }
  }
}

/** `/_fidelity/command-outcomes`: GET lists, POST adds one rule or an array, DELETE clears. */
export async function handleCommandOutcomesControl(
  route: string,
  req: IncomingMessage,
  res: ServerResponse,
  state: FidelityState,
): Promise<boolean> {
  const reply = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    return true;
  };
  switch (route) {
    case 'GET /command-outcomes':
      return reply(200, { rules: state.commandOutcomes.list() });
    case 'DELETE /command-outcomes':
      state.commandOutcomes.clear();
      return reply(200, { removed: true });
    case 'POST /command-outcomes': {
      let inputs: CommandOutcomeInput[];
      try {
        const text = (await readBody(req)).toString('utf8');
        const parsed: unknown = JSON.parse(text || '{}');
        inputs = (Array.isArray(parsed) ? parsed : [parsed]).map(validateCommandOutcome);
      } catch (error) {
        return reply(400, { error: error instanceof Error ? error.message : String(error) });
      }
      return reply(201, { rules: inputs.map((input) => state.commandOutcomes.add(input)) });
    }
    default:
      return false;
  }
}
