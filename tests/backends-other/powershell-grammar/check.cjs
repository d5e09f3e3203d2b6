// SPDX-License-Identifier: MIT
// Parses PowerShell files with tree-sitter-powershell and fails on any
// ERROR or MISSING node.  Usage: node check.cjs FILE.ps1|FILE.cmd...
// Of a .cmd file it parses the PowerShell commands the script runs
// (powershell ... -Command "..."), each on its own; a .cmd without one fails.
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
    const text = fs.readFileSync(f, 'utf8');
    const sources = f.endsWith('.cmd')
      ? [...text.matchAll(/^powershell [^"\r\n]*-Command "([^"\r\n]*)"/gm)].map((m) => m[1])
      : [text];
    if (sources.length === 0) {
      failed++;
      console.error(`${f}: no PowerShell command in it`);
      continue;
    }
    let bad = false;
    for (const source of sources) {
      const tree = parser.parse(source);
      if (tree.rootNode.hasError) {
        bad = true;
        console.error(`${f}: does not parse as PowerShell: ${source.slice(0, 80)}`);
        for (const p of problems(tree)) console.error(`  ${p}`);
      }
    }
    failed += bad;
    if (!bad) console.log(`${f}: ok (${sources.length} PowerShell source${sources.length > 1 ? 's' : ''})`);
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
