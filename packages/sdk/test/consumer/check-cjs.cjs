// The CommonJS build loads with require() and exposes the same API.
const sdk = require('@parley/sdk');
for (const name of ['createParleyClient', 'ParleyError', 'memoryStorage', 'defaultStorage']) {
  if (typeof sdk[name] !== 'function') throw new Error(`require('@parley/sdk').${name} is missing`);
}
console.log('cjs ok');
