// The Node.js SDK (@zohocrm/nodejs-sdk-8.0) ships no type declarations: a TypeScript app that
// imports it (or tokenvault's main entry, index.d.ts) under `strict` needs this line (TS7016).
declare module "@zohocrm/nodejs-sdk-8.0";
