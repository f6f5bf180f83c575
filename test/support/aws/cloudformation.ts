/**
 * Just enough of CloudFormation to read a synthesized template as it would be deployed: physical ids
 * for resources, the pseudo parameters, and the intrinsic functions CDK emits (Ref, Fn::GetAtt,
 * Fn::Join, Fn::ImportValue across stacks, Fn::Select, Fn::Split, Fn::Sub). Anything else throws,
 * naming it, so a template this cannot read fails loudly rather than being half-resolved.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
export type Template = { Resources: Record<string, any>; Outputs?: Record<string, any> };

/** What a deployed resource answers to Ref and Fn::GetAtt. */
export type PhysicalResource = {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
};

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export class Stack {
  readonly physical = new Map<string, PhysicalResource>();

  constructor(
    readonly name: string,
    readonly template: Template,
    /** Exports of the stacks this one imports from, by export name. */
    private readonly imports: () => ReadonlyMap<string, string> = () => new Map(),
  ) {}

  resources(
    type: string,
  ): [string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  /** Sets what a resource answers to Ref and GetAtt (its physical name, ARN, ...). */
  deployed(logicalId: string, physical: PhysicalResource) {
    if (!this.template.Resources[logicalId])
      throw new TemplateError(`${this.name} has no resource ${logicalId}`);
    this.physical.set(logicalId, physical);
  }

  /** This stack's exports (Outputs with an Export name), resolved. */
  exports(): Map<string, string> {
    const out = new Map<string, string>();
    for (const output of Object.values(this.template.Outputs ?? {})) {
      if (output.Export?.Name)
        out.set(this.resolve(output.Export.Name) as string, this.resolve(output.Value) as string);
    }
    return out;
  }

  outputs(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.template.Outputs ?? {}).map(([k, o]) => [k, this.resolve(o.Value) as string]),
    );
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref') return this.ref(arg as string);
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.getAtt(id as string, attribute as string);
      }
      if (fn === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map(String).join(sep);
      }
      if (fn === 'Fn::ImportValue') {
        const name = this.resolve(arg) as string;
        const found = this.imports().get(name);
        if (found === undefined)
          throw new TemplateError(`${this.name} imports ${name}, which no stack exports`);
        return found;
      }
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [unknown, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      if (fn === 'Fn::Split') {
        const [sep, text] = arg as [string, unknown];
        return String(this.resolve(text)).split(sep);
      }
      if (fn === 'Fn::Sub') {
        const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
          name in vars
            ? String(this.resolve(vars[name]))
            : String(
                name.includes('.') ? this.getAtt(...(name.split('.') as [string, string])) : this.ref(name),
              ),
        );
      }
      if (fn.startsWith('Fn::')) throw new TemplateError(`${this.name}: ${fn} is not supported here`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  ref(id: string): string {
    switch (id) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.name;
    }
    const physical = this.physical.get(id);
    if (physical) return physical.ref;
    if (!this.template.Resources[id]) throw new TemplateError(`${this.name}: Ref to unknown ${id}`);
    return `${id}-not-deployed`;
  }

  getAtt(id: string, attribute: string): string {
    const physical = this.physical.get(id);
    const value = physical?.attributes[attribute];
    if (value !== undefined) return value;
    if (!this.template.Resources[id]) throw new TemplateError(`${this.name}: GetAtt on unknown ${id}`);
    return `${id}.${attribute}-not-deployed`;
  }
}

export const arns = {
  lambda: (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
  role: (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`,
  table: (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
  bucket: (name: string) => `arn:aws:s3:::${name}`,
  queue: (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
  topic: (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
  policy: (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`,
  logGroup: (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
};
