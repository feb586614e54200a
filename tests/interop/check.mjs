// Reads session strings written by mtgo-storage with the real GramJS
// (npm `telegram`) and prints what it sees as JSON; also prints GramJS's own
// string for the job's session.
// Usage: node check.mjs JOB.json   (run by tests/interop.rs, with
// MTGO_INTEROP_NODE_MODULES pointing at the node_modules holding `telegram`).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(path.join(process.env.MTGO_INTEROP_NODE_MODULES, 'x.js'))
const { StringSession } = require('telegram/sessions/index.js')
const { AuthKey } = require('telegram/crypto/AuthKey.js')
const pkg = require('telegram/package.json')

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const read = async (s) => {
  const sess = new StringSession(s)
  await sess.load()
  return {
    dc: sess.dcId,
    addr: sess.serverAddress,
    port: sess.port,
    key: Buffer.from(sess.authKey.getKey()).toString('hex'),
  }
}

const s = job.session
const own = new StringSession('')
own.setDC(s.dc, s.addr, s.port)
const key = new AuthKey()
await key.setKey(Buffer.from(s.key, 'hex'))
own.setAuthKey(key)

console.log(JSON.stringify({
  version: pkg.version,
  gramjs_strings: await Promise.all(job.gramjs_strings.map(read)),
  telethon_strings: await Promise.all(job.telethon_strings.map(read)),
  own: own.save(),
}))
