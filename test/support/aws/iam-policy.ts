/**
 * IAM policy evaluation for identity policies, as AWS documents it: an explicit Deny wins, then any
 * Allow whose Action, Resource and every Condition match; otherwise the implicit deny. Supports the
 * condition operators e2-ledger's policies use (String*, ForAllValues:/ForAnyValue: String*, Arn*,
 * Bool); an operator it does not know throws, so an unread policy never passes silently.
 */

export type PolicyStatement = {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
};

export type AccessRequest = {
  /** `service:Action`, e.g. `dynamodb:Query`. */
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request: `dynamodb:LeadingKeys` -> the partition keys touched, ... */
  readonly context?: Readonly<Record<string, readonly string[]>>;
};

export type Decision = { readonly allowed: boolean; readonly reason: string };

const list = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

/** IAM's glob: `*` any run of characters, `?` one character. */
function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    caseInsensitive ? 'is' : 's',
  );
  return re.test(value);
}

function matchesOperator(operator: string, expected: readonly string[], actual: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected.includes(actual);
    case 'StringNotEquals':
      return !expected.includes(actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return expected.some((e) => glob(e, actual));
    case 'StringNotLike':
      return !expected.some((e) => glob(e, actual));
    case 'Bool':
      return expected.includes(actual);
    default:
      throw new Error(`IAM condition operator ${operator} is not supported by this evaluator`);
  }
}

function conditionHolds(
  operatorWithQualifier: string,
  key: string,
  expected: readonly string[],
  context: Readonly<Record<string, readonly string[]>>,
): boolean {
  const [qualifier, operator] = operatorWithQualifier.includes(':')
    ? (operatorWithQualifier.split(':') as [string, string])
    : [null, operatorWithQualifier];
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = context[key];
  if (qualifier === 'ForAllValues') {
    // True when every value in the request matches, including when the request has none.
    return (actual ?? []).every((a) => matchesOperator(op, expected, a));
  }
  if (qualifier === 'ForAnyValue') return (actual ?? []).some((a) => matchesOperator(op, expected, a));
  if (qualifier !== null) throw new Error(`IAM condition qualifier ${qualifier} is not supported`);
  if (actual === undefined || actual.length === 0) return ifExists;
  return actual.some((a) => matchesOperator(op, expected, a));
}

function statementApplies(s: PolicyStatement, request: AccessRequest): boolean {
  const actionMatches = s.NotAction
    ? !list(s.NotAction).some((a) => glob(a, request.action, true))
    : list(s.Action).some((a) => glob(a, request.action, true));
  if (!actionMatches) return false;
  if (!list(s.Resource).some((r) => glob(r, request.resource))) return false;
  for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(expected), request.context ?? {})) return false;
    }
  }
  return true;
}

export function evaluate(statements: readonly PolicyStatement[], request: AccessRequest): Decision {
  const applying = statements.filter((s) => statementApplies(s, request));
  if (applying.some((s) => s.Effect === 'Deny'))
    return { allowed: false, reason: `explicitly denied: ${request.action} on ${request.resource}` };
  if (applying.some((s) => s.Effect === 'Allow')) return { allowed: true, reason: 'allowed' };
  const context = Object.entries(request.context ?? {})
    .map(([k, v]) => ` with ${k} = ${v.join(', ')}`)
    .join('');
  return { allowed: false, reason: `no statement allows ${request.action} on ${request.resource}${context}` };
}
