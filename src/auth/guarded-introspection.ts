// Issue 7 §3: the authorization server is someone else's service, and a gateway that turned every
// random token into one more call would be a weapon against it. Every introspection call goes
// through the IntrospectionGuard of its endpoint: one guard per endpoint URL and client id (and
// limits), shared by every policy — and every reloaded runtime — that calls it, so the bound holds
// per authorization server, not per policy.
import type { IntrospectionProtection } from '../config/types.js'
import { IntrospectionGuard } from './guard.js'
import { IntrospectionClient } from './introspection-client.js'
import type { IntrospectionClientOptions, IntrospectionResponse } from './introspection-client.js'

/** An IntrospectionClient whose calls queue for, and count against, its endpoint's guard. */
export class GuardedIntrospectionClient extends IntrospectionClient {
  readonly #guard: IntrospectionGuard

  constructor(opts: IntrospectionClientOptions, guard: IntrospectionGuard) {
    super(opts)
    this.#guard = guard
  }

  get guard(): IntrospectionGuard {
    return this.#guard
  }

  // The single-flight cache sits in front of this, so requests coalesced on one token take one slot.
  override introspect(token: string, ctx: { readonly requestId?: string } = {}): Promise<IntrospectionResponse> {
    return this.#guard.run(() => super.introspect(token, ctx))
  }
}

/** Guards by endpoint; a guard lives as long as the registry, so its circuit state survives reloads. */
export class GuardRegistry {
  readonly #guards = new Map<string, IntrospectionGuard>()

  get size(): number {
    return this.#guards.size
  }

  guardFor(url: string, clientId: string | undefined, protection: IntrospectionProtection): IntrospectionGuard {
    // Limits are part of the key: two policies that disagree about them get a guard each rather
    // than one silently using the other's numbers.
    const key = JSON.stringify([url, clientId ?? null, protection.maxConcurrent, protection.maxQueued, protection.failureThreshold, protection.coolDownMs])
    let guard = this.#guards.get(key)
    if (guard === undefined) {
      guard = new IntrospectionGuard({ ...protection, now: () => performance.now() })
      this.#guards.set(key, guard)
    }
    return guard
  }
}

/** The process-wide registry the authenticators use unless a test passes its own. */
export const sharedGuards = new GuardRegistry()

export function guardedIntrospectionClient(
  opts: IntrospectionClientOptions,
  protection: IntrospectionProtection,
  registry: GuardRegistry = sharedGuards,
): GuardedIntrospectionClient {
  return new GuardedIntrospectionClient(opts, registry.guardFor(opts.url, opts.clientId, protection))
}
