// Times the official Node UserSig signer, for the ratio in docs/performance.md.
//
//   node crates/tim-sig/benches/node_signer.js [path/to/node_modules/tls-sig-api-v2]
//
// Without an argument it times an inlined copy of genSig from npm `tls-sig-api-v2` 1.0.2
// (TLSSigAPIv2.js: crypto.createHmac, JSON.stringify, zlib.deflateSync at the default level,
// base64 with + / = replaced by * - _). With the path of an installed copy of the package
// (e.g. `npm install tls-sig-api-v2` in a scratch directory outside the repository) it also
// times the package itself. Prints microseconds per signature, median of 5 runs of 20,000.
'use strict';
const crypto = require('crypto');
const zlib = require('zlib');

const SDKAPPID = 1400000000;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const N = 20000;

function escape(s) {
  return s.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

// The official algorithm, with the clock read once per call as the library does.
function genUserSig(identifier, expire) {
  const currTime = Math.floor(Date.now() / 1000);
  let content = 'TLS.identifier:' + identifier + '\n';
  content += 'TLS.sdkappid:' + SDKAPPID + '\n';
  content += 'TLS.time:' + currTime + '\n';
  content += 'TLS.expire:' + expire + '\n';
  const sig = crypto.createHmac('sha256', KEY).update(content).digest('base64');
  const doc = {
    'TLS.ver': '2.0',
    'TLS.identifier': '' + identifier,
    'TLS.sdkappid': Number(SDKAPPID),
    'TLS.time': Number(currTime),
    'TLS.expire': Number(expire),
    'TLS.sig': sig,
  };
  return escape(zlib.deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64'));
}

function time(label, sign) {
  for (let i = 0; i < 2000; i++) sign(); // warm-up
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sign();
    runs.push(Number(process.hrtime.bigint() - t0) / 1000 / N);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label}: ${runs[2].toFixed(1)} us/signature (min ${runs[0].toFixed(1)}, max ${runs[4].toFixed(1)})`);
}

time('inlined official algorithm', () => genUserSig('xiaojun', 15552000));
if (process.argv[2]) {
  const Api = require(require('path').resolve(process.argv[2]));
  const api = new Api.Api(SDKAPPID, KEY);
  time('npm tls-sig-api-v2', () => api.genUserSig('xiaojun', 15552000));
}
