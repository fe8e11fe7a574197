/**
 * The contract between the code and infra/main.bicep, checked on the ARM JSON the real Bicep CLI compiles:
 * every app setting the code reads is set (or optional with a documented default), every role the code needs is
 * assigned to the Function App's managed identity, and no output carries a secret.
 *
 * Needs the Bicep CLI from `bash scripts/install-bicep.sh` (NuGet). Without it the suite is skipped with a visible
 * message on a developer machine, and FAILS under CI=true: CI must never pass by not looking.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS, REQUIRED_ROLES } from '../../src/shared/config/app-settings.js';
import { appSettingNames, assignmentsTo, resourcesOf, type ArmTemplate } from './arm-template.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bicep = join(root, '.tools/bin/bicep');
const haveBicep = existsSync(bicep);
const inCi = process.env.CI === 'true';

if (!haveBicep && !inCi) {
  console.warn(
    `SKIPPED infra template contract: no Bicep CLI at ${bicep} — run "bash scripts/install-bicep.sh" to enable it`,
  );
}

describe.runIf(haveBicep || inCi)('infra/main.bicep contract with the code', () => {
  let dir: string;
  let arm: ArmTemplate;

  beforeAll(() => {
    if (!haveBicep)
      throw new Error(`CI=true but no Bicep CLI at ${bicep}: run bash scripts/install-bicep.sh`);
    dir = mkdtempSync(join(tmpdir(), 'mbh-arm-'));
    const out = join(dir, 'main.json');
    execFileSync(bicep, ['build', join(root, 'infra/main.bicep'), '--outfile', out], { stdio: 'pipe' });
    arm = JSON.parse(readFileSync(out, 'utf8')) as ArmTemplate;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sets every required app setting on the Function App', () => {
    const [site] = resourcesOf(arm, 'Microsoft.Web/sites');
    expect(site, 'one Microsoft.Web/sites resource').toBeDefined();
    const names = appSettingNames(site!);
    const missing = APP_SETTINGS.filter((s) => s.required && !names.has(s.name)).map((s) => s.name);
    expect(missing).toEqual([]);
  });

  it('sets every optional app setting or documents its default', () => {
    const [site] = resourcesOf(arm, 'Microsoft.Web/sites');
    const names = appSettingNames(site!);
    const undocumented = APP_SETTINGS.filter(
      (s) => !s.required && !names.has(s.name) && !(s.default && s.default.trim() !== ''),
    ).map((s) => s.name);
    expect(undocumented).toEqual([]);
  });

  it('wires identity-based host storage, Entra telemetry and Key Vault references to the one identity', () => {
    const [site] = resourcesOf(arm, 'Microsoft.Web/sites');
    const names = appSettingNames(site!);
    for (const n of ['AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId']) {
      expect(names.has(n), n).toBe(true);
    }
    // Flex Consumption rejects these two; the runtime is declared in functionAppConfig instead.
    expect(names.has('FUNCTIONS_WORKER_RUNTIME')).toBe(false);
    expect(names.has('FUNCTIONS_EXTENSION_VERSION')).toBe(false);
    const props = site!.properties as {
      keyVaultReferenceIdentity?: string;
      siteConfig: { appSettings: unknown };
      functionAppConfig: {
        runtime: unknown;
        deployment: { storage: { authentication: { type: string } } };
      };
    };
    expect(props.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    expect(props.functionAppConfig.deployment.storage.authentication.type).toBe('UserAssignedIdentity');
    expect(String(props.keyVaultReferenceIdentity)).toMatch(
      /Microsoft.ManagedIdentity\/userAssignedIdentities/,
    );
    // The config document's state tables point at this storage account's table endpoint, whatever was passed in.
    const settings = JSON.stringify(props.siteConfig.appSettings);
    expect(settings).toMatch(
      /'MAILBOX_HEALTH_CONFIG'.*'accountUrl', reference\('storage'\)\.primaryEndpoints\.table/,
    );
    // …after dropping any `state` the caller passed (union() would merge it with accountUrl).
    const base = /'MAILBOX_HEALTH_CONFIG', 'value', string\(union\(variables\('([^']+)'\)/.exec(
      settings,
    )?.[1];
    expect(String(arm.variables?.[base ?? ''])).toMatch(
      /filter\(items\(parameters\('mailboxConfig'\)\).*'state'/,
    );
    const [storage] = resourcesOf(arm, 'Microsoft.Storage/storageAccounts');
    expect((storage!.properties as Record<string, unknown>).allowSharedKeyAccess).toBe(false);
    const [ai] = resourcesOf(arm, 'Microsoft.Insights/components');
    expect((ai!.properties as Record<string, unknown>).DisableLocalAuth).toBe(true);
  });

  it('assigns every role the code needs to the managed identity, on the right resource', () => {
    const held = assignmentsTo(arm, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    const missing = REQUIRED_ROLES.filter(
      (r) =>
        !held.some((a) => a.roleDefinitionId === r.roleDefinitionId && a.scopeType === scopeType(r.scope)),
    ).map((r) => r.name);
    expect(missing).toEqual([]);
  });

  it('alerts by e-mail on silent mailboxes and on failed availability results', () => {
    const [group] = resourcesOf(arm, 'Microsoft.Insights/actionGroups');
    expect(JSON.stringify(group!.properties)).toContain('emailReceivers');
    const rules = resourcesOf(arm, 'Microsoft.Insights/scheduledQueryRules');
    // The KQL lives in template variables, referenced from each rule's criteria.
    const text = [...rules, arm.variables].map((r) => JSON.stringify(r)).join('\n');
    expect(rules.length).toBeGreaterThanOrEqual(2);
    expect(text).toContain('availabilityResults');
    expect(text).toContain('tobool(success)');
  });

  it('static outbound IP: off by default; on, a NAT gateway with a static public IP on the app’s delegated subnet', () => {
    const params = (arm as { parameters?: Record<string, { type: string; defaultValue?: unknown }> })
      .parameters;
    expect(params?.staticOutboundIp).toMatchObject({ type: 'bool', defaultValue: false });
    const on = "[parameters('staticOutboundIp')]";
    const [ip] = resourcesOf(arm, 'Microsoft.Network/publicIPAddresses');
    const [nat] = resourcesOf(arm, 'Microsoft.Network/natGateways');
    const [vnet] = resourcesOf(arm, 'Microsoft.Network/virtualNetworks');
    for (const r of [ip, nat, vnet]) expect(r?.condition, r?.type).toBe(on);
    expect(ip!.properties).toMatchObject({ publicIPAllocationMethod: 'Static' });
    expect(ip!.sku).toMatchObject({ name: 'Standard' });
    expect(JSON.stringify(nat!.properties)).toContain("resourceId('Microsoft.Network/publicIPAddresses'");
    const subnet = (
      vnet!.properties as { subnets: Array<{ name: string; properties: Record<string, unknown> }> }
    ).subnets[0]!;
    // Flex Consumption's virtual network integration needs a subnet delegated to Microsoft.App/environments.
    expect(subnet.properties.delegations).toEqual([
      { name: expect.any(String), properties: { serviceName: 'Microsoft.App/environments' } },
    ]);
    expect(JSON.stringify(subnet.properties.natGateway)).toContain(
      "resourceId('Microsoft.Network/natGateways'",
    );
    // The app joins that subnet and sends everything through it, only when the option is on.
    const [site] = resourcesOf(arm, 'Microsoft.Web/sites');
    const props = site!.properties as Record<string, unknown>;
    expect(props.virtualNetworkSubnetId).toMatch(
      /^\[if\(parameters\('staticOutboundIp'\), variables\('outboundSubnetId'\), null\(\)\)\]$/,
    );
    expect(String(arm.variables?.outboundSubnetId)).toContain('Microsoft.Network/virtualNetworks/subnets');
    expect(props.outboundVnetRouting).toEqual({ allTraffic: on });
    expect(JSON.stringify(site!.dependsOn)).toContain('outboundVnet');
    // The admin reads the address for the Conditional Access named location from the deployment outputs.
    expect(arm.outputs?.STATIC_OUTBOUND_IP).toEqual({
      type: 'string',
      value: "[if(parameters('staticOutboundIp'), reference('outboundIp').ipAddress, '')]",
    });
  });

  it('action links: the key only as a Key Vault secret behind references, sign-in restricted to the tenant', () => {
    const params = (arm as { parameters?: Record<string, { type: string }> }).parameters ?? {};
    expect(params.actionLinkKey?.type).toBe('securestring');
    expect(params.actionLinkPreviousKey?.type).toBe('securestring');
    const secrets = resourcesOf(arm, 'Microsoft.KeyVault/vaults/secrets');
    expect(secrets.map((r) => JSON.stringify(r.name)).join(' ')).toMatch(
      /action-link-key.*action-link-key-previous/,
    );
    const settings = JSON.stringify(arm.variables?.actionLinkSettings);
    expect(settings).toContain(
      "'name', 'ACTION_LINK_KEY', 'value', format('@Microsoft.KeyVault(SecretUri={0}/action-link-key)'",
    );
    expect(settings).toContain('ACTION_LINK_BASE_URL');
    expect(settings).not.toMatch(/parameters\('actionLinkKey'\)/); // never the value itself
    const [auth] = resourcesOf(arm, 'Microsoft.Web/sites/config');
    const text = JSON.stringify(auth);
    expect(text).toContain('authsettingsV2');
    expect(text).toMatch(/tenant\(\)\.tenantId/); // the issuer of this tenant only
    expect(text).toContain('/api/health');
  });

  it('has no output that carries a secret, key or connection string', () => {
    const outputs = Object.entries(arm.outputs ?? {});
    expect(outputs.length).toBeGreaterThan(0);
    // "Key Vault" names a resource, not a key: drop it before looking for key material.
    const leaky = outputs
      .filter(([name, o]) =>
        /secret|key|password|connectionstring|listkeys|sas/i.test(
          `${name} ${JSON.stringify(o)}`.replace(/key_?vault/gi, 'vault'),
        ),
      )
      .map(([name]) => name);
    expect(leaky).toEqual([]);
    for (const [, o] of outputs) expect(o.type).not.toMatch(/^secure/i);
  });
});

function scopeType(scope: (typeof REQUIRED_ROLES)[number]['scope']): string {
  return {
    storage: 'Microsoft.Storage/storageAccounts',
    appInsights: 'Microsoft.Insights/components',
    keyVault: 'Microsoft.KeyVault/vaults',
  }[scope];
}
