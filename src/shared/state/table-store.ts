/**
 * StateStore over Azure Table Storage (`@azure/data-tables`): Azurite in the lab via a connection string, a real
 * account in Azure via its URL and the Function App's managed identity (no account key anywhere).
 *
 * Each entity stores its value as one JSON property `data` (see ports.ts). Concurrency outcomes become values:
 * 412 (stale etag) → conflict, 409 (create of an existing row) → exists, 404 → missing. Anything else is a
 * StateError naming the table and the HTTP status — never the connection string.
 */
import { TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { RangeTablePort, RowRange } from './history-port.js';
import {
  StateError,
  TABLE_NAMES,
  type StateStore,
  type Stored,
  type TableEntities,
  type TableName,
  type TablePort,
  type TransactionOp,
  type TransactionOutcome,
  type WriteOutcome,
} from './ports.js';
import { assertTransactionShape } from './transaction-rules.js';

type Row = { partitionKey: string; rowKey: string; data: string };

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export class AzureTable<T> implements TablePort<T>, RangeTablePort<T> {
  constructor(
    private readonly client: TableClient,
    private readonly label: string,
  ) {}

  #fail(op: string, err: unknown): never {
    const status = statusOf(err);
    // The SDK's message can echo the request URL (with a SAS, if one were used): keep only the status and code.
    const code = (err as { code?: unknown })?.code;
    throw new StateError(
      `table ${this.label}: ${op} failed${status ? ` (HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''})` : ` (${(err as Error)?.name ?? 'error'})`}`,
      this.label,
      status,
    );
  }

  #entity(pk: string, rk: string, value: T): TableEntity<Row> {
    return { partitionKey: pk, rowKey: rk, data: JSON.stringify(value) };
  }

  #stored(e: { partitionKey?: string; rowKey?: string; etag: string; data?: unknown }): Stored<T> {
    return {
      partitionKey: e.partitionKey ?? '',
      rowKey: e.rowKey ?? '',
      etag: e.etag,
      value: JSON.parse(typeof e.data === 'string' ? e.data : 'null') as T,
    };
  }

  async get(pk: string, rk: string): Promise<Stored<T> | undefined> {
    try {
      const e = await this.client.getEntity<Row>(pk, rk);
      return this.#stored(e);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      this.#fail('get', err);
    }
  }

  async list(pk: string): Promise<Array<Stored<T>>> {
    const out: Array<Stored<T>> = [];
    try {
      // Quotes doubled per OData; mailbox ids are [a-z0-9-] anyway.
      const filter = `PartitionKey eq '${pk.replace(/'/g, "''")}'`;
      for await (const e of this.client.listEntities<Row>({ queryOptions: { filter } }))
        out.push(this.#stored(e));
    } catch (err) {
      this.#fail('list', err);
    }
    return out.sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
  }

  async range(pk: string, r: RowRange): Promise<Array<Stored<T>>> {
    const out: Array<Stored<T>> = [];
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const filter = `PartitionKey eq ${q(pk)} and RowKey ge ${q(r.from)} and RowKey lt ${q(r.to)}`;
    const limit = r.limit ?? Infinity;
    try {
      // Table Storage returns a partition's rows in row-key order, so the first `limit` are the wanted ones;
      // pages are capped at the limit (at most 1,000 per page) so a small limit costs one small request.
      const pages = this.client
        .listEntities<Row>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(1000, limit) });
      for await (const page of pages) {
        for (const e of page) {
          if (out.length >= limit) break;
          out.push(this.#stored(e));
        }
        if (out.length >= limit) break;
      }
    } catch (err) {
      this.#fail('range', err);
    }
    return out;
  }

  async create(pk: string, rk: string, value: T): Promise<WriteOutcome> {
    try {
      const r = await this.client.createEntity(this.#entity(pk, rk, value));
      return { ok: true, etag: r.etag ?? '' };
    } catch (err) {
      if (statusOf(err) === 409) return { ok: false, reason: 'exists' };
      this.#fail('create', err);
    }
  }

  async replace(pk: string, rk: string, value: T, etag: string): Promise<WriteOutcome> {
    try {
      const r = await this.client.updateEntity(this.#entity(pk, rk, value), 'Replace', { etag });
      return { ok: true, etag: r.etag ?? '' };
    } catch (err) {
      if (statusOf(err) === 412) return { ok: false, reason: 'conflict' };
      if (statusOf(err) === 404) return { ok: false, reason: 'missing' };
      this.#fail('replace', err);
    }
  }

  async upsert(pk: string, rk: string, value: T): Promise<{ etag: string }> {
    try {
      const r = await this.client.upsertEntity(this.#entity(pk, rk, value), 'Replace');
      return { etag: r.etag ?? '' };
    } catch (err) {
      this.#fail('upsert', err);
    }
  }

  async delete(pk: string, rk: string, etag?: string): Promise<WriteOutcome> {
    try {
      // Without an etag the SDK sends If-Match: * (delete whatever version is there).
      await this.client.deleteEntity(pk, rk, etag !== undefined ? { etag } : {});
      return { ok: true, etag: etag ?? '' };
    } catch (err) {
      if (statusOf(err) === 412) return { ok: false, reason: 'conflict' };
      if (statusOf(err) === 404) return { ok: false, reason: 'missing' };
      this.#fail('delete', err);
    }
  }

  async transact(pk: string, ops: Array<TransactionOp<T>>): Promise<TransactionOutcome> {
    if (ops.length === 0) return { ok: true };
    assertTransactionShape(ops);
    const actions: TransactionAction[] = ops.map((o): TransactionAction => {
      switch (o.op) {
        case 'create':
          return ['create', this.#entity(pk, o.rowKey, o.value)];
        case 'upsert':
          return ['upsert', this.#entity(pk, o.rowKey, o.value), 'Replace'];
        case 'replace':
          return ['update', this.#entity(pk, o.rowKey, o.value), 'Replace', { etag: o.etag }];
        case 'delete':
          return ['delete', { partitionKey: pk, rowKey: o.rowKey, ...(o.etag ? { etag: o.etag } : {}) }];
      }
    });
    try {
      await this.client.submitTransaction(actions);
      return { ok: true };
    } catch (err) {
      // A failed precondition in any sub-operation fails the whole group: 412 stale etag, 409 exists, 404 gone.
      const s = statusOf(err);
      if (s === 412 || s === 409 || s === 404) return { ok: false, reason: 'conflict' };
      this.#fail('transaction', err);
    }
  }
}

export interface TableStoreOptions {
  /** Prefixed to every table name ([A-Za-z][A-Za-z0-9]*), so tests and several deployments can share an account. */
  prefix?: string;
}

function tableName(prefix: string, name: TableName): string {
  const full = `${prefix}${name}`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(full))
    throw new Error(`invalid table name "${full}": letters and digits, 3–63, starting with a letter`);
  return full;
}

function build(make: (name: string) => TableClient, prefix: string, description: string): StateStore {
  const clients = new Map<TableName, TableClient>();
  const port = <K extends TableName>(name: K): AzureTable<TableEntities[K]> => {
    const full = tableName(prefix, name);
    const client = make(full);
    clients.set(name, client);
    return new AzureTable<TableEntities[K]>(client, full);
  };
  return {
    status: port('status'),
    alerts: port('alerts'),
    ledger: port('ledger'),
    leases: port('leases'),
    review: port('review'),
    slots: port('slots'),
    actions: port('actions'),
    history: port('history'),
    async ensureTables() {
      for (const name of TABLE_NAMES) {
        try {
          // createTable already treats 409 TableAlreadyExists as success; kept explicit for older SDKs.
          await clients.get(name)!.createTable();
        } catch (err) {
          if (statusOf(err) !== 409)
            throw new StateError(
              `table ${prefix}${name}: create failed (HTTP ${statusOf(err) ?? '?'})`,
              name,
              statusOf(err),
            );
        }
      }
    },
    description,
  };
}

/** From a connection string (Azurite or an account key). http endpoints are only accepted for loopback hosts. */
export function createTableStoreFromConnectionString(
  connectionString: string,
  options: TableStoreOptions = {},
): StateStore {
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  // Azurite's shorthand has no endpoint of its own: the SDK expands it to http://127.0.0.1:10002.
  const isLoopbackHttp =
    /UseDevelopmentStorage=true/i.test(connectionString) ||
    (!!endpoint && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//i.test(endpoint + '/'));
  return build(
    (name) =>
      TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: isLoopbackHttp }),
    options.prefix ?? '',
    `Table Storage (connection string${isLoopbackHttp ? ', local emulator' : ''})`,
  );
}

/** From the account URL with a token credential (the managed identity in Azure). */
export function createTableStoreFromAccountUrl(
  accountUrl: string,
  credential: TokenCredential,
  options: TableStoreOptions = {},
): StateStore {
  const url = accountUrl.replace(/\/+$/, '');
  return build(
    (name) => new TableClient(url, name, credential),
    options.prefix ?? '',
    `Table Storage ${new URL(url).host} (managed identity)`,
  );
}
