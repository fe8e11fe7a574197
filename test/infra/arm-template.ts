/**
 * Just enough of an ARM template reader for the infra contract test: resources (array form, or the symbolic-name
 * map Bicep emits with languageVersion 2.0), app setting names inside a `concat(createArray(createObject(…)))`
 * expression, and role assignments resolved to role GUID, principal type and scope type.
 */
export interface ArmResource {
  type: string;
  name?: string;
  scope?: string;
  properties?: unknown;
  [k: string]: unknown;
}

export interface ArmTemplate {
  languageVersion?: string;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: string }>;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export function resourceEntries(arm: ArmTemplate): [string, ArmResource][] {
  return Array.isArray(arm.resources)
    ? arm.resources.map((r, i) => [String(i), r] as [string, ArmResource])
    : Object.entries(arm.resources);
}

export function resourcesOf(arm: ArmTemplate, type: string): ArmResource[] {
  return resourceEntries(arm)
    .filter(([, r]) => r.type.toLowerCase() === type.toLowerCase())
    .map(([, r]) => r);
}

/**
 * Names of the app settings a site sets. A literal array gives `{ name }` objects; Bicep turns an array built with
 * concat() into one expression string, where each literal entry is `createObject('name', 'X', 'value', …)`.
 */
export function appSettingNames(site: ArmResource): Set<string> {
  const settings = (site.properties as { siteConfig?: { appSettings?: unknown } } | undefined)?.siteConfig
    ?.appSettings;
  const names = new Set<string>();
  if (Array.isArray(settings)) {
    for (const s of settings as { name?: unknown }[]) if (typeof s.name === 'string') names.add(s.name);
  } else if (typeof settings === 'string') {
    for (const m of settings.matchAll(/createObject\('name', '([^']+)'/g)) names.add(m[1]!);
  }
  return names;
}

export interface ResolvedAssignment {
  roleDefinitionId: string;
  principalType: string | undefined;
  scopeType: string | undefined;
}

/** Role assignments whose principal is the principalId of a resource of `principalResourceType`. */
export function assignmentsTo(arm: ArmTemplate, principalResourceType: string): ResolvedAssignment[] {
  const bySymbol = new Map(resourceEntries(arm));
  const out: ResolvedAssignment[] = [];
  for (const ra of resourcesOf(arm, 'Microsoft.Authorization/roleAssignments')) {
    const p = ra.properties as { roleDefinitionId?: string; principalId?: string };
    const principal = /reference\('([^']+)'\)\.principalId/.exec(p.principalId ?? '')?.[1];
    const principalType = principal ? bySymbol.get(principal)?.type : undefined;
    if (principalType?.toLowerCase() !== principalResourceType.toLowerCase()) continue;
    const role = resolveGuid(arm, p.roleDefinitionId ?? '');
    if (!role) continue;
    const scopeType = /resourceId\('([^']+)'/.exec(ra.scope ?? '')?.[1];
    out.push({ roleDefinitionId: role.toLowerCase(), principalType, scopeType });
  }
  return out;
}

/** A GUID written literally or reached through `variables('x').y.z`. */
function resolveGuid(arm: ArmTemplate, expr: string): string | undefined {
  const ref = /variables\('([^']+)'\)((?:\.[A-Za-z0-9_]+)*)/.exec(expr);
  if (ref) {
    let v: unknown = arm.variables?.[ref[1]!];
    for (const key of ref[2]!.split('.').filter(Boolean))
      v = (v as Record<string, unknown> | undefined)?.[key];
    return typeof v === 'string' ? GUID.exec(v)?.[0] : undefined;
  }
  return GUID.exec(expr)?.[0];
}
