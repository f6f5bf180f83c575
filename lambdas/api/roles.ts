/**
 * Who may do what through the admin API. Each role includes the ones before it:
 * - viewer: read customers, usage, runs, reports, status and alerts;
 * - operator: plus lifecycle changes (create, disable, enable, regions, CORS, CNAMEs, sub-users) and
 *   backfill runs; no removals and no access-key secrets;
 * - admin: everything, including removals, access keys and the audit trail.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * The admin API role of an AWS principal, from the principal itself (an exact ARN in `principals`) or
 * from the role it assumed (`arn:aws:sts::<account>:assumed-role/<role name>/<session>`, its role
 * name in `roleNames`). Null when it has none: the Lambda then refuses the request.
 */
export function roleOfPrincipal(
  principalArn: string,
  mapping: {
    readonly principals: Readonly<Record<string, Role>>;
    readonly roleNames: Readonly<Record<string, Role>>;
  },
): Role | null {
  const exact = mapping.principals[principalArn];
  if (exact) return exact;
  const assumed = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([\w+=,.@-]{1,64})\/[^/]+$/.exec(principalArn);
  if (assumed) return mapping.roleNames[assumed[1]!] ?? null;
  return null;
}
