/**
 * The deployment files that cannot run here (GitHub workflows, azd) parsed and checked for the shape that matters:
 * CI runs the same `.ci/run`, deployment signs in by OIDC (no stored Azure secret) and uses azd; azure.yaml points at
 * the template; the shipped example configuration is valid and every secret it names reaches the app from Key Vault.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_SETTINGS, parseConfig } from '../../src/shared/config/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
  const doc = parse(read(`.github/workflows/${file}`)) as Workflow;
  expect(doc.jobs, `${file}: jobs`).toBeTypeOf('object');
  return doc;
}
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const runs = (w: Workflow) => steps(w).map((s) => (s.run ?? '').replace(/\s+/g, ' ').trim());

describe('GitHub workflows', () => {
  it('are all valid YAML with jobs, a runner and steps', () => {
    const files = readdirSync(join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));
    expect(files.sort()).toEqual(['ci.yml', 'deploy.yml']);
    for (const f of files) {
      for (const [id, job] of Object.entries(workflow(f).jobs)) {
        expect(job['runs-on'], `${f}: jobs.${id}.runs-on`).toMatch(/ubuntu|debian/);
        expect(job.steps.length, `${f}: jobs.${id}.steps`).toBeGreaterThan(0);
      }
    }
  });

  it('CI runs bash .ci/run after npm ci, with CI=true so missing tools fail instead of skipping', () => {
    const ci = workflow('ci.yml');
    const r = runs(ci);
    expect(r).toContain('bash .ci/run');
    expect(r.indexOf('npm ci')).toBeGreaterThanOrEqual(0);
    expect(r.indexOf('npm ci')).toBeLessThan(r.indexOf('bash .ci/run'));
    expect(read('.github/workflows/ci.yml')).toMatch(/CI: 'true'/);
  });

  it('deploy signs in with OIDC (id-token: write, azure/login without a secret) and runs azd', () => {
    const deploy = workflow('deploy.yml');
    const perms = { ...deploy.permissions, ...Object.values(deploy.jobs)[0]!.permissions };
    expect(perms['id-token']).toBe('write');
    const login = steps(deploy).find((s) => s.uses?.toLowerCase().startsWith('azure/login@'));
    expect(login, 'an azure/login step').toBeDefined();
    expect(Object.keys(login!.with ?? {}).sort()).toEqual(['client-id', 'subscription-id', 'tenant-id']);
    const r = runs(deploy);
    const azdLogin = r.find((x) => x.startsWith('azd auth login'));
    expect(azdLogin).toMatch(/--federated-credential-provider github/);
    expect(azdLogin).toMatch(/--client-id .*--tenant-id/);
    expect(r).toContain('azd provision --no-prompt');
    expect(r).toContain('azd deploy --no-prompt');
    expect(r.indexOf('azd provision --no-prompt')).toBeLessThan(r.indexOf('azd deploy --no-prompt'));
    // No credential material in the workflow: secrets.* would mean a stored password or key.
    expect(read('.github/workflows/deploy.yml')).not.toMatch(/secrets\.|client-secret|creds:/);
  });
});

describe('azd project', () => {
  it('deploys service api as a function app from the infra/main.bicep template', () => {
    const azd = parse(read('azure.yaml')) as {
      infra: { provider: string; path: string; module: string };
      services: Record<string, { project: string; host: string; language: string }>;
    };
    expect(azd.services.api).toMatchObject({ project: '.', host: 'function' });
    expect(['js', 'ts']).toContain(azd.services.api!.language);
    expect(azd.infra.provider).toBe('bicep');
    expect(existsSync(join(root, azd.infra.path, `${azd.infra.module}.bicep`))).toBe(true);
    expect(existsSync(join(root, azd.infra.path, `${azd.infra.module}.bicepparam`))).toBe(true);
    // azd deploy finds the app by this tag; the service name must match.
    expect(read('infra/main.bicep')).toContain("'azd-service-name': 'api'");
  });
});

describe('shipped example configuration', () => {
  const doc = JSON.parse(read('infra/mailbox-health.example.json')) as Record<string, unknown>;
  const refs = JSON.parse(read('infra/key-vault-references.example.json')) as Record<string, string>;

  it('is valid once the template pins state.tables to the storage account', () => {
    // main.bicep: union(mailboxConfig, { state: { tables: { accountUrl: <table endpoint> } } })
    const deployed = {
      ...doc,
      state: { tables: { accountUrl: 'https://stmbhexample.table.core.windows.net/' } },
    };
    const { config, warnings } = parseConfig(deployed, 'infra/mailbox-health.example.json');
    expect(config.mailboxes.map((m) => m.id)).toEqual(['servicedesk', 'support-app-only']);
    expect(warnings).toEqual([]);
  });

  it('maps every { "env": NAME } secret to a Key Vault secret, and nothing else', () => {
    const envNames = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.env === 'string' && Object.keys(o).length === 1) envNames.add(o.env);
        else Object.values(o).forEach(walk);
      }
    };
    walk(doc);
    expect(envNames.size).toBeGreaterThan(0);
    expect(Object.keys(refs).sort()).toEqual([...envNames].sort());
    // Key Vault secret names: 1-127 of a-z, A-Z, 0-9 and '-'.
    for (const name of Object.values(refs)) expect(name).toMatch(/^[0-9a-zA-Z-]{1,127}$/);
  });
});

describe('local.settings.example.json (func start)', () => {
  const local = JSON.parse(read('local.settings.example.json')) as { Values: Record<string, string> };

  it('sets the host settings and every required app setting except the identity-based storage ones', () => {
    const v = local.Values;
    expect(v.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    expect(v.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    const required = APP_SETTINGS.filter((s) => s.required && !s.name.startsWith('AzureWebJobsStorage__'));
    expect(required.filter((s) => !(s.name in v)).map((s) => s.name)).toEqual([]);
    expect(v.CHECK_SCHEDULE!.split(' ')).toHaveLength(6);
    expect(v.SPAM_REVIEW_SCHEDULE!.split(' ')).toHaveLength(6);
  });

  it('carries a valid configuration whose secret settings exist and are left empty', () => {
    const { config } = parseConfig(
      JSON.parse(local.Values.MAILBOX_HEALTH_CONFIG!),
      'local.settings.example.json',
    );
    expect(config.mailboxes.length).toBeGreaterThan(0);
    for (const m of config.mailboxes) {
      if (m.auth.mode === 'password' && 'env' in m.auth.password) {
        expect(local.Values[m.auth.password.env]).toBe('');
      }
    }
  });
});

describe('the deploy guide’s working files', () => {
  const docs = ['README.md', 'docs/deploy.md', 'lab/README.md', 'docs/configuration.md'];

  it('one Azurite command everywhere it is given', () => {
    const commands = docs.flatMap((d) =>
      [...read(d).matchAll(/npx azurite[^`\n#]*/g)].map((m) => m[0].replace(/\s+/g, ' ').trim()),
    );
    expect(commands.length).toBeGreaterThanOrEqual(2);
    expect(new Set(commands)).toEqual(
      new Set(['npx azurite --silent --inMemoryPersistence --disableTelemetry &']),
    );
  });

  it('copies each .example file by an explicit step, and the copies are git-ignored', () => {
    const guide = read('docs/deploy.md');
    const copies: Array<[string, string]> = [
      ['infra/mailbox-health.example.json', 'mailbox-health.json'],
      ['infra/key-vault-references.example.json', 'key-vault-references.json'],
      ['local.settings.example.json', 'local.settings.json'],
    ];
    const ignore = read('.gitignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const [example, copy] of copies) {
      expect(guide, `cp ${example} ${copy}`).toMatch(
        new RegExp(`cp ${example.replace(/\./g, '\\.')} ${copy}`),
      );
      expect(
        ignore.some((l) => l === copy || l === `/${copy}`),
        `${copy} in .gitignore`,
      ).toBe(true);
      // What the guide then uses is the copy, never the example in place.
      expect(guide).not.toMatch(new RegExp(`jq -c \\. ${example.replace(/\./g, '\\.')}`));
    }
  });
});
