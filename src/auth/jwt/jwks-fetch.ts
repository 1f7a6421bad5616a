// The one outbound call of JWT validation: GET the JWK Set (RFC 7517 §5). Given to jose as its
// fetch so the call runs on our own undici dispatcher, and so that every way it fails (refused,
// timed out, redirected, non-200, oversize, not a JWK Set) is one coded TokengateError that jose
// passes through untouched and the verifier can tell apart from a bad token.
import type { FetchImplementation, JSONWebKeySet } from 'jose'
import { request } from 'undici'
import type { Dispatcher } from 'undici'
import { TokengateError } from '../../errors.js'

/** Key sets are small (a few keys of < 1 KB); this leaves room for long rotations. */
export const MAX_JWKS_BODY_BYTES = 256 * 1024

/** `onFetched` sees every set handed to jose: the keys to fall back on while the endpoint is down. */
export function jwksFetch(dispatcher: Dispatcher, onFetched: (jwks: JSONWebKeySet) => void = () => {}): FetchImplementation {
  return async (url, init) => {
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher,
        headers: { accept: 'application/json, application/jwk-set+json' },
        signal: init.signal,
      })
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw unavailable(`the JWK Set endpoint answered ${res.statusCode}`)
      }
      const text = await readCapped(res.body)
      const json: unknown = JSON.parse(text)
      const keys = typeof json === 'object' && json !== null ? (json as { keys?: unknown }).keys : undefined
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k))) {
        throw unavailable('the JWK Set endpoint answered without a "keys" array of JWKs')
      }
      onFetched(json as JSONWebKeySet)
      // jose reads only `status` and `json()`.
      return { status: 200, json: async () => json } as unknown as Response
    } catch (err) {
      if (err instanceof TokengateError) throw err
      throw unavailable(`the JWK Set could not be fetched (${err instanceof Error ? err.name : 'error'})`, err)
    }
  }
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > MAX_JWKS_BODY_BYTES) throw unavailable(`the JWK Set is larger than ${MAX_JWKS_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function unavailable(detail: string, cause?: unknown): TokengateError {
  return new TokengateError('TG_ERR_INTROSPECTION_UNAVAILABLE', `The JWK Set endpoint could not be used: ${detail}`, cause === undefined ? undefined : { cause })
}
