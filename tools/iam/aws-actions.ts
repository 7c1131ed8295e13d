import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Which AWS actions a service's code can send, read statically: the import graph from its
 * main.ts (relative and @ami/* imports, re-exports included), and in every file reached the
 * `XxxCommand` classes and `paginateXxx` functions imported as values from the AWS SDK's EC2,
 * SSM and STS clients. The EC2 gateway (@ami/aws) is a boundary: its own commands are sent
 * only when a service calls the gateway method that sends them (GATEWAY_METHODS), so a
 * service that imports the gateway is not charged with every command inside it.
 */

const SDK_SERVICES: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
};

/** Gateway methods (libs/aws) and the actions each can send. */
export const GATEWAY_METHODS: Record<string, string[]> = {
  getParameter: ['ssm:GetParameter'],
  eachImage: ['ec2:DescribeImages'],
  describeAllImages: ['ec2:DescribeImages'],
  describeImagesByIds: ['ec2:DescribeImages'],
  eachInstance: ['ec2:DescribeInstances'],
  describeAllInstances: ['ec2:DescribeInstances'],
  eachSnapshot: ['ec2:DescribeSnapshots'],
  describeAllSnapshots: ['ec2:DescribeSnapshots'],
  // another account's calls act as a role there, assumed with STS
  useRole: ['sts:AssumeRole'],
};

export interface ScanOptions {
  /** Repository root: @ami/<lib> resolves to <root>/libs/<lib>/src/index.ts. */
  root: string;
  /** Folder of the gateway lib, whose commands count only through GATEWAY_METHODS. */
  gatewayDir?: string;
}

/** An action and the files (relative to the root) that send it. */
export type ActionSources = Map<string, Set<string>>;

interface FileFacts {
  imports: string[];
  actions: string[];
  methodCalls: string[];
  /** Property names written in object literals (TagSpecifications, KmsKeyId, ...). */
  propertyKeys: string[];
}

/**
 * Permissions EC2 checks beside an action, with no API call of their own: tags given at
 * creation need ec2:CreateTags, an instance profile needs iam:PassRole, a customer managed
 * key needs KMS rights. Each applies when the service sends `when` and its code writes `key`.
 */
export const AUTHORIZED_WITH: Array<{ when: string[]; key: string; needs: string[] }> = [
  {
    when: ['ec2:RunInstances', 'ec2:CreateImage', 'ec2:CopyImage'],
    key: 'TagSpecifications',
    needs: ['ec2:CreateTags'],
  },
  { when: ['ec2:RunInstances'], key: 'IamInstanceProfile', needs: ['iam:PassRole'] },
  {
    when: ['ec2:RunInstances', 'ec2:CreateImage', 'ec2:CopyImage'],
    key: 'KmsKeyId',
    needs: [
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    ],
  },
];

function actionOf(service: string, name: string): string | undefined {
  if (name.endsWith('Command') && name.length > 'Command'.length)
    return `${service}:${name.slice(0, -'Command'.length)}`;
  if (name.startsWith('paginate') && name.length > 'paginate'.length)
    return `${service}:${name.slice('paginate'.length)}`;
  return undefined;
}

/** The imports, SDK actions and method calls of one source file. */
export function readFileFacts(path: string): FileFacts {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022);
  const facts: FileFacts = { imports: [], actions: [], methodCalls: [], propertyKeys: [] };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const from = node.moduleSpecifier.text;
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly === true
        : node.isTypeOnly;
      const service = SDK_SERVICES[from];
      if (service && ts.isImportDeclaration(node) && !typeOnly) {
        const bindings = node.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings))
          for (const element of bindings.elements) {
            if (element.isTypeOnly) continue;
            const action = actionOf(service, (element.propertyName ?? element.name).text);
            if (action) facts.actions.push(action);
          }
      } else if (!typeOnly) facts.imports.push(from);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression))
      facts.methodCalls.push(node.expression.name.text);
    if (
      (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) &&
      ts.isIdentifier(node.name)
    )
      facts.propertyKeys.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return facts;
}

/** The .ts file an import names, or undefined for a package outside the repository. */
export function resolveImport(from: string, specifier: string, root: string): string | undefined {
  let base: string;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else if (specifier.startsWith('@ami/'))
    return join(root, 'libs', specifier.slice('@ami/'.length), 'src', 'index.ts');
  else return undefined;
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    `${base}.ts`,
    join(base, 'index.ts'),
    base.replace(/\.js$/, '/index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
}

function add(into: ActionSources, action: string, file: string): void {
  const files = into.get(action) ?? new Set<string>();
  files.add(file);
  into.set(action, files);
}

/** Every action the code reachable from `entry` can send, with the files that send it. */
export function actionsReachableFrom(entry: string, options: ScanOptions): ActionSources {
  const gatewayDir = options.gatewayDir ?? join(options.root, 'libs', 'aws', 'src');
  const found: ActionSources = new Map();
  const seen = new Set<string>();
  const keys = new Map<string, string[]>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const facts = readFileFacts(file);
    const name = relative(options.root, file);
    const inGateway = file.startsWith(gatewayDir + '/');
    if (!inGateway) {
      for (const action of facts.actions) add(found, action, name);
      for (const key of facts.propertyKeys) keys.set(key, [...(keys.get(key) ?? []), name]);
      for (const method of facts.methodCalls)
        if (Object.hasOwn(GATEWAY_METHODS, method))
          for (const action of GATEWAY_METHODS[method]) add(found, action, name);
    }
    for (const specifier of facts.imports) {
      const target = resolveImport(file, specifier, options.root);
      if (target) queue.push(target);
    }
  }
  for (const rule of AUTHORIZED_WITH) {
    if (!rule.when.some((action) => found.has(action))) continue;
    for (const file of keys.get(rule.key) ?? [])
      for (const action of rule.needs) add(found, action, file);
  }
  return found;
}

/** Actions sent by the gateway's own files: each must be reachable through GATEWAY_METHODS. */
export function gatewayActions(gatewayDir: string, files: string[]): Set<string> {
  const actions = new Set<string>();
  for (const file of files)
    for (const a of readFileFacts(join(gatewayDir, file)).actions) actions.add(a);
  return actions;
}

interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
}

/** The actions an IAM policy document allows (no wildcards expected: least privilege). */
export function allowedActions(policy: { Statement: PolicyStatement[] }): Set<string> {
  const actions = new Set<string>();
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action].flat()) actions.add(action);
  }
  return actions;
}

/** What a policy lacks for the code, and what it grants that the code never sends. */
export function comparePolicy(
  sent: Iterable<string>,
  allowed: Set<string>,
): { missing: string[]; unused: string[] } {
  const needed = new Set(sent);
  return {
    missing: [...needed].filter((a) => !allowed.has(a)).sort(),
    unused: [...allowed].filter((a) => !needed.has(a)).sort(),
  };
}
