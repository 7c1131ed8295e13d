import { randomUUID } from 'node:crypto';

/** Any AWS SDK v3 command object (EC2, SSM, ...); its type carries its output type. */
export interface AwsCommand {
  readonly input: object;
  resolveMiddleware(...args: never[]): unknown;
}

/** The output type of a command, e.g. DescribeImagesCommandOutput for a DescribeImagesCommand. */
export type OutputOf<C> = C extends {
  resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }>;
}
  ? O
  : never;

export type AwsService = 'ec2' | 'ssm';

/**
 * The service and operation of a command, read from the operation schema the SDK attaches
 * (`[type, "com.amazonaws.ec2", "DescribeImages", ...]`), falling back to the class name
 * (DescribeImagesCommand -> DescribeImages).
 */
export function operationOf(command: AwsCommand): { service: AwsService; operation: string } {
  const schema = (command as { schema?: unknown }).schema;
  if (Array.isArray(schema) && typeof schema[1] === 'string' && typeof schema[2] === 'string') {
    return { service: schema[1].endsWith('.ssm') ? 'ssm' : 'ec2', operation: schema[2] };
  }
  return { service: 'ec2', operation: command.constructor.name.replace(/Command$/, '') };
}

/** The action name pacing, metrics and errors use: EC2's operation name, or `ssm:<operation>`. */
export function actionName(service: AwsService, operation: string): string {
  return service === 'ec2' ? operation : `${service}:${operation}`;
}

/** Whether the operation's input has a ClientToken member (RunInstances, CopyImage, ...). */
function takesClientToken(command: AwsCommand): boolean {
  const schema = (command as { schema?: unknown }).schema;
  if (!Array.isArray(schema)) return false;
  const input: unknown =
    typeof schema[4] === 'function' ? (schema[4] as () => unknown)() : schema[4];
  return Array.isArray(input) && Array.isArray(input[4]) && input[4].includes('ClientToken');
}

/**
 * The SDK generates a missing ClientToken anew on every send, so a retried RunInstances or
 * CopyImage whose first answer was lost would act twice. This fixes one token for the whole
 * call (all its attempts), as a copy of the command: the caller's input is left as it was.
 */
export function withClientToken<C extends AwsCommand>(command: C): C {
  const input = command.input as { ClientToken?: string };
  if (input.ClientToken !== undefined || !takesClientToken(command)) return command;
  const Command = command.constructor as new (input: object) => C;
  return new Command({ ...input, ClientToken: randomUUID() });
}
