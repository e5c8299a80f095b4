// ShareSubmit's former home, kept only while actors/block/assemble.ts (as committed) still
// imports it from here; the type lives in messages.ts and leaves index.ts. Goes once the Block
// folder imports it through actors/share/index.ts.
export type { ShareSubmit } from './messages.js';
