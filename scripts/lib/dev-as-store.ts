/**
 * In-memory storage for the development authorization server, one per run.
 * oidc-provider's own MemoryAdapter keeps one module-wide LRU for every
 * provider in the process and announces itself as unfit for production on
 * each start; this one is scoped to one server and says nothing. Entries
 * expire after the lifetime oidc-provider gives them (`expiresIn`, seconds).
 * Contract: oidc-provider lib/adapters/memory_adapter.js.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";

/** Models whose records belong to a grant (revoked together). */
const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

interface Entry {
  readonly value: AdapterPayload | string | string[];
  readonly expiresAt: number;
}

export class DevAuthorizationStore {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The adapter class oidc-provider instantiates once per model name. */
  adapterClass(): new (model: string) => Adapter {
    const store = this;
    return class DevAdapter implements Adapter {
      constructor(private readonly model: string) {}
      #key(id: string): string {
        return `${this.model}:${id}`;
      }
      async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
        const key = this.#key(id);
        if (this.model === "Session" && typeof payload.uid === "string") store.set(`sessionUid:${payload.uid}`, id, expiresIn);
        if (GRANTABLE.has(this.model) && payload.grantId) {
          const grantKey = `grant:${payload.grantId}`;
          const members = store.get(grantKey);
          store.set(grantKey, [...(Array.isArray(members) ? members : []), key], expiresIn);
        }
        if (payload.userCode) store.set(`userCode:${payload.userCode}`, id, expiresIn);
        store.set(key, payload, expiresIn);
      }
      async find(id: string): Promise<AdapterPayload | undefined> {
        const value = store.get(this.#key(id));
        return typeof value === "object" && !Array.isArray(value) ? value : undefined;
      }
      async findByUid(uid: string): Promise<AdapterPayload | undefined> {
        const id = store.get(`sessionUid:${uid}`);
        return typeof id === "string" ? this.find(id) : undefined;
      }
      async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
        const id = store.get(`userCode:${userCode}`);
        return typeof id === "string" ? this.find(id) : undefined;
      }
      async consume(id: string): Promise<void> {
        const found = await this.find(id);
        if (found) found.consumed = Math.floor(store.now() / 1000);
      }
      async destroy(id: string): Promise<void> {
        store.delete(this.#key(id));
      }
      async revokeByGrantId(grantId: string): Promise<void> {
        const members = store.get(`grant:${grantId}`);
        if (Array.isArray(members)) for (const key of members) store.delete(key);
        store.delete(`grant:${grantId}`);
      }
    };
  }

  get(key: string): Entry["value"] | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: Entry["value"], expiresInSeconds: number): void {
    this.#entries.set(key, { value, expiresAt: this.now() + expiresInSeconds * 1000 });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
