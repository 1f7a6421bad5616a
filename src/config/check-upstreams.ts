// Upstream checks beyond the schema: a URL the proxy can use, and a timeout on every call.
import type { Static } from '@sinclair/typebox'
import type { UpstreamSchema } from './schema.js'
import { checkUpstreamUrl } from './urls.js'
import type { Problems } from './problems.js'
import { isRecord, type Shape } from './shape.js'

type UpstreamDocument = Static<typeof UpstreamSchema>

/** Returns the names of all upstreams (known even when one is malformed), or undefined if none can be read. */
export function checkUpstreams(upstreams: unknown, shape: Shape, problems: Problems): string[] | undefined {
  if (!isRecord(upstreams) || !shape.isContainerSound(['upstreams'])) return undefined
  for (const [name, value] of Object.entries(upstreams)) {
    const path = ['upstreams', name]
    if (!shape.isSound(path)) continue
    const upstream = value as UpstreamDocument
    const { problem } = checkUpstreamUrl(upstream.url)
    if (problem !== undefined) problems.error([...path, 'url'], problem)
    for (const key of ['timeout', 'connectTimeout'] as const) {
      if (upstream[key] === 0) problems.error([...path, key], 'must be greater than 0: every upstream call needs a timeout')
    }
  }
  return Object.keys(upstreams)
}
