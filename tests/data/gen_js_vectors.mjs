// Generates tests/data/js_vectors.json with the real mtcute libraries:
//   npm install @mtcute/convert@0.29.7   (pulls @mtcute/core 0.29.7)
//   NODE_PATH=<that node_modules> node tests/data/gen_js_vectors.mjs > tests/data/js_vectors.json
// mtcute strings come from @mtcute/core's writeStringSession; MTKruto's
// two-field (dc, key) auth strings from @mtcute/convert's
// serializeMtkrutoSession (MTKruto itself is published on JSR, not npm).
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = process.env.NODE_PATH ?? 'node_modules'
const load = (p) => import(pathToFileURL(path.resolve(modules, p)).href)
const { writeStringSession } = await load('@mtcute/core/utils.js')
const { convertToMtkrutoSession } = await load('@mtcute/convert/index.js')

const keys = {
  A: Uint8Array.from({ length: 256 }, (_, i) => i),
  B: Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
  C: Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 3) % 256),
}
const hex = (b) => Buffer.from(b).toString('hex')
const out = []

function mtcute(name, key, main, media, self) {
  const data = { version: 3, primaryDcs: { main, media: media ?? main }, self, authKey: keys[key] }
  out.push({
    library: 'mtcute', version: '0.29.7', name,
    inputs: { key, key_hex: hex(keys[key]), main, media: media ?? null, self: self ?? null },
    string: writeStringSession(data),
  })
}

mtcute('ipv4-no-self', 'A', { id: 2, ipAddress: '149.154.167.51', port: 443 }, null, null)
mtcute('ipv4-user', 'A', { id: 2, ipAddress: '149.154.167.51', port: 443 }, null, { userId: 123456789, isBot: false })
mtcute('ipv4-bot-64bit', 'B', { id: 4, ipAddress: '149.154.167.91', port: 443 }, null, { userId: 7000000000, isBot: true })
mtcute('ipv6', 'C', { id: 2, ipAddress: '2001:67c:4e8:f002::a', port: 443, ipv6: true }, null, { userId: 1, isBot: false })
mtcute('test-mode', 'A', { id: 2, ipAddress: '149.154.167.40', port: 80, testMode: true }, null, { userId: 42, isBot: false })
mtcute('separate-media-dc', 'B',
  { id: 2, ipAddress: '149.154.167.50', port: 443 },
  { id: 2, ipAddress: '149.154.167.222', port: 443, mediaOnly: true },
  { userId: 123456789, isBot: false })

for (const [name, dcId, isTest, key] of [['dc2', 2, false, 'A'], ['dc1-test', 1, true, 'B'], ['dc5', 5, false, 'C']]) {
  const main = { id: dcId, ipAddress: '0.0.0.0', port: 443, testMode: isTest }
  out.push({
    library: 'mtkruto (via @mtcute/convert)', version: '0.29.7', name,
    inputs: { dc: dcId, test_mode: isTest, key, key_hex: hex(keys[key]) },
    string: convertToMtkrutoSession({ version: 3, primaryDcs: { main, media: main }, self: null, authKey: keys[key] }),
  })
}
console.log(JSON.stringify({ generated_by: 'tests/data/gen_js_vectors.mjs', vectors: out }, null, 2))
