// SPDX-License-Identifier: MIT
// Parses PowerShell files with tree-sitter-powershell and fails on any
// ERROR or MISSING node.  Usage: node check.cjs FILE.ps1...
'use strict';
const fs = require('fs');
const { Parser, Language } = require('web-tree-sitter');

// Where the errors are; walked only for a file that has some (hasError
// covers ERROR and MISSING nodes), since walking every node is slow.
function problems(tree) {
  const out = [];
  const cursor = tree.walk();
  for (;;) {
    const node = cursor.currentNode;
    if (node.type === 'ERROR' || node.isMissing) {
      out.push(`${node.isMissing ? 'missing' : 'error'} at ${node.startPosition.row + 1}:` +
               `${node.startPosition.column + 1}: ${node.text.slice(0, 80)}`);
    } else if (node.hasError && cursor.gotoFirstChild()) {
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return out;
    }
  }
}

(async () => {
  await Parser.init();
  const grammar = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  const parser = new Parser();
  parser.setLanguage(await Language.load(grammar));
  let failed = 0;
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('no files to check');
    process.exit(2);
  }
  // The grammar must reject broken input, or a clean parse proves nothing.
  if (!parser.parse("New-NetFirewallRule -DisplayName 'a\n").rootNode.hasError) {
    console.error('the grammar accepted an unterminated string');
    process.exit(1);
  }
  for (const f of files) {
    const tree = parser.parse(fs.readFileSync(f, 'utf8'));
    if (tree.rootNode.hasError) {
      failed++;
      console.error(`${f}: does not parse as PowerShell`);
      for (const p of problems(tree)) console.error(`  ${p}`);
    } else {
      console.log(`${f}: ok`);
    }
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
