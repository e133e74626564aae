// add-head-operations.mjs — adds a `head` operation beside every `get` of openapi.yaml
// that has none (`npm run edges:head-ops`). The server answers HEAD on every GET route
// (libmicrohttpd drops the body), so the contract declares it: same tags, parameters and
// responses, operationId head…, the description replaced by one line. Works on the text,
// so the file keeps its hand-written layout; api/http-edges checks the twins stay equal.
import fs from 'node:fs';

const file = process.argv[2] ?? 'openapi.yaml';
const lines = fs.readFileSync(file, 'utf8').split('\n');
const out = [];
let inPaths = false;
let added = 0;

/** True when the path item that line i belongs to already has a head operation. */
function hasHead(i) {
  let start = i;
  while (start > 0 && !/^ {2}\//.test(lines[start])) start--;
  for (let j = start + 1; j < lines.length && !/^ {2}\S/.test(lines[j]) && !/^\S/.test(lines[j]); j++) {
    if (lines[j] === '    head:') return true;
  }
  return false;
}

function headId(id) {
  return id.startsWith('get') ? `head${id.slice(3)}` : `head${id[0].toUpperCase()}${id.slice(1)}`;
}

for (let i = 0; i < lines.length; i++) {
  const line = lines[i];
  if (/^paths:/.test(line)) inPaths = true;
  else if (/^\S/.test(line)) inPaths = false;
  out.push(line);
  if (!inPaths || line !== '    get:') continue;
  const block = [];
  let j = i + 1;
  while (j < lines.length && (lines[j] === '' || /^ {5,}/.test(lines[j]))) block.push(lines[j++]);
  while (block.length && block[block.length - 1] === '') block.pop();
  out.push(...block);
  i += block.length;
  if (hasHead(i)) continue;
  out.push('    head:');
  for (let k = 0; k < block.length; k++) {
    const b = block[k];
    let m;
    if (/^ {6}description:/.test(b)) {
      while (k + 1 < block.length && (/^ {8,}/.test(block[k + 1]) || block[k + 1] === '')) k++;
    } else if ((m = /^( {6}operationId: )(\w+)$/.exec(b))) {
      out.push(`${m[1]}${headId(m[2])}`);
    } else if ((m = /^( {6}summary: )(.*)$/.exec(b))) {
      out.push(`${m[1]}${m[2]} (headers only)`);
      out.push("      description: The GET answer's status and headers, without the body (RFC 9110 §9.3.2).");
    } else {
      out.push(b);
    }
  }
  added++;
}
fs.writeFileSync(file, out.join('\n'));
console.error(`${file}: ${added} head operation(s) added`);
