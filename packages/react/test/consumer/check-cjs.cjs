// The CommonJS build loads with require() and exposes the same hooks.
const bindings = require('@parley/react');
for (const name of ['ParleyProvider', 'useMessages', 'useConversations', 'useUpload']) {
  if (typeof bindings[name] !== 'function') throw new Error(`${name} is missing`);
}
console.log('cjs ok');
