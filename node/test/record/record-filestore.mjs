#!/usr/bin/env node
// Records what the SDKs' own FileStores answer on the operations of
// tests/data/compat/filestore-cases.json (recorded from the Python SDK): for each case the same
// rows_before are written as that SDK's FileStore writes its file, the same operation runs on a
// real FileStore with a real OAuthToken, and its answer, the passed token afterwards and the
// file's rows afterwards are saved.
//
//   cd node && npm ci && node test/record/record-filestore.mjs
//
// writes test/data/node-filestore-cases.json (@zohocrm/nodejs-sdk-8.0) and
// test/data/typescript-filestore-cases.json (@zohocrm/typescript-sdk-8.0).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as NodeSDK from "@zohocrm/nodejs-sdk-8.0";
import { NODE_DIR, COLUMNS, tempDir, loadPythonCases, runOp } from "../helpers.mjs";

const require = createRequire(import.meta.url);
const TsSDK = require("@zohocrm/typescript-sdk-8.0");

const sdks = [
  { name: "@zohocrm/nodejs-sdk-8.0", SDK: NodeSDK, header: COLUMNS, out: "node-filestore-cases.json" },
  { name: "@zohocrm/typescript-sdk-8.0", SDK: TsSDK, header: ["id", "user_mail", ...COLUMNS.slice(2)], out: "typescript-filestore-cases.json" },
];

function version(name) {
  return JSON.parse(fs.readFileSync(path.join(NODE_DIR, "node_modules", name, "package.json"), "utf8")).version;
}

function readRows(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n").slice(1).filter((l) => l.trim() !== "");
  return lines.map((l) => l.split(","));
}

const python = loadPythonCases();
const dir = tempDir("tokenvault-record-");
for (const { name, SDK, header, out } of sdks) {
  const cases = [];
  for (const c of python.cases) {
    const file = path.join(dir, "sdk_tokens.txt");
    fs.writeFileSync(file, [header.join(","), ...c.rows_before.map((r) => r.join(","))].join("\n"), "utf8");
    const store = new SDK.FileStore(file);
    const { result, token_after } = await runOp(SDK, store, c.op);
    cases.push({ name: c.name, rows_before: c.rows_before, op: c.op, result, token_after, rows_after: readRows(file) });
    fs.rmSync(file);
  }
  const doc = {
    schema: 1,
    recorded_from: `${name} ${version(name)}, FileStore (${out.startsWith("node") ? "Node.js" : "TypeScript"}), Node ${process.version}`,
    operations_from: "tests/data/compat/filestore-cases.json (rows_before and op of each case)",
    columns: COLUMNS,
    cases,
  };
  const target = path.join(NODE_DIR, "test", "data", out);
  fs.writeFileSync(target, JSON.stringify(doc, null, 0).replace(/\},\{"name"/g, '},\n{"name"') + "\n");
  console.log(`${target}: ${cases.length} cases from ${name} ${version(name)}`);
}
fs.rmSync(dir, { recursive: true, force: true });
